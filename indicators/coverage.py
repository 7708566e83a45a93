"""The coverage matrix: what the atlas has, what is partial and what is missing, country by theme by year.

One row per network country x level (country, admin-1) x theme (the catalogue's themes) x year. A cell is

    exists    at least one indicator of the theme has a value for the country (at admin-1: for every unit of
              the country that has geometry) in a complete period of that year; an indicator mapped by
              partner (Darién transit by nationality) also counts for the country that reports it (Panama);
    partial   values exist, but only in partial, mid-year or projected periods, or for some of the country's
              units only, or as totals over incomplete pairs (``coverage = partial_pairs``);
    missing   nothing: a gap to show, never to fill. It links to the submission page.

Each filled cell links to the map view that shows it (its URL query state); each empty one to the
submission page. ``build_coverage_matrix`` is pure (indicator frames in, matrix out); ``load_coverage_matrix``
computes every indicator of the catalogue through ``indicators.compute`` (a few seconds: cache it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

import pandas as pd

from etl.periods import period_year
from indicators.catalogue import Catalogue

STATUSES = ("exists", "partial", "missing")
LEVELS = ("country", "admin1")
MATRIX_COLUMNS = (
    "country",
    "level",
    "theme",
    "year",
    "status",
    "indicators",
    "periods",
    "n_indicators",
    "units_with_data",
    "units",
    "link",
    "reason_es",
    "reason_en",
)
_REASONS = {
    "exists": ("Hay datos completos.", "Complete data exist."),
    "partial_period": (
        "Solo periodos parciales, de mitad de año o proyectados.",
        "Only partial, mid-year or projected periods.",
    ),
    "partial_units": ("Solo algunas unidades administrativas tienen datos.", "Only some admin-1 units have data."),
    "partial_pairs": ("Total sobre pares incompletos de la fuente.", "Total over incomplete pairs of the source."),
    "missing": (
        "Sin datos: envíe los suyos desde la página de envío.",
        "No data: send yours from the submission page.",
    ),
}


def build_view_link(indicator_id: str, level: str, country: str, period: str, lang: str = "es") -> str:
    """The URL of the map view that shows a cell (``/map?indicator=…&level=…&country=…&year=…&lang=…``)."""
    query = {"indicator": indicator_id, "level": level, "year": period, "lang": lang}
    if level == "admin1":
        query["country"] = country
    else:
        query["sel"] = country
    return "/map?" + urlencode(query)


def build_submit_link(country: str, lang: str = "es") -> str:
    """The URL of the submission page for an empty cell."""
    return "/submit?" + urlencode({"lang": lang, "country": country})


def compute_cells(
    frames: Mapping[tuple[str, str], pd.DataFrame],
    catalogue: Catalogue,
    parents: Mapping[str, str],
    units: Mapping[str, int],
) -> pd.DataFrame:
    """Per (indicator, level, country, period): how many units have a value, and whether it is complete.

    ``frames``: ``{(indicator_id, level): indicators.compute output}`` (every period, with
    ``period_status`` and, where it applies, ``coverage``); ``parents``: ``{admin-1 code: country}``;
    ``units``: admin-1 units with geometry per country.
    """
    parts = []
    for (indicator_id, level), frame in frames.items():
        if frame.empty:
            continue
        have = frame[frame["value"].notna()]
        if have.empty:
            continue
        country = have["geo_code"].map(parents) if level == "admin1" else have["geo_code"]
        complete = have["period_status"].eq("complete") if "period_status" in have else True
        pairs_ok = ~have["coverage"].eq("partial_pairs") if "coverage" in have else True
        part = pd.DataFrame(
            {
                "indicator_id": indicator_id,
                "level": level,
                "country": country,
                "period": have["period"].astype(str),
                "complete": complete & pairs_ok,
                "pairs_partial": ~pairs_ok if "coverage" in have else False,
                "geo_code": have["geo_code"],
            }
        )
        parts.append(part[part["country"].notna()])
    if not parts:
        return pd.DataFrame(
            columns=[
                "indicator_id",
                "level",
                "country",
                "period",
                "year",
                "theme",
                "complete",
                "pairs_partial",
                "units_with_data",
                "units",
            ]
        )
    cells = pd.concat(parts, ignore_index=True)
    cells["theme"] = cells["indicator_id"].map(lambda i: catalogue.get(i).theme)
    cells["year"] = cells["period"].map(period_year)
    grouped = cells.groupby(["indicator_id", "level", "country", "period", "year", "theme"], as_index=False).agg(
        complete=("complete", "all"), pairs_partial=("pairs_partial", "any"), units_with_data=("geo_code", "nunique")
    )
    grouped["units"] = [units.get(c, 0) if lv == "admin1" else 1 for c, lv in zip(grouped["country"], grouped["level"])]
    return grouped


def build_coverage_matrix(
    frames: Mapping[tuple[str, str], pd.DataFrame],
    catalogue: Catalogue,
    countries: Iterable[str],
    parents: Mapping[str, str],
    units: Mapping[str, int],
    years: Iterable[int],
    lang: str = "es",
) -> pd.DataFrame:
    """The full matrix: every country x level x theme x year, with a status, the indicators and a link.

    ``years`` are the matrix columns (e.g. 2000–2025); a period counts in the year it is named by
    (``FY2024`` in 2024, ``2024-03`` in 2024) and a five-year period in its first year (``2015-2019`` in 2015).
    """
    cells = compute_cells(frames, catalogue, parents, units)
    themes = list(catalogue.themes)
    rows = []
    index = {k: g for k, g in cells.groupby(["country", "level", "theme", "year"])} if not cells.empty else {}
    for country in countries:
        for level in LEVELS:
            for theme in themes:
                for year in years:
                    group = index.get((country, level, theme, year))
                    rows.append(_cell_row(country, level, theme, year, group, lang))
    return pd.DataFrame(rows, columns=list(MATRIX_COLUMNS))


def _cell_row(country: str, level: str, theme: str, year: int, group: pd.DataFrame | None, lang: str) -> dict:
    if group is None or group.empty:
        es, en = _REASONS["missing"]
        return {
            "country": country,
            "level": level,
            "theme": theme,
            "year": year,
            "status": "missing",
            "indicators": "",
            "periods": "",
            "n_indicators": 0,
            "units_with_data": 0,
            "units": 0,
            "link": build_submit_link(country, lang),
            "reason_es": es,
            "reason_en": en,
        }
    full_units = group["units_with_data"] >= group["units"]
    good = group[group["complete"] & full_units]
    if not good.empty:
        status, reason, pick = "exists", "exists", good
    else:
        status, pick = "partial", group
        if group["pairs_partial"].any():
            reason = "partial_pairs"
        elif not full_units.any():
            reason = "partial_units"
        else:
            reason = "partial_period"
    best = pick.sort_values(["units_with_data", "indicator_id"], ascending=[False, True]).iloc[0]
    es, en = _REASONS[reason]
    return {
        "country": country,
        "level": level,
        "theme": theme,
        "year": year,
        "status": status,
        "indicators": ";".join(sorted(set(group["indicator_id"]))),
        "periods": ";".join(sorted(set(group["period"]))),
        "n_indicators": int(group["indicator_id"].nunique()),
        "units_with_data": int(group["units_with_data"].max()),
        "units": int(group["units"].max()),
        "link": build_view_link(best["indicator_id"], level, country, best["period"], lang),
        "reason_es": es,
        "reason_en": en,
    }


def build_coverage_pivot(matrix: pd.DataFrame, level: str) -> pd.DataFrame:
    """A country x theme (rows) by year (columns) table of statuses, for the page: one level at a time."""
    part = matrix[matrix["level"] == level]
    return part.pivot_table(index=["country", "theme"], columns="year", values="status", aggfunc="first")


def label_matrix(
    matrix: pd.DataFrame, catalogue: Catalogue, names: Mapping[str, Mapping[str, str]], lang: str
) -> pd.DataFrame:
    """The download form: country and theme names in ``lang`` beside the codes, statuses in words."""
    words = {
        "es": {"exists": "existe", "partial": "parcial", "missing": "falta"},
        "en": {"exists": "exists", "partial": "partial", "missing": "missing"},
    }[lang]
    out = matrix.copy()
    out.insert(1, "country_name", out["country"].map(lambda c: names.get(c, {}).get(lang, c)))
    out.insert(4, "theme_name", out["theme"].map(lambda t: catalogue.themes[t](lang)))
    out["status_text"] = out["status"].map(words)
    out["reason"] = out[f"reason_{lang}"]
    return out.drop(columns=["reason_es", "reason_en"])


def compute_reporter_rows(numerator_rows: pd.DataFrame, labels: pd.Series, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows that make an indicator mapped by partner (nationality, origin) count for the country that *reports*
    it too: Panama reports Darién transit by nationality, Mexico its deportations. One row per reporter and
    period with a value, with the period status of the indicator's own frame for that period."""
    have = numerator_rows["value"].notna()
    pairs = pd.DataFrame({"geo_code": numerator_rows.loc[have, "ref_area"], "period": labels[have].astype(str)})
    pairs = pairs.drop_duplicates()
    status = (
        frame.drop_duplicates("period").set_index("period")["period_status"]
        if "period_status" in frame and not frame.empty
        else pd.Series(dtype=object)
    )
    pairs = pairs[pairs["period"].isin(status.index)]
    return pairs.assign(value=1.0, period_status=pairs["period"].map(status), coverage="complete")


def load_reporter_rows(indicator, frame: pd.DataFrame) -> pd.DataFrame:
    """``compute_reporter_rows`` over the store for an indicator whose country-level numerator is by partner."""
    from indicators.engine import compute_period_labels, select_rows
    from indicators.store import load_observations

    spec = indicator.levels.get("country")
    if spec is None or spec.numerator.area != "counterpart_area":
        return frame.iloc[0:0]
    rows = select_rows(load_observations(spec), spec.numerator)
    return compute_reporter_rows(rows, compute_period_labels(rows, spec.numerator.period), frame)


def load_coverage_matrix(years: Iterable[int] | None = None, lang: str = "es") -> pd.DataFrame:
    """The matrix over the store (every catalogue indicator at every level), for the 12 network countries."""
    import geodata
    from indicators.catalogue import load_catalogue
    from indicators.engine import compute

    catalogue = load_catalogue()
    frames = {(i, lv): compute(i, lv) for i, ind in catalogue.indicators.items() for lv in ind.levels}
    frames = {
        key: pd.concat([frame, load_reporter_rows(catalogue.get(key[0]), frame)], ignore_index=True)
        if key[1] == "country"
        else frame
        for key, frame in frames.items()
    }
    gaz = geodata.gazetteer()
    countries = sorted(gaz.loc[(gaz["level"] == "country") & gaz["in_network"].astype(bool), "geo_code"])
    a1 = gaz[(gaz["level"] == "admin1")]
    parents = dict(zip(a1["geo_code"], a1["parent_code"]))
    units = a1[a1["has_geometry"].astype(bool)].groupby("parent_code").size().to_dict()
    if years is None:
        found = [period_year(p) for f in frames.values() if not f.empty for p in f.loc[f["value"].notna(), "period"]]
        years = range(2000, max(found) + 1) if found else range(2000, 2026)
    return build_coverage_matrix(frames, catalogue, countries, parents, units, years, lang)
