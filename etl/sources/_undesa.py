"""Shared reader for UN DESA International Migrant Stock (both revisions have the same layout)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from etl.sources import _common as c

COLUMNS = ["year", "dest_iso3", "orig_iso3", "sex", "n", "type_b", "type_c", "type_r", "type_i"]
SEXES = {"female": "F", "male": "M"}
FLAGS = ("type_b", "type_c", "type_r", "type_i")


def compute_basis(frame: pd.DataFrame) -> pd.Series:
    """The ``undesa_basis`` code from the type_b / type_c / type_i flags (0/1 strings)."""
    b, cz, i = (frame[f].eq("1") for f in ("type_b", "type_c", "type_i"))
    return pd.Series(
        np.select([b & cz, b, cz, i], ["birth_and_citizenship", "birth", "citizenship", "imputed"], default=""),
        index=frame.index,
    )


def read_stock(path: Path, dataset_id: str, years: set[str]) -> pd.DataFrame:
    """Bilateral stocks: ref_area = destination, counterpart = origin, sex F/M only (no `_T` rows).

    Basis (birth / citizenship) is ``dim_1``, refugees added is ``dim_2``; imputed rows
    (``type_i``) have obs_status ``I``. Origin × sex pairs absent from the file are not
    estimated and are not invented here.
    """
    raw = c.load_table(path, COLUMNS)
    c.check_allowed(raw, "sex", SEXES, path)
    c.check_allowed(raw, "year", years, path)
    for flag in FLAGS:
        c.check_allowed(raw, flag, {"0", "1"}, path)
    c.check_unique(raw, ["year", "dest_iso3", "orig_iso3", "sex"], path)
    basis = compute_basis(raw)
    if basis.eq("").any():
        bad = raw[basis.eq("")].head(3).to_dict("records")
        raise c.SourceFormatError(
            path,
            f"rows with no basis flag set (type_b, type_c, type_i all 0): {bad}.",
            "every UN DESA estimate has a basis or is imputed.",
        )
    out = pd.DataFrame(
        {
            "measure": "migrant_stock",
            "ref_area": c.resolve_codes(raw["dest_iso3"], path, "dest_iso3"),
            "counterpart_area": c.resolve_codes(raw["orig_iso3"], path, "orig_iso3"),
            "time_period": raw["year"],
            "freq": "A",
            "sex": raw["sex"].map(SEXES),
            "dim_1": basis,
            "dim_2": np.where(raw["type_r"].eq("1"), "added", "not_added"),
            "value": c.parse_numbers(raw, "n", path, allow_empty=False),
            "unit": "persons",
            "obs_status": np.where(raw["type_i"].eq("1"), "I", "A"),
        }
    )
    return c.finish_observations(out, dataset_id, path)
