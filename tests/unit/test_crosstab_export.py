"""Downloads and the command line: header block, symbols for suppressed and missing cells."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from etl.crosstab import build_spec, query_string, run_crosstab
from etl.crosstab.cli import main
from etl.crosstab.export import build_csv, build_header_block, build_xlsx, file_stem
from etl.crosstab.pivot import build_chart_frame, build_long_table, build_pivot
from etl.crosstab.version import load_data_version
from layers.crosstab_chart import build_crosstab_chart
from tests.crosstab_store import xt_con, xt_store_path  # noqa: F401

CONFIDENTIAL = build_spec(["returns"], ["ref_area"], ["counterpart_area", "sex"])
FLOWS = build_spec(
    ["entries"],
    ["ref_area"],
    ["time_period"],
    {"dataset": ["t_flow"]},
    granularity="month",
    totals="totals",
    shares="row",
)
MICRO = build_spec(
    ["movements"],
    ["port_type"],
    ["movement"],
    {"country": ["BLZ"], "time_period": ["2024"]},
    source="synthetic_entry_exit",
)


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_header_block_states_query_sources_licences_and_version(xt_con, lang):
    result = run_crosstab(xt_con, FLOWS)
    version = load_data_version(xt_con)
    block = dict((label, text) for label, text in build_header_block(result, lang, version))
    texts = " ".join(t for _, t in build_header_block(result, lang, version))
    assert "?" + query_string(FLOWS) in texts
    assert "t_flow" in texts and "CC0-1.0" in texts and version in texts
    assert block["Atlas PVIGM"]
    legend = [text for label, text in build_header_block(result, lang, version) if label in ("Signos", "Symbols")]
    assert ("E Estimado" if lang == "es" else "E Estimated value") in legend  # from the obs_statuses codelist
    assert ("M Dato faltante" if lang == "es" else "M Missing value") in legend
    assert any(line.startswith("—") for line in legend)


def test_csv_holds_the_header_then_each_statistic(xt_con):
    result = run_crosstab(xt_con, FLOWS)
    rows = _rows(build_csv(result, "en", "v1"))
    assert rows[0][0] == "Atlas PVIGM"
    titles = [r[1] for r in rows if r and r[0] == "Statistic"]
    assert titles == ["Values (events)", "Share of row (%)"]
    header = next(r for r in rows if r and r[0] == "Territory")
    assert header[-1] == "Total" and "2023-07" in header
    pan = next(r for r in rows if r and r[0] == "Panama")
    assert pan[header.index("2023-07")] != "0"


def test_a_missing_cell_is_shown_as_missing(xt_con):
    spec = build_spec(
        ["entries"],
        ["counterpart_area", "t_component"],
        ["ref_area"],
        {"dataset": ["t_flow"], "time_period": ["2023-07"]},
        granularity="month",
        totals="none",
    )
    result = run_crosstab(xt_con, spec)
    table = build_pivot(result, "value", "en")
    row = table[(table.iloc[:, 0] == "United States") & (table.iloc[:, 1] == "Land (test)".replace(" (test)", ""))]
    assert row["Panama"].tolist() == ["—"]


def test_suppressed_cells_never_carry_their_number(xt_con):
    result = run_crosstab(xt_con, CONFIDENTIAL)
    hidden = result.tidy[result.tidy.suppression != ""]
    assert len(hidden) >= 3
    table = build_pivot(result, "value", "es", numeric=True)
    symbols = [v for col in table.columns[1:] for v in table[col] if isinstance(v, str)]
    assert sorted(set(symbols)) == ["C", "D"] and len(symbols) == len(hidden)
    long = build_long_table(result, "en")
    masked = long[long["suppression"] != ""]
    assert masked["value"].isna().all() and masked["observations or records"].isna().all()
    assert masked["reason"].str.contains("suppression").all()
    rows = _rows(build_csv(result, "en", "v1"))
    body = rows[next(i for i, r in enumerate(rows) if r and r[0] == "Territory") :]
    assert sum(cell in ("C", "D") for r in body for cell in r) == len(hidden)


def test_xlsx_has_the_table_the_data_and_the_sources(xt_con):
    result = run_crosstab(xt_con, MICRO)
    book = load_workbook(io.BytesIO(build_xlsx(result, "es", "v1")))
    assert book.sheetnames == ["tabla", "datos", "fuentes"]
    first = [c.value for c in book["tabla"]["A"][:3]]
    assert first[:2] == ["Atlas PVIGM", "SYNTHETIC"]
    assert "SINTÉTICO" in book["fuentes"]["B2"].value
    assert file_stem(result).startswith("SYNTHETIC_")


def test_the_chart_leaves_out_totals_and_hidden_cells(xt_con):
    result = run_crosstab(xt_con, CONFIDENTIAL)
    frame = build_chart_frame(result, "value", "en")
    assert "Total" not in set(frame.category) | set(frame.series)
    assert (
        len(frame)
        == (
            (result.tidy.suppression == "") & (result.tidy[["ref_area", "counterpart_area", "sex"]] != "_T").all(axis=1)
        ).sum()
    )
    chart = build_crosstab_chart(frame, "Values", "Territory", "Destination · Sex").to_dict()
    assert chart["mark"]["type"] == "bar"
    with pytest.raises(ValueError, match="category"):
        build_crosstab_chart(frame.drop(columns=["category"]), "v", "c", "s")


def test_the_command_line_writes_the_same_table(xt_store_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "registry"))
    out = tmp_path / "table.csv"
    code = main(
        ["query", "--store", str(xt_store_path), "--url", query_string(FLOWS), "--lang", "en", "--out", str(out)]
    )
    assert code == 0
    rows = _rows(out.read_bytes())
    assert rows[0][0] == "Atlas PVIGM" and any(r and r[0] == "Costa Rica" for r in rows)
    code = main(
        [
            "query",
            "--store",
            str(xt_store_path),
            "--measure",
            "entries",
            "--rows",
            "ref_area",
            "--filter",
            "dataset=t_flow",
            "--long",
            "--no-header",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].startswith("Territorio (código)")


def test_the_command_line_explains_a_bad_query(xt_store_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "registry"))
    code = main(["query", "--store", str(xt_store_path), "--measure", "entries", "--rows", "colour", "--lang", "en"])
    assert code == 2
    err = capsys.readouterr().err
    assert "Dimension 'colour' does not exist" in err and "ref_area" in err
    code = main(["query", "--store", str(xt_store_path), "--measure", "entries", "--filter", "sex", "--lang", "es"])
    assert code == 2 and "no es un filtro válido" in capsys.readouterr().err
    code = main(["query", "--store", str(tmp_path / "none.duckdb"), "--measure", "entries", "--lang", "en"])
    assert code == 1 and "the store does not exist" in capsys.readouterr().err  # not built: as other commands


def _not_a_store(tmp_path, kind: str):
    """Files that ``--store`` may wrongly point at."""
    import duckdb

    path = tmp_path / f"{kind}.duckdb"
    if kind == "empty_duckdb":
        duckdb.connect(str(path)).close()
    elif kind == "text":
        path.write_text("not a database\n")
    elif kind == "directory":
        path.mkdir()
    return path


@pytest.mark.parametrize(
    "kind,lang,fragment",
    [
        ("empty_duckdb", "en", "has no observations, datasets table(s)"),
        ("empty_duckdb", "es", "le faltan las tablas observations, datasets"),
        ("text", "en", "not a readable DuckDB store"),
        ("directory", "es", "no es un archivo"),
    ],
)
def test_a_file_that_is_not_a_store_gets_one_line_and_status_2(tmp_path, monkeypatch, capsys, kind, lang, fragment):
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "registry"))
    store = _not_a_store(tmp_path, kind)
    assert main(["query", "--store", str(store), "--measure", "entries", "--lang", lang]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"--store {store}: ") and fragment in err[0], err


@pytest.mark.parametrize("out,fragment", [("missing_dir/table.csv", "does not exist"), (".", "is a directory")])
def test_an_out_path_that_cannot_be_written_gets_one_line_and_status_2(
    xt_store_path, tmp_path, monkeypatch, capsys, out, fragment
):
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "registry"))
    code = main(
        [
            "query",
            "--store",
            str(xt_store_path),
            "--url",
            query_string(FLOWS),
            "--lang",
            "en",
            "--out",
            str(tmp_path / out),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("--out ") and fragment in err[0], err


@pytest.mark.integration
def test_the_command_itself_ends_without_a_traceback(tmp_path):
    """``python -m etl query --store <a DuckDB file without observations>``, as a user runs it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    store = _not_a_store(tmp_path, "empty_duckdb")
    env = {**os.environ, "ATLAS_REGISTRY": str(tmp_path / "registry")}
    done = subprocess.run(
        [sys.executable, "-m", "etl", "query", "--store", str(store), "--measure", "entries", "--lang", "en"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "not an atlas store" in done.stderr and done.stdout == ""
