"""Differencing between tables of confidential data: the reviewer's attack no longer recovers a cell.

The attack (acceptance review, issue 7): a cell nationality × port is hidden as primary;
the table of nationality totals shows its row total; the same table filtered to "every
port but that one" shows the rest; subtracting the two gives the hidden cell.

A small SYNTHETIC record-level store is built here with counts chosen for the attack.
The check is independent of the engine: a linear programme over the cube of true counts
(nationality × port) takes every number the attacker's tables publish as an equation and
finds how low and how high the hidden cell can be. Protected means at least 1 apart.
"""

from __future__ import annotations

import itertools

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from etl.crosstab import CrosstabError, build_spec, engine, run_crosstab
from etl.crosstab.microdata import (
    create_registry,
    load_codebook,
    read_microdata_file,
    register_codelists,
    register_dataset,
)
from etl.schema import DATASET_TYPES, ddl
from etl.store import connect
from tests.crosstab_store import xt_con, xt_store_path  # noqa: F401  (fixtures: the explorer's test store)

SOURCE = "synthetic_entry_exit"
SLICE = {"country": ["CRI"], "time_period": ["2024-03"]}
PORTS = ("CRI-LIR", "CRI-PBN", "CRI-SIX", "CRI-SJO")
TARGET = ("ABW", "CRI-SIX")  # 3 records: a primary cell
# SYNTHETIC counts of records in Costa Rica, March 2024: (nationality, port) -> records.
CUBE = {
    ("ABW", "CRI-SJO"): 63,
    ("ABW", "CRI-LIR"): 14,
    ("ABW", "CRI-PBN"): 12,
    ("ABW", "CRI-SIX"): 3,
    ("COL", "CRI-SJO"): 40,
    ("COL", "CRI-LIR"): 22,
    ("COL", "CRI-PBN"): 30,
    ("COL", "CRI-SIX"): 20,
    ("NIC", "CRI-SJO"): 25,
    ("NIC", "CRI-LIR"): 18,
    ("NIC", "CRI-PBN"): 9,
    ("NIC", "CRI-SIX"): 15,
    ("USA", "CRI-SJO"): 50,
    ("USA", "CRI-LIR"): 1,
}
# Records outside the slice, so that the country and month filters narrow something.
OUTSIDE = {
    ("CRI", "2024-04-10", "ABW", "CRI-SJO"): 30,
    ("CRI", "2024-04-10", "COL", "CRI-PBN"): 30,
    ("PAN", "2024-03-10", "ABW", "PAN-PTY"): 40,
    ("PAN", "2024-03-10", "COL", "PAN-PTY"): 50,
}
PORT_TYPE = {"CRI-SJO": "AIR", "CRI-LIR": "AIR", "CRI-PBN": "LAND", "CRI-SIX": "LAND", "PAN-PTY": "AIR"}


def _records() -> pd.DataFrame:
    counts = {("CRI", "2024-03-10", n, p): v for (n, p), v in CUBE.items()} | OUTSIDE
    rows = [
        {
            "movement": "ENT",
            "country": country,
            "port": port,
            "port_type": PORT_TYPE[port],
            "nationality": nat,
            "sex": "F",
            "age_group": "Y25T34",
            "residence": "_Z",
            "purpose": "TUR",
            "date": date,
        }
        for (country, date, nat, port), n in counts.items()
        for _ in range(n)
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def diff_con(tmp_path_factory):
    """A read-only store with only the SYNTHETIC records above (confidential, as the codebook says)."""
    root = tmp_path_factory.mktemp("differencing")
    csv = root / "synthetic_entry_exit_differencing.csv"
    _records().to_csv(csv, index=False)
    book = load_codebook()
    dataset = next(d for d in book.datasets if d.dataset_id == SOURCE)
    with duckdb.connect(str(root / "store.duckdb")) as con:
        con.execute(ddl("datasets", DATASET_TYPES))
        con.execute(ddl("observations", {"dataset_id": "VARCHAR", "measure": "VARCHAR"}))
        create_registry(con)
        register_codelists(con, book)
        register_dataset(con, dataset, read_microdata_file(con, csv, dataset, book), csv)
    mp = pytest.MonkeyPatch()
    mp.setenv("ATLAS_REGISTRY", str(root / "registry"))
    con = connect(root / "store.duckdb")
    yield con
    con.close()
    mp.undo()


def _table(con, rows, cols=(), port=None, totals="totals"):
    filters = {**SLICE, **({"port": list(port)} if port else {})}
    return run_crosstab(
        con, build_spec(["movements"], rows, cols, filters, source=SOURCE, granularity="month", totals=totals)
    )


def attacker_interval(tables, target: list[tuple[str, str]]) -> tuple[float, float]:
    """How low and how high ``sum(cube[c] for c in target)`` can be, given what ``tables`` publish.

    ``tables`` are ``(result, ports)`` with ``ports`` the port codes the table's filter keeps
    (None: every port). Unknowns are the true counts of every nationality × port of the
    slice (non-negative); every cell a table shows with a number is the sum of the counts it
    covers. Independent of the engine: only the published values are used.
    """
    nats = sorted({n for n, _ in CUBE})
    cube = list(itertools.product(nats, PORTS))
    col = {c: i for i, c in enumerate(cube)}
    a_eq, b_eq = [], []
    for result, ports in tables:
        tidy = result.tidy[result.tidy["shown"] & (result.tidy["suppression"] == "")]
        for row in tidy.to_dict("records"):
            nat, port = row.get("nationality", "_T"), row.get("port", "_T")
            covered = [
                c
                for c in cube
                if nat in ("_T", c[0]) and (port == c[1] or port == "_T" and (ports is None or c[1] in ports))
            ]
            line = np.zeros(len(cube))
            line[[col[c] for c in covered]] = 1
            a_eq.append(line)
            b_eq.append(row["value"])
    objective = np.zeros(len(cube))
    objective[[col[c] for c in target]] = 1
    bounds = [(0, None)] * len(cube)
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    assert low.status == 0, low.message
    return low.fun, (np.inf if high.status == 3 else -high.fun)


def test_the_target_cell_is_a_hidden_primary_cell(diff_con):
    full = _table(diff_con, ["nationality"], ["port"])
    cell = full.tidy[(full.tidy.nationality == TARGET[0]) & (full.tidy.port == TARGET[1])]
    assert cell.suppression.tolist() == ["primary"] and cell.value.tolist() == [3.0]
    low, high = attacker_interval([(full, None)], [TARGET])
    assert high - low >= 1


@pytest.mark.parametrize(
    "lang,fragments",
    [
        ("en", ["Confidential data", "'port'", "3 of 5", "subtract two tables", "put 'port' in rows or columns"]),
        ("es", ["Datos confidenciales", "«port»", "3 de 5", "restar dos tablas", "ponga «port» en filas o columnas"]),
    ],
)
def test_every_port_but_one_on_a_hidden_dimension_is_refused_with_the_reason(diff_con, lang, fragments):
    but_one = [p for p in PORTS if p != TARGET[1]]
    with pytest.raises(CrosstabError) as err:
        _table(diff_con, ["nationality"], port=but_one, totals="none")
    assert err.value.keys == ("confidential_partial_filter",)
    text = err.value.message(lang)
    assert text.startswith("f_port: ")
    for fragment in fragments:
        assert fragment in text


def test_one_code_or_every_code_of_a_hidden_dimension_is_allowed(diff_con):
    assert not _table(diff_con, ["nationality"], port=["CRI-SJO"]).tidy.empty
    every = _table(diff_con, ["nationality"], port=[*PORTS, "PAN-PTY"])  # every port the data have
    plain = _table(diff_con, ["nationality"])
    assert every.tidy[["nationality", "value", "suppression"]].equals(
        plain.tidy[["nationality", "value", "suppression"]]
    )


def test_the_reviewers_attack_no_longer_recovers_the_cell(diff_con, monkeypatch):
    """Nationality totals (unfiltered) and the same table over every port but one, with ports shown
    (the only way left to ask for that subset): the difference of the row totals was the cell."""
    but_one = tuple(p for p in PORTS if p != TARGET[1])
    totals = _table(diff_con, ["nationality"], totals="none")
    assert totals.tidy.set_index("nationality").loc["ABW", "suppression"] == ""  # 92 is shown
    subset = _table(diff_con, ["nationality"], ["port"], port=but_one)
    margin = subset.tidy[(subset.tidy.nationality == "ABW") & (subset.tidy.port == "_T")]
    assert margin.suppression.tolist() == ["complement"]  # 89 = 92 - 3: its complement is small
    assert subset.disclosure.exposed == 0
    low, high = attacker_interval([(totals, None), (subset, but_one)], [TARGET])
    assert high - low >= 1, f"the hidden cell is pinned to [{low}, {high}]"

    # The same two tables without the complement rule give the cell away: the check can fail.
    monkeypatch.setattr(engine, "compute_complement_mask", lambda con, spec, cat, tidy, *a: np.zeros(len(tidy), bool))
    exposed = _table(diff_con, ["nationality"], ["port"], port=but_one)
    assert attacker_interval([(totals, None), (exposed, but_one)], [TARGET]) == pytest.approx((3, 3))


def test_a_one_port_slice_never_differs_from_the_unfiltered_table_by_a_small_number(diff_con):
    """USA: 51 records in all, 50 at one port. The slice would tell that exactly 1 came elsewhere."""
    totals = _table(diff_con, ["nationality"], totals="none")
    slice_ = _table(diff_con, ["nationality"], port=["CRI-SJO"])
    usa = slice_.tidy.set_index("nationality").loc["USA"]
    assert usa.suppression == "complement" and usa.value == 50
    assert slice_.disclosure.complement == 1 and slice_.disclosure.exposed == 0
    rest = [("USA", p) for p in PORTS if p != "CRI-SJO"]
    low, high = attacker_interval([(totals, None), (slice_, ("CRI-SJO",))], rest)
    assert high - low >= 1, f"the other ports' USA records are pinned to [{low}, {high}]"
    # A large complement leaves the cell alone.
    assert slice_.tidy.set_index("nationality").loc["COL", "suppression"] == ""


def test_narrowing_month_or_country_is_checked_against_the_wider_tables(diff_con):
    """The complement covers every filter removed: other months and other countries too."""
    result = run_crosstab(
        diff_con,
        build_spec(
            ["movements"], ["nationality"], [], {"country": ["PAN"]}, source=SOURCE, granularity="month", totals="none"
        ),
    )
    assert result.tidy.suppression.eq("").all()  # every complement (CRI records) is large
    result = run_crosstab(
        diff_con,
        build_spec(
            ["movements"],
            ["nationality"],
            ["port"],
            {"time_period": ["2024-04"], "country": ["CRI"]},
            source=SOURCE,
            granularity="month",
        ),
    )
    abw_total = result.tidy[(result.tidy.nationality == "ABW") & (result.tidy.port == "_T")]
    assert abw_total.suppression.tolist() == [""]  # 30 in April against 92 in March: large


def test_complement_suppression_on_confidential_observations(xt_con):
    """Confidential aggregated data (test store, ``t_conf``): women only, against both sexes."""
    result = run_crosstab(
        xt_con, build_spec(["returns"], ["ref_area"], ["counterpart_area"], {"sex": ["F"]}, totals="none")
    )
    status = result.tidy.set_index(["ref_area", "counterpart_area"]).suppression
    assert status[("GTM", "USA")] == "primary"  # 3 women
    assert status[("GTM", "MEX")] == "complement"  # 22 women of 24: 2 men
    assert status[("SLV", "USA")] == "complement"  # 9 women of 10: 1 man
    assert status[("HND", "USA")] == ""  # 17 women of 52


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_legend_and_the_reason_say_what_a_complement_is(diff_con, lang):
    from etl.crosstab.export import build_legend
    from etl.crosstab.pivot import build_long_table, build_pivot

    result = _table(diff_con, ["nationality"], port=["CRI-SJO"])
    assert any(line.startswith("R ") for line in build_legend(result, lang))
    table = build_pivot(result, "value", lang)
    assert "R" in set(table.iloc[:, 1])
    long = build_long_table(result, lang)
    reason = long.iloc[:, -1][long.iloc[:, -2] == "R"].tolist()
    assert reason and ("complemento" if lang == "es" else "complement") in reason[0]


@pytest.mark.parametrize(
    "rows,cols,granularity,filters,expected",
    [
        # no dimension at all: the one cell, USA at one port (50 of 51)
        ((), (), "month", {"nationality": ["USA"], "port": ["CRI-SJO"]}, {(): "complement"}),
        # the period shown by quarter, filtered to one quarter: ABW's total over periods (92 of 122) is large
        (
            ("nationality",),
            ("time_period",),
            "quarter",
            {"country": ["CRI"], "time_period": ["2024-Q1"]},
            {("USA", "2024-Q1"): "", ("ABW", "_T"): ""},
        ),
        # by year, one port: USA has 1 record at Liberia (primary, whatever its complement)
        (("nationality",), (), "year", {"country": ["CRI"], "port": ["CRI-LIR"]}, {("USA",): "primary"}),
    ],
)
def test_complements_for_any_layout(diff_con, rows, cols, granularity, filters, expected):
    result = run_crosstab(
        diff_con,
        build_spec(["movements"], rows, cols, filters, source=SOURCE, granularity=granularity, totals="totals"),
    )
    dims = list(rows) + list(cols)
    got = {tuple(r[d] for d in dims): r["suppression"] for r in result.tidy.to_dict("records")}
    assert {k: got[k] for k in expected} == expected
    assert result.disclosure.exposed == 0
