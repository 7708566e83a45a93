"""Shared reader for the UNHCR Refugee Data Finder tables (R package ``refugees``).

Every table is keyed by year, country of origin (``coo*``) and country of asylum (``coa*``):
ref_area = country of asylum (``coa_iso``), counterpart_area = country of origin (``coo_iso``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from etl.sources import _common as c

ID_COLUMNS = ["year", "coo_name", "coo", "coo_iso", "coa_name", "coa", "coa_iso"]
# UNHCR's own codes that leak into the ISO columns of some tables.
ALIASES = {"UKN": "_X", "STA": "XXA"}
UNITS = {"P": "persons", "C": "cases"}


def read_unhcr(
    path: Path,
    dataset_id: str,
    value_columns: Mapping[str, str],
    dimensions: Mapping[str, str] | None = None,
    unit_column: str | None = None,
) -> pd.DataFrame:
    """Tidy observations from one UNHCR table.

    ``value_columns`` maps source columns to measures (empty cells are not stored; UNHCR's
    zeros are stored as published). ``dimensions`` maps ``dim_k`` to a source column kept as
    it is (UNHCR codes). ``unit_column`` (``app_pc``/``dec_pc``) says persons ``P`` or cases ``C``.
    """
    dimensions = dict(dimensions or {})
    extra = list(dimensions.values()) + ([unit_column] if unit_column else [])
    raw = c.load_table(path, ID_COLUMNS + extra + list(value_columns))
    c.check_pattern(raw, "year", r"\d{4}", path, "2024")
    c.check_unique(raw, ["year", "coo", "coa", *extra], path)
    if unit_column:
        c.check_allowed(raw, unit_column, UNITS, path)
    raw["ref_area"] = c.resolve_codes(raw["coa_iso"], path, "coa_iso", ALIASES, level=None)
    raw["counterpart_area"] = c.resolve_codes(raw["coo_iso"], path, "coo_iso", ALIASES)
    for dim, column in dimensions.items():
        raw[dim] = raw[column]
    raw["unit"] = raw[unit_column].map(UNITS) if unit_column else "persons"
    keep = ["year", "ref_area", "counterpart_area", "unit", *dimensions]
    long = c.melt_measures(raw, keep, value_columns, path).rename(columns={"year": "time_period"})
    key = [col for col in long.columns if col != "value"]
    long, merged = c.sum_duplicate_keys(long, key)
    long["freq"] = "A"
    notes = {"rows_merged_same_codes": merged} if merged else {}
    return c.finish_observations(long, dataset_id, path, notes)
