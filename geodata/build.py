"""Build the atlas geometry from the vendored boundaries.

Stages (each a pure function; ``build`` runs them and writes ``data/geo/``):

1. ``load_atoms``: the finest units that tile the map — admin-1 units of the twelve
   network countries, US states, and every other country of the Americas plus Spain
   (Natural Earth 50 m via world-atlas). French and Dutch Caribbean territories are
   split off their European parent.
2. ``clean_coverage``: repair, then make the units a clean polygonal coverage (no
   overlaps, shared edges identical, slivers narrower than ``GAP_WIDTH`` closed). The
   sources come from three releases, so their borders disagree by up to a few km; the
   network's admin-1 units win any overlap.
3. ``simplify``: topology-preserving simplification and quantisation with ``topojson``
   (shared borders are simplified once, so neighbours keep them), one level of detail
   per entry of ``DETAILS``; then a repair pass that keeps the coverage clean.
4. ``dissolve_countries`` and ``compute_label_points``.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
import topojson

from geodata import paths
from geodata.gazetteer import build_gazetteer, network_countries

# Gaps between sources narrower than this (degrees, about 13 km) are closed: they are
# slivers where the three boundary sources disagree (wider openings are real lakes).
GAP_WIDTH = 0.12
# Everything but Spain is clipped to the western hemisphere, which drops the
# westernmost Aleutian islands (beyond 180°) so that no polygon wraps the globe.
WEST = shapely.box(-180.0, -90.0, -10.0, 90.0)


@dataclass(frozen=True)
class Detail:
    """One level of detail: simplification tolerance and quantisation grid."""

    tolerance: float  # Douglas–Peucker tolerance, degrees
    quantize: float  # topojson quantisation: grid cells across the bounding box
    decimals: int  # decimals kept when sent to the browser


DETAILS = {
    "region": Detail(tolerance=0.04, quantize=1e5, decimals=2),
    "country": Detail(tolerance=0.002, quantize=1e6, decimals=4),
}

# Parts of France and the Netherlands in the Americas, assigned to the nearest anchor.
OVERSEAS_ANCHORS = {
    "FRA": [("GUF", -53.0, 4.0), ("GLP", -61.5, 16.2), ("MTQ", -61.0, 14.6)],
    "NLD": [("BES", -68.3, 12.2), ("BES", -63.1, 17.6)],
}


def _polygons(geoms: np.ndarray) -> np.ndarray:
    """Make geometries valid and keep only their polygonal parts."""
    fixed = shapely.make_valid(geoms, method="structure", keep_collapsed=False)
    out = []
    for g in fixed:
        if g.geom_type in ("Polygon", "MultiPolygon"):
            out.append(g)
        else:
            parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
            out.append(shapely.union_all(parts) if parts else shapely.Polygon())
    return np.array(out, dtype=object)


def _read_world_atlas() -> gpd.GeoDataFrame:
    ref = pd.read_csv(paths.COUNTRY_NAMES, keep_default_na=False, dtype=str)
    ref = ref[ref.m49 != ""]
    ids = {f"{int(float(m)):03d}": iso3 for m, iso3 in zip(ref.m49, ref.iso3)}
    world = gpd.read_file(paths.WORLD_ATLAS_50M, layer="countries").set_crs(4326, allow_override=True)
    world["geo_code"] = world["id"].map(ids)
    return world[world.geo_code.notna()]


def _split_overseas(world: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rows = []
    for parent, anchors in OVERSEAS_ANCHORS.items():
        geom = world.loc[world.geo_code == parent, "geometry"]
        for part in shapely.get_parts(geom.values):
            c = part.centroid
            if c.x > -30:
                continue
            code = min(anchors, key=lambda a: (a[1] - c.x) ** 2 + (a[2] - c.y) ** 2)[0]
            rows.append({"geo_code": code, "geometry": part})
    parts = gpd.GeoDataFrame(rows, crs=4326)
    return parts.dissolve("geo_code", as_index=False)


def load_atoms() -> gpd.GeoDataFrame:
    """The finest units of the map, network admin-1 first (they win overlaps)."""
    network = network_countries()
    admin1 = gpd.read_file(paths.ADMIN1)
    admin1 = admin1[admin1.adm0_a3.isin(network)]
    a1 = gpd.GeoDataFrame(
        {
            "geo_code": admin1.iso_3166_2.fillna(admin1.iso_3166_2_ne).replace("", None).fillna(admin1.iso_3166_2_ne),
            "parent_code": admin1.adm0_a3,
            "level": "admin1",
            "geometry": admin1.geometry,
        },
        crs=4326,
    )
    lookup = pd.read_csv(paths.US_STATES_LOOKUP, dtype=str, keep_default_na=False)
    lookup = lookup[lookup.is_state_or_dc == "True"]
    states = gpd.read_file(paths.US_STATES, layer="states").set_crs(4326, allow_override=True)
    states = states.merge(lookup[["fips", "iso_3166_2"]], left_on="id", right_on="fips")
    us = gpd.GeoDataFrame(
        {"geo_code": states.iso_3166_2, "parent_code": "USA", "level": "admin1", "geometry": states.geometry}, crs=4326
    )
    world = _read_world_atlas()
    gaz = build_gazetteer()
    drawn = set(gaz.loc[gaz.has_geometry & gaz.level.eq("country"), "geo_code"])
    others = world[world.geo_code.isin(drawn) & ~world.geo_code.isin([*network, "USA"])]
    others = pd.concat([others[["geo_code", "geometry"]], _split_overseas(world)], ignore_index=True)
    co = gpd.GeoDataFrame(
        {"geo_code": others.geo_code, "parent_code": others.geo_code, "level": "country", "geometry": others.geometry},
        crs=4326,
    )
    atoms = gpd.GeoDataFrame(pd.concat([a1, us, co], ignore_index=True), crs=4326)
    clip = atoms.geo_code != "ESP"
    atoms.loc[clip, "geometry"] = shapely.intersection(atoms.geometry[clip].values, WEST)
    atoms["geometry"] = _polygons(atoms.geometry.values)
    return atoms[~atoms.geometry.is_empty].reset_index(drop=True)


def clean_coverage(atoms: gpd.GeoDataFrame, gap_width: float = GAP_WIDTH) -> gpd.GeoDataFrame:
    """A clean polygonal coverage: no overlaps (earlier rows win), slivers closed."""
    out = atoms.copy()
    out["geometry"] = shapely.coverage_clean(out.geometry.values, gap_width=gap_width, merge_strategy="min_index")
    out["geometry"] = _polygons(out.geometry.values)
    return out


def simplify(atoms: gpd.GeoDataFrame, detail: Detail) -> gpd.GeoDataFrame:
    """Topology-preserving simplification and quantisation with ``topojson``."""
    topo = topojson.Topology(
        atoms[["geo_code", "geometry"]],
        prequantize=False,
        toposimplify=detail.tolerance,
        simplify_algorithm="dp",
        prevent_oversimplify=True,
        topoquantize=detail.quantize,
    )
    simple = topo.to_gdf()
    simple = simple.set_crs(4326, allow_override=True)
    geoms = dict(zip(simple.geo_code, simple.geometry))
    out = atoms.copy()
    out["geometry"] = [geoms.get(c) or shapely.Polygon() for c in out.geo_code]
    # Simplification can make a ring touch itself or a neighbour's arc; repair, then
    # re-clean with no gap filling so shared edges stay identical.
    out["geometry"] = _polygons(out.geometry.values)
    out["geometry"] = shapely.coverage_clean(out.geometry.values, gap_width=0.0, merge_strategy="longest_border")
    out["geometry"] = _polygons(out.geometry.values)
    lost = out.geo_code[out.geometry.is_empty].tolist()
    if lost:
        raise ValueError(f"simplification at tolerance {detail.tolerance} erased units {lost}; lower it")
    return out


def dissolve_countries(atoms: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per country: the exact union of its units (coverage union keeps borders)."""
    rows = [
        {"geo_code": code, "geometry": shapely.coverage_union_all(group.geometry.values)}
        for code, group in atoms.groupby("parent_code", sort=True)
    ]
    out = gpd.GeoDataFrame(rows, crs=4326)
    out["parent_code"] = ""
    out["level"] = "country"
    return out


def compute_label_points(units: gpd.GeoDataFrame) -> pd.DataFrame:
    """A point inside each unit, on its largest part, far from its edges (pole of inaccessibility)."""
    rows = []
    for code, geom in zip(units.geo_code, units.geometry):
        parts = shapely.get_parts(geom)
        largest = parts[np.argmax(shapely.area(parts))]
        minx, miny, maxx, maxy = largest.bounds
        pt = shapely.ops.polylabel(largest, tolerance=max(maxx - minx, maxy - miny) / 200)
        if not largest.contains(pt):
            pt = largest.representative_point()
        rows.append({"geo_code": code, "label_lon": round(pt.x, 5), "label_lat": round(pt.y, 5)})
    return pd.DataFrame(rows)


def _attach_names(units: gpd.GeoDataFrame, gaz: pd.DataFrame, labels: pd.DataFrame) -> gpd.GeoDataFrame:
    cols = ["geo_code", "name_es", "name_en", "in_network"]
    out = units.merge(gaz[cols], on="geo_code", how="left", validate="one_to_one")
    missing = out.geo_code[out.name_en.isna()].tolist()
    if missing:
        raise ValueError(f"units missing from the gazetteer: {missing}")
    out = out.merge(labels, on="geo_code", how="left", validate="one_to_one")
    keep = [
        "geo_code",
        "parent_code",
        "level",
        "name_es",
        "name_en",
        "in_network",
        "label_lon",
        "label_lat",
        "geometry",
    ]
    return gpd.GeoDataFrame(out[keep], crs=4326).sort_values("geo_code", ignore_index=True)


def _source_digest() -> dict[str, str]:
    files = [
        paths.WORLD_ATLAS_50M,
        paths.ADMIN1,
        paths.US_STATES,
        paths.US_STATES_LOOKUP,
        paths.COUNTRY_NAMES,
        paths.GAZETTEER_NAMES,
    ]
    return {str(f.relative_to(paths.ROOT)): hashlib.sha256(f.read_bytes()).hexdigest()[:16] for f in files}


def build_geometry() -> dict[str, gpd.GeoDataFrame]:
    """Every level × detail as GeoDataFrames, keyed ``"{level}_{detail}"`` (pure)."""
    gaz = build_gazetteer()
    atoms = clean_coverage(load_atoms())
    fine_countries = dissolve_countries(atoms)
    labels = pd.concat(
        [
            compute_label_points(atoms[atoms.level == "admin1"]),
            compute_label_points(fine_countries),
        ],
        ignore_index=True,
    )
    out = {}
    for name, detail in DETAILS.items():
        simple = simplify(atoms, detail)
        admin1 = simple[simple.level == "admin1"]
        out[f"admin1_{name}"] = _attach_names(admin1, gaz, labels)
        out[f"country_{name}"] = _attach_names(dissolve_countries(simple), gaz, labels)
    return out


def build(target=None) -> dict:
    """Build geometry and the gazetteer export into ``data/geo`` atomically; return a summary."""
    started = time.perf_counter()
    target = target or paths.geo_dir()
    target.mkdir(parents=True, exist_ok=True)
    frames = build_geometry()
    staging = target / ".staging"
    staging.mkdir(exist_ok=True)
    for key, gdf in frames.items():
        gdf.to_parquet(staging / f"{key}.parquet", index=False)
    gaz = build_gazetteer()
    gaz.assign(aliases=gaz.aliases.map("|".join)).to_csv(staging / "gazetteer.csv", index=False)
    summary = {
        "built_seconds": round(time.perf_counter() - started, 2),
        "units": {k: int(len(v)) for k, v in frames.items()},
        "coordinates": {k: int(shapely.get_num_coordinates(v.geometry.values).sum()) for k, v in frames.items()},
        "gap_width_degrees": GAP_WIDTH,
        "details": {k: vars(v) for k, v in DETAILS.items()},
        "sources": _source_digest(),
    }
    (staging / "build.json").write_text(json.dumps(summary, indent=2, sort_keys=True))
    for f in staging.iterdir():
        f.replace(target / f.name)
    staging.rmdir()
    return summary
