"""The one play mechanism: step through periods on a timer, with Streamlit's public API only.

A page hands ``render_playing`` the part of itself that changes with the period; it runs in a
fragment that Streamlit reruns every ``seconds`` while playing (``st.fragment(run_every=...)``).
A timer tick is told apart from a full run of the page by a counter the page's full run moves
(no private Streamlit state). A person's own change of a widget inside the fragment is not a
tick: its widget calls ``touched(scope)`` as its ``on_change``.

While a view plays, every tick writes a new period into the URL and the browser's address bar
may lag behind (more so under load). A click sent with one of those earlier addresses (Stop,
above all) is not a shared link: ``urlstate.sync_from_url`` never reads back an address this
session wrote itself, and the play toggle's own change always wins (``on_play_toggled``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from atlas.core import freshness, urlstate


def next_period(periods: Sequence[str], current: str | None) -> str | None:
    """The period after ``current``, back to the first after the last (the first when ``current`` is unknown)."""
    if not periods:
        return None
    i = list(periods).index(current) if current in periods else -1
    return periods[(i + 1) % len(periods)]


def _keys(scope: str) -> tuple[str, str, str, str]:
    return tuple(f"_play_{scope}_{part}" for part in ("full", "seen", "touched", "choice"))  # type: ignore


def touched(scope: str) -> Callable[[], None]:
    """An ``on_change`` callback for a widget inside the playing fragment: its change is not a tick."""

    def mark() -> None:
        st.session_state[_keys(scope)[2]] = True

    return mark


def on_play_toggled(scope: str, play_key: str = "play") -> Callable[[], None]:
    """The play toggle's ``on_change``: the person's choice wins over the URL and over a tick on its way."""

    def remember() -> None:
        st.session_state[_keys(scope)[3]] = bool(st.session_state.get(play_key))

    return remember


def render_playing(
    scope: str, playing: bool, seconds: float, body: Callable[[bool], None], play_key: str = "play"
) -> None:
    """Run ``body(tick)`` in a fragment rerun every ``seconds`` while ``playing``.

    ``tick`` is True only on a timer rerun (not on the page's full run, nor on a widget change
    inside the fragment marked with ``touched``): that is when the body moves to the next period.
    """
    full, seen, touched_key, _choice = _keys(scope)
    state = st.session_state
    state[full] = state.get(full, 0) + 1

    @st.fragment(run_every=seconds if playing else None)
    def _fragment() -> None:
        freshness.pin_fragment_run()  # a tick reads the store version the page's full run read
        run = state.get(full)
        tick = state.get(seen) == run and not state.pop(touched_key, False)
        state[seen] = run
        body(bool(tick and state.get(play_key)))

    _fragment()


def sync_from_url(specs: Sequence[urlstate.Param], scope: str, play_key: str = "play") -> list[urlstate.Problem]:
    """``urlstate.sync_from_url`` (which never reads back an address this session wrote), then the play
    toggle's own last change, which wins over anything an address says."""
    problems = urlstate.sync_from_url(specs, scope)
    choice = _keys(scope)[3]
    if choice in st.session_state:
        st.session_state[play_key] = st.session_state.pop(choice)
    return problems
