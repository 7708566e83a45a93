"""The width a page's maps really have in the visitor's browser, so that a map's first view fits what it draws.

deck.gl zooms in absolute pixels, and Streamlit's server does not know how wide the browser is: a view fitted for
a desktop's 900-pixel map crops the ends of the region on a 360-pixel phone. A small component (``st.components.v2``,
no iframe, nothing loaded from outside) measures the main column, where the maps take the full width, and reports
it, in steps of ``STEP_PX`` and never more than ``FULL_PX``, when it differs from the width the page assumed. The
page then reruns once and the maps are fitted to that width; the width is kept for the session (every page, every
rerun), and reported again if the window is resized or the phone turned. Until it is known (the first load,
AppTest, no JavaScript) maps are fitted to ``FULL_PX``, a desktop's map.

While a report is under way the probe's element carries ``data-map-width-pending="true"`` (``"false"`` once the
page has been drawn for the width measured): browser tests wait on that signal (tests/e2e/helpers.py).
"""

from __future__ import annotations

import streamlit as st

from layers.base import VIEW_WIDTH_PX

FULL_PX = VIEW_WIDTH_PX  # a desktop's map: wider maps are fitted as this wide (and show more around the content)
STEP_PX = 20
STATE_KEY = "map_width"
PROBE_KEY = "atlas_map_width"

_JS = """
export default function ({ parentElement, data, setStateValue }) {
  const column = document.querySelector('[data-testid="stMainBlockContainer"]');
  if (!column) return;
  const measure = () => {
    const style = getComputedStyle(column);
    const inner = column.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (!(inner > 0)) return;
    const width = Math.min(data.full, Math.floor(inner / data.step) * data.step);
    parentElement.dataset.mapWidth = String(width);
    parentElement.dataset.mapWidthPending = String(width !== data.assumed);
    if (width !== data.assumed) setStateValue("width", width);
  };
  const observer = new ResizeObserver(measure);
  observer.observe(column);
  measure();
  return () => observer.disconnect();
}
"""
_PROBE = st.components.v2.component(PROBE_KEY, js=_JS, isolate_styles=False)
_STYLE = f"<style>.st-key-{PROBE_KEY} {{ display: none !important; }}</style>"  # no gap where the probe sits


def _remember() -> None:
    """Keep the reported width for the session (plain session state outlives the probe's own widget state)."""
    reported = (st.session_state.get(PROBE_KEY) or {}).get("width")
    if isinstance(reported, int | float) and STEP_PX <= reported <= FULL_PX:
        st.session_state[STATE_KEY] = int(reported)


def assumed_width() -> int:
    """The width the page's maps are fitted to, without mounting the probe (a page that mounts it later)."""
    return int(st.session_state.get(STATE_KEY, FULL_PX))


def map_width() -> int:
    """The width, in pixels, to fit this page's maps to: measured in the browser (``FULL_PX`` until it is known).

    Mounts the probe: call it once per page run, before the maps are built.
    """
    assumed = assumed_width()
    st.html(_STYLE)
    _PROBE(
        key=PROBE_KEY,
        data={"assumed": assumed, "full": FULL_PX, "step": STEP_PX},
        on_width_change=_remember,
        height=0,
    )
    return assumed
