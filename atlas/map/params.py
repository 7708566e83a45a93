"""The indicator map's URL and view-state rules. Pure: no Streamlit calls, so they are unit-tested.

Which parameters the page reads, which year a view opens on and keeps, which level a view
falls back to, which classification applies. ``breaks``: manual class breaks as increasing
numbers separated by commas; a bad value falls back to the default with a notice, like every
other parameter; its reason text lives in ``atlas/strings/map.yaml`` (``MapProblem``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from atlas.core import urlstate
from atlas.core.i18n import t
from indicators.catalogue import Indicator
from indicators.quality import period_year, sort_periods
from layers.classify import SCHEMES, BreaksError, parse_manual_breaks
from layers.palettes import DEFAULT_PALETTE, get_palette, load_palettes

BREAKS_REASON = "map.reason_breaks"


def parse_breaks(raw: str) -> tuple[float, ...]:
    """``"1, 5,10"`` -> ``(1.0, 5.0, 10.0)``; raises ``BreaksError`` (a ``ValueError``) saying what is wrong.

    The one parser of manual breaks is ``layers.classify.parse_manual_breaks`` (numbers within
    ±10¹⁵, increasing, at most 20): a URL like ``breaks=0,1e27`` gets a notice, never a traceback.
    """
    return tuple(parse_manual_breaks(str(raw)))


def breaks_problem(raw: str, lang: str) -> str | None:
    """What is wrong with typed breaks, in ``lang``, or None when they are valid."""
    try:
        parse_manual_breaks(str(raw))
    except BreaksError as err:
        return f"{err.message(lang)} {err.fix(lang)}".strip()
    return None


def dump_breaks(values: Sequence[float] | str) -> str:
    """``(1.0, 5.5)`` -> ``"1,5.5"`` (the text form is kept as typed when it is already text)."""
    if isinstance(values, str):
        return ",".join(p.strip() for p in values.split(",") if p.strip())
    return ",".join(f"{v:g}" for v in values)


def breaks_param(key: str = "breaks") -> urlstate.Param:
    """Manual breaks, kept in session state as normalised text (``"1,5,10"``); default empty."""

    def parse(raw: str) -> str:
        try:
            return dump_breaks(parse_breaks(raw))
        except ValueError:
            raise urlstate.ParamError(BREAKS_REASON) from None

    return urlstate.Param(key, "", parse, dump=dump_breaks, label=lambda v: v or "—")


@dataclass(frozen=True)
class MapProblem(urlstate.Problem):
    """A problem whose reason is a full strings key (``map.…``) rather than a ``common.`` one."""

    def reason_text(self, lang: str) -> str:
        return t(self.reason, lang, **self.values)


def localise_problems(problems: Sequence[urlstate.Problem]) -> list[urlstate.Problem]:
    """Problems with ``map.`` reasons turned into ``MapProblem`` so that their message resolves."""
    return [
        MapProblem(p.key, p.value, p.reason, p.values, p.fallback) if p.reason.startswith("map.") else p
        for p in problems
    ]


LEVELS = ("country", "admin1")
SEXES = ("_T", "F", "M")
K_CHOICES = ("", "2", "3", "4", "5", "6", "7", "8", "9")
DEFAULT_INDICATOR = "immigrant_share"
PLAY_SECONDS = 2.5


def build_view_params(
    indicator_ids: Sequence[str], countries: Sequence[str], label_country: Callable, label_indicator: Callable
) -> list[urlstate.Param]:
    """The parameters read before the indicator's periods are known."""
    return [
        urlstate.choice("indicator", list(indicator_ids), DEFAULT_INDICATOR, label=label_indicator),
        urlstate.choice("country", ["", *countries], "", label=label_country),
        urlstate.choice("level", LEVELS, "country"),
        urlstate.choice("sex", ["", *SEXES], ""),
        urlstate.choice("scheme", ["", *SCHEMES], ""),
        urlstate.choice("k", K_CHOICES, ""),
        urlstate.choice("palette", ["", *load_palettes()], ""),
    ]


def build_detail_params(periods: Sequence[str], default_year: str | None, codes: Sequence[str]) -> list[urlstate.Param]:
    """The parameters that depend on the indicator and the view: year, selected territory, breaks.

    ``periods`` are every period of the indicator at the level (a link may ask for any of
    them); ``default_year`` is the view's own (``data.view_default_period``).
    """
    return [
        urlstate.choice("year", list(periods), default_year),
        urlstate.choice("sel", ["", *codes], ""),
        breaks_param(),
    ]


def nearest_period(periods: Sequence[str], wanted: str | None) -> str:
    """``wanted`` if it is a period of the list, else the one closest in years (the latest when unknown)."""
    if wanted in periods:
        return wanted
    if not wanted:
        return periods[-1]
    try:
        target = period_year(wanted)
    except ValueError:
        return periods[-1]
    return min(periods, key=lambda p: (abs(period_year(p) - target), -period_year(p)))


def choose_year(
    current: str | None, view_periods: Sequence[str], default_year: str | None, view_changed: bool
) -> tuple[str | None, bool]:
    """The year to show, and whether the page must say that it changed.

    No year yet: the view's default. A year with data in the view stays. After a change of
    indicator, level, country or sex, a year without data in the new view moves to the nearest
    year that has some (the page says so), so that a view never opens empty. A year that came
    with a link and has no data in its view is kept: the map then says there is no value, or
    shows the nearest year within the indicator's window, marked.
    """
    if not current:
        return default_year, False
    if current in view_periods or not view_periods or not view_changed:
        return current, False
    return nearest_period(view_periods, current), True


def slider_periods(view_periods: Sequence[str], current: str | None) -> list[str]:
    """The year slider's options: the view's periods, plus the current year when a link asked for
    one without data in this view (a slider must hold its value)."""
    if not current or current in view_periods:
        return list(view_periods)
    return sort_periods([*view_periods, current])


def settle_palette(value: str | None, kind: str) -> str:
    """The palette choice to keep before the palette widget is drawn: a palette of ``kind``, else ""
    (the indicator's default).

    Read before its widget exists in a run, a selectbox's state can be the label the browser
    still holds rather than an option: Streamlit 1.67 sends labels, and the browser keeps the
    old label of "" when it changes ("Default (Yellow-green-blue)" after switching to an
    indicator whose default is Viridis). Only that label depends on the indicator, so an
    unknown value means the default.
    """
    palettes = load_palettes()
    if not value or value not in palettes or palettes[value].kind != kind:
        return ""
    return value


def palette_kind(indicator: Indicator) -> str:
    """The kind of palette the indicator's values call for (sequential, diverging...)."""
    return get_palette(indicator.palette).kind


def effective_palette(indicator: Indicator, chosen: str | None) -> str:
    """The palette to draw with: the visitor's choice, else the indicator's, else the kind's default."""
    return chosen or indicator.palette or DEFAULT_PALETTE[palette_kind(indicator)]


def effective_classification(indicator: Indicator, scheme: str, k: str, breaks: str) -> tuple[str, int, tuple]:
    """The scheme, k and breaks to use: the user's choice, else the indicator's default.

    Manual without valid breaks falls back to quantiles (the page says so).
    """
    scheme = scheme or indicator.scheme
    k_value = int(k) if k else indicator.k
    parsed: tuple = ()
    if scheme == "manual":
        try:
            parsed = parse_breaks(breaks)
        except ValueError:
            scheme = "quantiles"
    return scheme, k_value, parsed


def keeps_one_unit(indicator: Indicator, level: str) -> bool:
    """Whether the indicator keeps only some units of its source at ``level`` (``where: {unit: ...}``)."""
    spec = indicator.levels.get(level)
    return spec is not None and bool(spec.numerator.where.get("unit"))


def settle_level(level: str | None, levels: Sequence[str]) -> tuple[str, bool]:
    """The region view's level: ``level`` if the indicator has it, else its first level (and True: say so)."""
    if level in levels:
        return level, False
    return next(iter(levels)), True


def settle_selection(selected: str | None, codes: Sequence[str], country: str) -> str:
    """The selected territory if the view shows it (a unit, or the country itself), else none."""
    return selected if selected in ("", *codes, country) else ""
