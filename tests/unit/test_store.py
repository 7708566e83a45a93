"""The store: build into a temp file then swap, the tables of the contract, read-only public views,
control totals, and the ``python -m etl`` subcommands."""

from __future__ import annotations

import argparse
import hashlib
import sys
import types
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl import controls, pipeline, schema, store
from etl.__main__ import COMMAND_MODULES
from etl.cli import Command, build_parser, load_commands, main
from etl.sources import Source, _common, discover_sources, hnd_ine_population2019, undesa_ims2024
from geodata import DataNotBuiltError
from tests.unit.store_support import built_store  # noqa: F401  (session fixture)

CONTRACT_TABLES = {
    "observations",
    "datasets",
    "measures",
    "units",
    "sexes",
    "ages",
    "obs_statuses",
    "territories",
    "dataset_dimensions",
    "dimension_codes",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small_sources(*modules) -> list[Source]:
    return [Source(m.__name__.rsplit(".", 1)[-1], m) for m in modules]


def fake_module(dataset_id: str, frame_of) -> types.SimpleNamespace:
    """A synthetic reader (for failure tests): the metadata of a real small source, another id."""
    meta = {**hnd_ine_population2019.DATASET, "dataset_id": dataset_id, "dimensions": {}}
    return types.SimpleNamespace(
        __name__=f"etl.sources.{dataset_id}", DATASET=meta, read=lambda path=None: frame_of(meta)
    )


# --- tables and types ------------------------------------------------------------------------


def test_store_has_the_contract_tables_and_observation_types(built_store):
    with store.connect(built_store) as con:
        tables = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        }
        types_ = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'observations' ORDER BY ordinal_position"
            ).fetchall()
        )
        dataset_columns = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE "
                "table_name = 'datasets' ORDER BY ordinal_position"
            ).fetchall()
        ]
    assert CONTRACT_TABLES | {"mmp_incidents", "build_notes", "build_info", "dimensions"} <= tables
    assert types_ == schema.OBS_TYPES
    assert dataset_columns == list(schema.DATASET_COLUMNS)


def test_every_dataset_row_is_cited_and_counted(built_store):
    with store.connect(built_store) as con:
        datasets = con.execute("SELECT * FROM datasets ORDER BY dataset_id").df()
    assert datasets["dataset_id"].tolist() == sorted(s.dataset_id for s in discover_sources())
    for column in (
        "title_es",
        "title_en",
        "publisher",
        "licence",
        "licence_url",
        "attribution",
        "origin",
        "vendored_path",
        "retrieved",
        "revision",
        "coverage",
        "caveats_es",
        "caveats_en",
    ):
        assert datasets[column].str.strip().str.len().gt(0).all(), column
    assert datasets["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert set(datasets["kind"]) == {"source"} and set(datasets["status"]) == {"published"}
    mmp = datasets.set_index("dataset_id").loc["iom_missing_migrants"]
    assert mmp.attribution == "IOM's Missing Migrants Project"
    path = Path(__file__).resolve().parents[2] / mmp.vendored_path
    assert mmp.sha256 == sha256(path)


def test_codelists_have_both_languages_and_measures_their_semantics(built_store):
    with store.connect(built_store) as con:
        for table in (
            "measures",
            "units",
            "sexes",
            "ages",
            "obs_statuses",
            "territories",
            "dimension_codes",
            "dataset_dimensions",
        ):
            frame = con.execute(f"SELECT name_es, name_en FROM {table}").df()
            assert len(frame) and frame.map(lambda s: bool(str(s).strip())).all().all(), table
        measures = con.execute("SELECT * FROM measures").df().set_index("measure")
        used = {r[0] for r in con.execute("SELECT DISTINCT measure FROM observations").fetchall()}
    assert used <= set(measures.index)
    assert measures.loc["migrant_stock", ["kind", "counterpart_role"]].tolist() == ["stock", "origin"]
    assert measures.loc["encounters", ["unit", "counterpart_role"]].tolist() == ["events", "citizenship"]
    assert "not zero" in measures.loc["migrant_stock", "definition_en"]


def test_no_observation_key_repeats_and_missing_is_never_zero(built_store):
    key = ", ".join(schema.OBS_KEY)
    with store.connect(built_store) as con:
        repeats = con.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM observations GROUP BY ALL HAVING count(*) > 1)"
        ).fetchone()[0]
        nulls = con.execute("SELECT count(*) FROM observations WHERE value IS NULL").fetchone()[0]
    assert repeats == 0
    assert nulls == 0  # empty source cells are not stored at all


def test_build_report_counts_dropped_aggregates_and_mmp_points(built_store):
    with store.connect(built_store) as con:
        notes = con.execute("SELECT dataset_id, note, value FROM build_notes").df()
    got = {(r.dataset_id, r.note): r.value for r in notes.itertuples()}
    assert got[("wb_population", "aggregates_dropped")] == 48
    assert got[("wpp2024_demography", "aggregates_dropped_rows")] > 0
    assert got[("iom_missing_migrants", "outside_every_polygon")] > 0


# --- connect and the public views ------------------------------------------------------------------


def test_connect_is_read_only_and_has_public_views_without_registry(built_store, tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "no_registry"))
    with store.connect(built_store) as con:
        assert (
            con.execute("SELECT count(*) FROM public_observations").fetchone()[0]
            == con.execute("SELECT count(*) FROM observations").fetchone()[0]
        )
        assert con.execute("SELECT count(*) FROM public_datasets").fetchone()[0] == 33
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM observations")


def test_public_views_union_the_published_parquet_files(built_store, tmp_path, monkeypatch):
    # synthetic published submission (written the way etl.submissions writes it: contract columns)
    published = tmp_path / "registry" / "published"
    published.mkdir(parents=True)
    obs = pd.DataFrame(
        [
            {
                "dataset_id": "sub_test_synthetic",
                "measure": "returned_nationals",
                "ref_area": "HND",
                "counterpart_area": "USA",
                "time_period": "2024-01",
                "freq": "M",
                "time_start": pd.Timestamp("2024-01-01"),
                "time_end": pd.Timestamp("2024-01-31"),
                "sex": "_T",
                "age": "_T",
                "dim_1": None,
                "dim_2": None,
                "dim_3": None,
                "dim_4": None,
                "dim_5": None,
                "value": 12.0,
                "unit": "persons",
                "obs_status": "A",
                "submission_id": "s1",
            }
        ]
    )
    obs.to_parquet(published / "observations.parquet")
    pd.DataFrame(
        [
            {
                "dataset_id": "sub_test_synthetic",
                "title_en": "Synthetic test submission",
                "kind": "submission",
                "status": "published",
                "version": 2,
                "row_count": 1,
            }
        ]
    ).to_parquet(published / "datasets.parquet")
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "registry"))
    with store.connect(built_store) as con:
        row = con.execute(
            "SELECT value, time_start, submission_id FROM public_observations WHERE dataset_id = 'sub_test_synthetic'"
        ).fetchone()
        kinds = dict(con.execute("SELECT kind, count(*) FROM public_datasets GROUP BY ALL").fetchall())
        start_type = con.execute("SELECT typeof(time_start) FROM public_observations LIMIT 1").fetchone()[0]
        store_rows = con.execute(
            "SELECT count(*) FROM observations WHERE dataset_id = 'sub_test_synthetic'"
        ).fetchone()[0]
    assert row == (12.0, pd.Timestamp("2024-01-01").date(), "s1")
    assert kinds == {"source": 33, "submission": 1}
    assert start_type == "DATE"
    assert store_rows == 0


def test_us_fiscal_year_macro(built_store):
    with store.connect(built_store) as con:
        got = con.execute("SELECT us_fiscal_year(DATE '2022-09-30'), us_fiscal_year(DATE '2022-10-01')").fetchone()
    assert got == (2022, 2023)


def test_connect_to_a_missing_store_says_how_to_build_it(tmp_path):
    with pytest.raises(DataNotBuiltError, match="python -m etl build"):
        store.connect(tmp_path / "absent.duckdb")


def test_store_path_follows_atlas_store(monkeypatch, tmp_path):
    monkeypatch.setenv("ATLAS_STORE", str(tmp_path / "x.duckdb"))
    assert store.store_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv("ATLAS_STORE")
    assert store.store_path().name == "atlas.duckdb"


# --- building: temp file, swap, and failures that keep the old store -----------------------------


@pytest.mark.integration
def test_build_writes_a_new_store_and_replaces_the_old_one(tmp_path, monkeypatch, built_geo):
    monkeypatch.setattr(store, "discover_sources", lambda: small_sources(hnd_ine_population2019))
    target = tmp_path / "atlas.duckdb"
    target.write_bytes(b"an old store")
    report = pipeline.build_store(target)
    assert report.tables["observations"] == 18 and report.size_bytes == target.stat().st_size
    with store.connect(target) as con:
        assert con.execute("SELECT sum(value) FROM observations").fetchone()[0] == 9_158_345
    assert [p.name for p in tmp_path.iterdir()] == ["atlas.duckdb"]  # no temporary file left
    assert "hnd_ine_population2019: 18 observations" in report.to_text()


@pytest.mark.integration
def test_a_broken_source_file_leaves_the_previous_store_intact(tmp_path, monkeypatch, built_geo):
    monkeypatch.setattr(store, "discover_sources", lambda: small_sources(hnd_ine_population2019, undesa_ims2024))
    target = tmp_path / "atlas.duckdb"
    pipeline.build_store(target)
    before = sha256(target)
    broken = tmp_path / "undesa.csv"
    broken.write_text("year,dest,orig_iso3,sex,n,type_b,type_c,type_r,type_i\n2024,CRI,NIC,female,1,1,0,0,0\n")
    monkeypatch.setitem(undesa_ims2024.DATASET, "vendored_path", str(broken))
    with pytest.raises(_common.SourceFormatError) as err:
        pipeline.build_store(target)
    assert str(broken) in str(err.value) and "dest_iso3" in str(err.value)
    assert sha256(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atlas.duckdb", "undesa.csv"]


@pytest.mark.parametrize(
    "problem,frame_of",
    [
        ("codes missing from measures", lambda meta: _frame(meta, measure="not_a_measure")),
        ("codes missing from territories", lambda meta: _frame(meta, ref_area="Atlantis")),
        ("duplicate observation keys", lambda meta: pd.concat([_frame(meta)] * 2, ignore_index=True)),
        ("NULL exactly when obs_status = 'M'", lambda meta: _frame(meta, value=float("nan"))),
        ("dataset_dimensions names no dimension", lambda meta: _frame(meta, dim_1="x")),
    ],
)
@pytest.mark.integration
def test_a_result_that_breaks_the_contract_is_refused_and_the_old_store_kept(
    tmp_path, monkeypatch, built_geo, problem, frame_of
):
    target = tmp_path / "atlas.duckdb"
    monkeypatch.setattr(store, "discover_sources", lambda: small_sources(hnd_ine_population2019))
    pipeline.build_store(target)
    before = sha256(target)
    fake = fake_module("synthetic_bad", frame_of)
    monkeypatch.setattr(
        store, "discover_sources", lambda: [*small_sources(hnd_ine_population2019), Source("synthetic_bad", fake)]
    )
    monkeypatch.setattr(store, "compute_sha256", lambda path: "0" * 64)
    with pytest.raises(store.StoreBuildError, match=problem):
        pipeline.build_store(target)
    assert sha256(target) == before


def _frame(meta: dict, **overrides) -> pd.DataFrame:
    """One synthetic observation (test data, never real)."""
    row = {
        "measure": "population",
        "ref_area": "HND",
        "time_period": "2019",
        "freq": "A",
        "value": 1.0,
        "unit": "persons",
        **overrides,
    }
    return _common.finish_observations(pd.DataFrame([row]), meta["dataset_id"], Path("synthetic.csv"))


# --- controls ------------------------------------------------------------------------------------


def test_every_control_total_passes_on_the_built_store(built_store):
    with store.connect(built_store) as con:
        results = controls.run_controls(con)
        structural = controls.run_structural(con)
    failed = [(r.control.name, r.expected, r.found) for r in results if not r.passed]
    assert failed == []
    assert all(n == 0 for _, n in structural)
    checked = {r.control.dataset_id for r in results}
    assert checked == {s.dataset_id for s in discover_sources()}  # at least one control per dataset


def test_a_control_fails_when_the_store_disagrees(built_store):
    wrong = controls.Control(
        "Darién 2023, wrong on purpose",
        "pan_darien_transit_nationality",
        controls._obs("pan_darien_transit_nationality", "year(time_start) = 2023"),
        "test",
        expected=520_084,
    )
    with store.connect(built_store) as con:
        result = controls.run_control(con, wrong)
    assert not result.passed and result.found == 520_085
    assert not controls.ControlResult(wrong, None, 1.0).passed
    assert not controls.ControlResult(wrong, 1.0, None).passed


# --- the command line ----------------------------------------------------------------------------


def test_datasets_command_lists_licence_and_rows(built_store, capsys):
    assert main(COMMAND_MODULES, ["datasets", "--store", str(built_store)]) == 0
    out = capsys.readouterr().out
    assert "iom_missing_migrants" in out and "CC BY 4.0" in out and "280,852" in out
    assert "33 datasets" in out


def test_check_command_prints_expected_found_and_exits_zero(built_store, capsys):
    assert main(COMMAND_MODULES, ["check", "--store", str(built_store)]) == 0
    out = capsys.readouterr().out
    assert "PASS  cbp_southwest_encounters" in out and "expected 2,475,669, found 2,475,669" in out
    assert "FAIL" not in out


def test_check_command_exits_non_zero_on_a_failed_control(built_store, capsys, monkeypatch):
    wrong = controls.Control(
        "impossible", "hnd_ine_population2019", controls._obs("hnd_ine_population2019"), "test", expected=1
    )
    monkeypatch.setattr(controls, "PUBLISHED", (wrong,))
    assert main(COMMAND_MODULES, ["check", "--store", str(built_store)]) == 1
    assert "FAIL  hnd_ine_population2019" in capsys.readouterr().out


def test_commands_on_a_missing_store_explain_and_exit_one(tmp_path, capsys):
    assert main(COMMAND_MODULES, ["datasets", "--store", str(tmp_path / "none.duckdb")]) == 1
    assert "python -m etl build" in capsys.readouterr().err


def test_build_command_reports_a_broken_file_and_exits_one(tmp_path, monkeypatch, capsys, built_geo):
    broken = tmp_path / "hnd.csv"
    broken.write_bytes(b"")
    monkeypatch.setattr(store, "discover_sources", lambda: small_sources(hnd_ine_population2019))
    monkeypatch.setitem(hnd_ine_population2019.DATASET, "vendored_path", str(broken))
    assert main(COMMAND_MODULES, ["build", "--store", str(tmp_path / "a.duckdb")]) == 1
    err = capsys.readouterr().err
    assert "previous store is unchanged" in err and str(broken) in err and "is empty" in err


def test_other_modules_register_subcommands_with_one_line(monkeypatch, capsys):
    module = types.ModuleType("synthetic_commands")
    module.COMMANDS = [
        Command("hello", "say hello", lambda args: print(f"hello {args.name}") or 0, lambda p: p.add_argument("name"))
    ]
    monkeypatch.setitem(sys.modules, "synthetic_commands", module)
    assert main([*COMMAND_MODULES, "synthetic_commands"], ["hello", "atlas"]) == 0
    assert capsys.readouterr().out.strip() == "hello atlas"
    with pytest.raises(ValueError, match="registered twice"):
        load_commands([*COMMAND_MODULES, "synthetic_commands", "synthetic_commands"])
    parser = build_parser(load_commands(COMMAND_MODULES))
    assert isinstance(parser, argparse.ArgumentParser)
    assert {"build", "datasets", "check"} <= set(parser._subparsers._group_actions[0].choices)
