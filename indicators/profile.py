"""A territory's profile: top origins and destinations from bilateral UN DESA stocks, and ranks.

Pure functions over frames, plus ``load_partner_observations`` that reads the store
(public views only). Bilateral stocks come from one revision (2024) only.
"""

from __future__ import annotations

import pandas as pd

BILATERAL_DATASET = "undesa_ims2024"
BILATERAL_MEASURE = "migrant_stock"
DIRECTIONS = {"origins": ("ref_area", "counterpart_area"), "destinations": ("counterpart_area", "ref_area")}
PARTNER_SQL = """
SELECT ref_area, counterpart_area, time_period, sex, value, obs_status
FROM public_observations
WHERE dataset_id = ? AND measure = ? AND (ref_area = ? OR counterpart_area = ?)
"""


def compute_top_partners(
    obs: pd.DataFrame, geo_code: str, direction: str, codes: set[str], n: int = 5
) -> tuple[str | None, pd.DataFrame]:
    """The ``n`` largest partners of ``geo_code`` in the latest year: ``(year, frame[partner, value])``.

    ``direction`` "origins": where the territory's immigrants come from; "destinations":
    where its emigrants live. Women and men are summed; partners not in ``codes`` (e.g.
    "other or unknown") are left out of the ranking.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {list(DIRECTIONS)}, got {direction!r}")
    own, other = DIRECTIONS[direction]
    rows = obs[(obs[own] == geo_code) & obs[other].isin(codes) & obs[other].ne(geo_code) & obs["value"].notna()]
    if rows.empty:
        return None, pd.DataFrame(columns=["partner", "value"])
    year = max(rows["time_period"], key=int)
    latest = rows[rows["time_period"] == year]
    top = (
        latest.groupby(other, as_index=False)["value"]
        .sum()
        .rename(columns={other: "partner"})
        .sort_values(["value", "partner"], ascending=[False, True])
        .head(n)
        .reset_index(drop=True)
    )
    return str(year), top


def compute_rank(view: pd.DataFrame, geo_code: str) -> tuple[int, int] | None:
    """``(rank, total)`` of ``geo_code`` among the territories with a value (1 = highest), or None."""
    have = view[view["value"].notna()].sort_values(["value", "geo_code"], ascending=[False, True])
    codes = list(have["geo_code"])
    if geo_code not in codes:
        return None
    return codes.index(geo_code) + 1, len(codes)


def load_partner_observations(geo_code: str) -> pd.DataFrame:
    """Bilateral stock rows where ``geo_code`` is destination or origin (UN DESA 2024)."""
    from etl.store import connect

    with connect() as con:
        return con.execute(PARTNER_SQL, [BILATERAL_DATASET, BILATERAL_MEASURE, geo_code, geo_code]).df()
