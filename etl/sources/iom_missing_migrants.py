"""IOM Missing Migrants Project: incidents in the Americas (and Spain), 2014–2025.

Two tables come out of one file:

- ``mmp_incidents``: every incident (date, point, count, cause, route, origin codes) for the
  corridor map;
- observations of ``dead_and_missing`` by place and month. The place is the admin-1 unit of
  the incident's country (as IOM records it) that contains the point; when the point lies
  outside that country's units (at sea, in a border river, or where the simplified borders
  disagree) the nearest unit within ``SNAP_DEGREES`` is used, else the country itself.
  Countries without admin-1 units in the atlas get country observations. Each incident is
  counted once, so observations add up to the file's total.

The build report records how many points fell outside every polygon, and how many lie in a
polygon of another country than the one IOM records.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import geodata
from etl.sources import _common as c

DATASET = c.load_metadata(__file__)
COLUMNS = [
    "date",
    "month",
    "type",
    "route",
    "country_iso3",
    "dead_and_missing",
    "cause",
    "survivors",
    "origin_iso3",
    "location",
    "lon",
    "lat",
]
ROUTES = {
    "Central American Route": "central_american",
    "South American Route": "south_american",
    "Western Mediterranean Route": "western_mediterranean",
    "Western African Atlantic Route": "western_african_atlantic",
    "Intra-European routes": "intra_european",
    "Undefined": "_X",
}
CAUSES = {
    "Drowning": "drowning",
    "Harsh environmental conditions / lack of adequate shelter, food, water": "harsh_conditions",
    "Vehicle accident / death linked to hazardous transport": "vehicle_accident",
    "Violence": "violence",
    "Sickness / lack of access to adequate healthcare": "sickness",
    "Accidental death": "accidental_death",
    "Mixed or unknown": "mixed_or_unknown",
}
TYPES = {"Incident": "incident", "Split Incident": "split_incident", "Cumulative Incident": "cumulative_incident"}
SNAP_DEGREES = 0.25  # about 25 km: a point this close to a unit of its country is placed in that unit
INCIDENT_COLUMNS = [
    "dataset_id",
    "incident_id",
    "date",
    "time_period",
    "incident_type",
    "route",
    "country",
    "ref_area",
    "geo_basis",
    "dead_and_missing",
    "survivors",
    "cause",
    "origins",
    "location",
    "lon",
    "lat",
]


def split_labels(text: str, labels: dict[str, str]) -> list[str] | None:
    """Codes of a comma-joined list of labels that may themselves contain commas; None if a part is unknown."""
    out, i = [], 0
    while i < len(text):
        match = next((label for label in sorted(labels, key=len, reverse=True) if text.startswith(label, i)), None)
        if match is None:
            return None
        out.append(labels[match])
        i += len(match)
        if i < len(text):
            if text[i] != ",":
                return None
            i += 1
    return out or None


def compute_codes(raw: pd.Series, labels: dict[str, str], path: Path, column: str) -> pd.Series:
    """Compound codes (``drowning+violence``) for a column of comma-joined labels; unknown labels are an error."""
    mapping = {text: split_labels(text, labels) for text in set(raw)}
    unknown = sorted(t for t, codes in mapping.items() if codes is None)
    if unknown:
        raise c.SourceFormatError(
            path,
            f"column {column!r} has unknown value(s) {unknown[:5]}; known: {sorted(labels)}.",
            "map the new label in the reader.",
        )
    return raw.map({t: "+".join(sorted(set(codes))) for t, codes in mapping.items()})


def read_incidents(path: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """The incidents with harmonised codes (no place yet), one row per line of the file, and notes.

    A negative survivors count (one row in the 2025 download) is not a count: it becomes missing.
    """
    raw = c.load_table(path, COLUMNS)
    c.check_pattern(raw, "date", r"\d{4}-\d{2}-\d{2}", path, "2024-03-15")
    if raw["month"].ne(raw["date"].str.slice(0, 7)).any():
        raise c.SourceFormatError(
            path, "column 'month' does not match 'date' in some rows.", "month is the YYYY-MM of date."
        )
    c.check_allowed(raw, "route", ROUTES, path)
    origins = raw["origin_iso3"].str.split(",")
    codes = c.resolve_codes(pd.Series(sorted({o for lst in origins for o in lst})), path, "origin_iso3")
    origin_map = dict(zip(sorted({o for lst in origins for o in lst}), codes))
    survivors = c.parse_numbers(raw, "survivors", path, allow_negative=True)
    lon = c.parse_numbers(raw, "lon", path, allow_negative=True, allow_empty=False)
    lat = c.parse_numbers(raw, "lat", path, allow_negative=True, allow_empty=False)
    if (lon.abs() > 180).any() or (lat.abs() > 90).any():
        raise c.SourceFormatError(path, "coordinates out of range (|lon| > 180 or |lat| > 90).", "lon, lat in degrees.")
    incidents = pd.DataFrame(
        {
            "dataset_id": DATASET["dataset_id"],
            "incident_id": np.arange(1, len(raw) + 1, dtype="int32"),
            "date": pd.to_datetime(raw["date"], format="%Y-%m-%d").dt.date,
            "time_period": raw["month"],
            "incident_type": compute_codes(raw["type"], TYPES, path, "type"),
            "route": raw["route"].map(ROUTES),
            "country": c.resolve_codes(raw["country_iso3"], path, "country_iso3", level="country"),
            "dead_and_missing": c.parse_numbers(raw, "dead_and_missing", path, allow_empty=False),
            "survivors": survivors.mask(survivors < 0),  # a negative count is not a count: missing
            "cause": compute_codes(raw["cause"], CAUSES, path, "cause"),
            "origins": [sorted({origin_map[o] for o in lst}) for lst in origins],
            "location": raw["location"],
            "lon": lon,
            "lat": lat,
        }
    )
    return incidents, {"survivors_negative_set_missing": int((survivors < 0).sum())}


def compute_places(
    incidents: pd.DataFrame, admin1: gpd.GeoDataFrame, countries: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, dict[str, int]]:
    """``ref_area`` and ``geo_basis`` for every incident (pure), and the counts for the build report."""
    points = gpd.GeoDataFrame(
        incidents[["country"]].copy(), crs="EPSG:4326", geometry=gpd.points_from_xy(incidents["lon"], incidents["lat"])
    )
    in_admin1 = gpd.sjoin(points, admin1[["geo_code", "parent_code", "geometry"]], predicate="within")
    in_country = gpd.sjoin(points, countries[["geo_code", "geometry"]], predicate="within")
    own = in_admin1[in_admin1["parent_code"] == in_admin1["country"]].sort_values("geo_code")
    ref_area = own.groupby(level=0)["geo_code"].first().reindex(points.index)
    basis = pd.Series(np.where(ref_area.notna(), "point_in_unit", ""), index=points.index, dtype=object)
    covered = set(admin1["parent_code"])
    unplaced = points[ref_area.isna() & points["country"].isin(covered)]
    for country, group in unplaced.groupby("country"):
        units = admin1[admin1["parent_code"] == country]
        unit_shapes, point_shapes = np.asarray(units.geometry.array), np.asarray(group.geometry.array)
        distance = shapely.distance(unit_shapes[:, None], point_shapes[None, :])
        nearest, near = distance.argmin(axis=0), distance.min(axis=0) <= SNAP_DEGREES
        ref_area[group.index] = np.where(near, units["geo_code"].to_numpy()[nearest], country)
        basis[group.index] = np.where(near, "nearest_unit", "country_only")
    rest = ref_area.isna()
    ref_area[rest], basis[rest] = points.loc[rest, "country"], "country"
    inside_any = points.index.isin(in_admin1.index) | points.index.isin(in_country.index)
    polygon_country = pd.concat([in_admin1["parent_code"], in_country["geo_code"]])
    differs = polygon_country[polygon_country.ne(points["country"].reindex(polygon_country.index))].index
    notes = {
        "incidents": len(points),
        **{f"placed_{b}": int(basis.eq(b).sum()) for b in ("point_in_unit", "nearest_unit", "country_only", "country")},
        "outside_every_polygon": int((~inside_any).sum()),
        "in_polygon_of_another_country": int(points.index.isin(differs).sum()),
    }
    return pd.DataFrame({"ref_area": ref_area, "geo_basis": basis}), notes


def build_observations(incidents: pd.DataFrame, notes: dict[str, int]) -> pd.DataFrame:
    """Dead and missing by place, month, route (dim_1), cause (dim_2) and placement (dim_3)."""
    grouped = incidents.groupby(["ref_area", "time_period", "route", "cause", "geo_basis"], as_index=False)[
        "dead_and_missing"
    ].sum()
    out = grouped.rename(
        columns={"route": "dim_1", "cause": "dim_2", "geo_basis": "dim_3", "dead_and_missing": "value"}
    )
    out["measure"], out["freq"], out["unit"] = "dead_and_missing", "M", "persons"
    return c.finish_observations(out, DATASET["dataset_id"], c.vendored(DATASET), notes)


def read_tables(path: Path | str | None = None) -> dict[str, pd.DataFrame]:
    """``{"observations": ..., "mmp_incidents": ...}``; needs the built boundaries (``python -m geodata build``)."""
    path = Path(path) if path else c.vendored(DATASET)
    incidents, read_notes = read_incidents(path)
    places, notes = compute_places(
        incidents, geodata.load_boundaries("admin1", "country"), geodata.load_boundaries("country", "country")
    )
    notes.update(read_notes)
    incidents = incidents.join(places)[INCIDENT_COLUMNS]
    return {"observations": build_observations(incidents, notes), "mmp_incidents": incidents}


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations of dead and missing migrants (see the module docstring for placement)."""
    return read_tables(path)["observations"]
