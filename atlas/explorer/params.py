"""The explorer's URL and view-state rules. Pure: no Streamlit calls, so they are unit-tested.

Every widget's key is its query parameter (``source``, ``measure``, ``rows``, ``cols``,
``granularity``, ``area_level``, ``totals``, ``shares``, ``per_capita``, ``stat`` and one
``f_<dimension>`` per filter), so a link reopens the same table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from atlas.core import urlstate
from atlas.core.i18n import t
from etl.crosstab.catalogue import OBSERVATIONS, Catalogue, Source
from etl.crosstab.spec import (
    AREA_LEVELS,
    FILTER_PREFIX,
    MICRODATA_GRANULARITIES,
    OBSERVATION_GRANULARITIES,
    SHARES,
    TOTALS,
)

STATS = ("value", "share", "per_capita")
CHART_CATEGORIES = 25
# A first view that shows something meaningful (used only when its codes exist in the store).
DEFAULT_VIEWS = {
    OBSERVATIONS: {
        "measure": ("migrant_stock",),
        "rows": ("counterpart_area",),
        "cols": ("sex",),
        "filters": {"dataset": ("undesa_ims2024",), "ref_area": ("CRI",), "time_period": ("2024",)},
    },
    "microdata": {
        "measure": ("movements",),
        "rows": ("port_type",),
        "cols": ("movement",),
        "filters": {"time_period": ("2024",)},
    },
}


LINK_SEEN = "_explorer_link_seen"  # the query string as this page last left it
LIST_KEYS = ("measure", "rows", "cols")


@dataclass(frozen=True)
class LinkProblem(urlstate.Problem):
    """A link parameter the explorer corrected; its reason is an ``explorer.`` strings key."""

    def reason_text(self, lang: str) -> str:
        return t(f"explorer.{self.reason}", lang, **self.values)


def _parts(raw: str) -> list[str]:
    return [p.strip() for p in str(raw).split(",") if p.strip() and p.strip() != urlstate.EMPTY_LIST]


def validate_link(query: Mapping[str, str], cat: Catalogue) -> tuple[list[LinkProblem], dict[str, tuple[str, ...]]]:
    """What a link asks for that the explorer cannot take as it is, and the values it falls back to.

    Pure (no Streamlit state): ``query`` is the link's parameters. Reported here: ``f_*``
    keys that name no dimension of the source (ignored), a measure or dimension repeated
    in ``measure``/``rows``/``cols`` (kept once), and a dimension in both rows and columns
    (kept in rows). Unknown values are ``atlas.core.urlstate``'s to report, unknown filter codes
    ``render_filters``'.
    """
    problems: list[LinkProblem] = []
    fixes: dict[str, tuple[str, ...]] = {}
    valid = {
        "measure": {m.lower(): m for m in cat.measures},
        "rows": {d.lower(): d for d in cat.dimensions},
        "cols": {d.lower(): d for d in cat.dimensions},
    }
    chosen: dict[str, tuple[str, ...]] = {}
    for key in LIST_KEYS:
        parts = _parts(query.get(key, ""))
        known = [valid[key].get(p.lower()) for p in parts]
        if None in known:
            continue  # atlas.core.urlstate names the unknown values
        chosen[key] = tuple(dict.fromkeys(known))
        repeated = sorted({k for k in known if known.count(k) > 1})
        if repeated:
            problems.append(
                LinkProblem(key, query[key], "reason_repeated", {"value": ", ".join(repeated)}, ",".join(chosen[key]))
            )
    both = [d for d in chosen.get("cols", ()) if d in chosen.get("rows", ())]
    if both:
        fixes["cols"] = tuple(d for d in chosen["cols"] if d not in both)
        problems.append(
            LinkProblem(
                "cols", query["cols"], "reason_in_rows", {"value": ", ".join(both)}, ",".join(fixes["cols"]) or "—"
            )
        )
    for key in sorted(k for k in query if k.startswith(FILTER_PREFIX)):
        if key[len(FILTER_PREFIX) :] not in cat.dimensions:
            problems.append(
                LinkProblem(
                    key,
                    query[key],
                    "reason_unknown_filter",
                    {
                        "dim": key[len(FILTER_PREFIX) :],
                        "valid": ", ".join(f"{FILTER_PREFIX}{d}" for d in sorted(cat.dimensions)),
                    },
                    "—",
                )
            )
    return problems, fixes


def source_param(sources: Sequence[Source], lang: str) -> urlstate.Param:
    titles = {s.source_id: s.title(lang) for s in sources}
    return urlstate.choice("source", list(titles), OBSERVATIONS, label=lambda s: titles.get(s, s))


def first_view(cat: Catalogue) -> dict[str, object]:
    """Widget values of a first view that shows something meaningful (only codes the store has).

    Applied to a bare ``/explorer`` visit and when the user switches source; a link is read
    as it is, with neutral defaults (no filter) for what it leaves out.
    """
    view = DEFAULT_VIEWS[OBSERVATIONS if cat.kind == "observations" else "microdata"]
    measures = tuple(m for m in view["measure"] if m in cat.measures) or tuple(sorted(cat.measures))[:1]
    dims = cat.dimensions_for(measures)
    filters = {d: codes for d, codes in view["filters"].items() if d in dims}
    if "dataset" in filters and not set(filters["dataset"]) & set(cat.datasets_for(measures)):
        filters = {}
    values: dict[str, object] = {
        "measure": measures,
        "rows": tuple(d for d in view["rows"] if d in dims),
        "cols": tuple(d for d in view["cols"] if d in dims),
    }
    values.update({f"{FILTER_PREFIX}{d}": tuple(codes) for d, codes in filters.items()})
    return values


def _codes_param(key: str, default: Sequence[str]) -> urlstate.Param:
    """A filter: any list of codes (the engine checks them and names the valid ones)."""

    def parse(raw: str) -> tuple[str, ...]:
        if raw.strip() == urlstate.EMPTY_LIST:
            return ()
        return tuple(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))

    return urlstate.Param(
        key, tuple(default), parse, dump=urlstate.list_dumper(default), label=lambda v: ", ".join(v) if v else "—"
    )


def build_params(cat: Catalogue) -> list[urlstate.Param]:
    """The query parameters of the explorer for one source, with neutral defaults (no filter):
    a link means exactly what it says, as ``python -m etl query --url`` reads it."""
    granularities = MICRODATA_GRANULARITIES if cat.kind == "microdata" else OBSERVATION_GRANULARITIES
    params = [
        urlstate.multi_choice("measure", sorted(cat.measures)),
        urlstate.multi_choice("rows", sorted(cat.dimensions)),
        urlstate.multi_choice("cols", sorted(cat.dimensions)),
        urlstate.choice("granularity", granularities, "year"),
        urlstate.choice("area_level", AREA_LEVELS, "country"),
        urlstate.choice("totals", TOTALS, "totals"),
        urlstate.choice("shares", SHARES, "none"),
        urlstate.flag("per_capita", False),
        urlstate.choice("stat", STATS, "value"),
    ]
    params += [_codes_param(f"{FILTER_PREFIX}{d}", ()) for d in sorted(cat.dimensions)]
    return params
