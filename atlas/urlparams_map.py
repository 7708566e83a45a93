"""Query parameters of the indicator map that ``atlas.urlstate`` has no kind for.

``breaks``: manual class breaks as increasing numbers separated by commas. A bad value
falls back to the default with a notice, like every other parameter; its reason text
lives in ``atlas/strings/map.yaml`` (``MapProblem`` reads it from there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from atlas import urlstate
from atlas.i18n import t

BREAKS_REASON = "map.reason_breaks"


def parse_breaks(raw: str) -> tuple[float, ...]:
    """``"1, 5,10"`` -> ``(1.0, 5.0, 10.0)``; raises ``ValueError`` unless numbers increase strictly."""
    parts = [p.strip() for p in str(raw).replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise ValueError("no numbers")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise ValueError("not a number") from None
    if any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise ValueError("not a finite number")
    if any(a >= b for a, b in zip(values, values[1:])):
        raise ValueError("not increasing")
    return values


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

    def message(self, lang: str) -> str:
        reason = t(self.reason, lang, **self.values)
        return t("common.url_notice", lang, param=self.key, value=self.value, reason=reason, fallback=self.fallback)


def localise_problems(problems: Sequence[urlstate.Problem]) -> list[urlstate.Problem]:
    """Problems with ``map.`` reasons turned into ``MapProblem`` so that their message resolves."""
    return [MapProblem(p.key, p.value, p.reason, p.values, p.fallback) if p.reason.startswith("map.") else p
            for p in problems]
