"""Pair scope: which totals of a bilateral dataset are complete, given the pairs that were vendored.

UN DESA's migrant stock and UNHCR's tables were vendored as the pairs whose origin *or* destination is in
the Americas (M49) or Spain ("Americas+ESP"). A total over partners is therefore complete only for a
territory inside that scope: Mexico's immigrants (every origin is kept, because Mexico is the destination),
Mexicans abroad (every destination is kept). For Germany, the sum is over its American and Spanish partners
only (319,400 immigrants instead of 16.75 million): it must carry a coverage flag and a caveat, wherever it
is shown (``indicators.compute``, flows, the cross-tab engine, downloads).

A dataset declares its scope in its YAML (``pair_scope: {scope: americas_esp, caveat_es, caveat_en}``); the
store keeps ``pair_scopes`` (``dataset_id, scope, caveat_es, caveat_en``) and ``pair_scope_areas``
(``scope, geo_code``: the countries in scope and their admin-1 units).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from common.text import Bilingual

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "vendor" / "reference" / "countrynames_iom_gdidata.csv"
SCOPES = ("americas_esp",)
COVERAGE_COLUMNS = ("coverage", "coverage_note_es", "coverage_note_en")
COMPLETE, PARTIAL = "complete", "partial_pairs"


@dataclass(frozen=True)
class PairScope:
    """The territories whose partner totals are complete in one dataset, and the caveat for the others."""

    dataset_id: str
    codes: frozenset[str]
    caveat: Bilingual  # ``scope.caveat(lang)``


def load_scope_codes(scope: str, parents: Mapping[str, str] | None = None) -> frozenset[str]:
    """The ISO3 codes of ``scope`` (``americas_esp``: the 58 M49 Americas codes of the reference table + ESP)
    and, with ``parents`` (``{admin-1 code: country}``), the admin-1 units of those countries."""
    if scope not in SCOPES:
        raise ValueError(f"unknown pair scope {scope!r}; valid: {', '.join(SCOPES)}")
    with open(REFERENCE, encoding="utf-8") as fh:
        codes = {r["iso3"] for r in csv.DictReader(fh) if r["region"] == "Americas"} | {"ESP"}
    if parents:
        codes |= {a for a, country in parents.items() if country in codes}
    return frozenset(codes)


def build_pair_scope_tables(metas: Iterable[Mapping], parents: Mapping[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``pair_scopes`` and ``pair_scope_areas`` from the datasets' metadata (``pair_scope`` in their YAML)."""
    scopes, used = [], set()
    for meta in metas:
        block = meta.get("pair_scope")
        if not block:
            continue
        missing = [k for k in ("scope", "caveat_es", "caveat_en") if not block.get(k)]
        if missing or block["scope"] not in SCOPES:
            raise ValueError(
                f"dataset {meta['dataset_id']}: pair_scope needs scope (one of {SCOPES}), caveat_es "
                f"and caveat_en; missing or wrong: {missing or [block.get('scope')]}"
            )
        scopes.append(
            {
                "dataset_id": meta["dataset_id"],
                "scope": block["scope"],
                "caveat_es": str(block["caveat_es"]),
                "caveat_en": str(block["caveat_en"]),
            }
        )
        used.add(block["scope"])
    areas = [{"scope": s, "geo_code": code} for s in sorted(used) for code in sorted(load_scope_codes(s, parents))]
    return (
        pd.DataFrame(scopes, columns=["dataset_id", "scope", "caveat_es", "caveat_en"]),
        pd.DataFrame(areas, columns=["scope", "geo_code"]),
    )


def load_pair_scopes(con) -> dict[str, PairScope]:
    """``{dataset_id: PairScope}`` from an open store connection (empty when the store predates the tables)."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if not {"pair_scopes", "pair_scope_areas"} <= tables:
        return {}
    rows = con.execute("SELECT dataset_id, scope, caveat_es, caveat_en FROM pair_scopes").fetchall()
    areas: dict[str, set[str]] = {}
    for scope, code in con.execute("SELECT scope, geo_code FROM pair_scope_areas").fetchall():
        areas.setdefault(scope, set()).add(code)
    return {d: PairScope(d, frozenset(areas.get(s, ())), Bilingual(es, en)) for d, s, es, en in rows}


def _scoped(datasets: object, scopes: Mapping[str, PairScope], sep: str) -> list[PairScope]:
    if datasets is None or (isinstance(datasets, float) and pd.isna(datasets)):
        return []
    return [scopes[d] for d in str(datasets).split(sep) if d in scopes]


def compute_total_coverage(
    frame: pd.DataFrame,
    scopes: Mapping[str, PairScope],
    area_column: str = "geo_code",
    dataset_column: str = "dataset_id",
    sep: str = ";",
) -> pd.DataFrame:
    """Add ``coverage`` (``complete`` / ``partial_pairs``) and its bilingual caveat to rows that are totals over
    partners of ``area_column`` (an indicator by territory, a place's total in or out on the flow map).

    A row is ``partial_pairs`` when one of its datasets has a pair scope and the territory is outside it.
    """
    coverage, es, en = [], [], []
    for area, datasets in zip(frame[area_column], frame[dataset_column]):
        outside = [s for s in _scoped(datasets, scopes, sep) if area not in s.codes]
        coverage.append(PARTIAL if outside else COMPLETE)
        es.append(" ".join(dict.fromkeys(s.caveat.es for s in outside)))
        en.append(" ".join(dict.fromkeys(s.caveat.en for s in outside)))
    return frame.assign(coverage=coverage, coverage_note_es=es, coverage_note_en=en)


def is_partial_cell(
    ref: str | None, partner: str | None, datasets: object, scopes: Mapping[str, PairScope], sep: str = ","
) -> bool:
    """Whether a cross-tab cell sums pairs outside a dataset's scope.

    ``ref``/``partner``: the territory the cell is for on each side, or ``None`` when the cell sums over
    that side (not shown, or a total). A pair (both sides given) is always complete; a total over partners
    is complete when its own territory is in scope; a grand total is partial.
    """
    for scope in _scoped(datasets, scopes, sep):
        if ref is not None and partner is not None:
            continue
        side = ref if ref is not None else partner
        if side is None or side not in scope.codes:
            return True
    return False
