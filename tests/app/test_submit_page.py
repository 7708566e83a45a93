"""The submit page through AppTest, in both languages, against a temporary registry."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from atlas.submit import loaders as data_submissions
from atlas.submit import views as submit_ui
from etl.submissions.registry import Registry
from etl.submissions.report import Problem, Report
from tests.app.conftest import open_page

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "submissions"
V1 = FIXTURES / "valid" / "gtm_returns_igm_2020_2023_es.csv"
V2 = FIXTURES / "valid" / "gtm_returns_igm_en.xlsx"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def accounts(tmp_path_factory):
    path = tmp_path_factory.mktemp("submit_accounts")
    reg = Registry(path)
    reg.add_account("ana.gtm", PASSWORD, "focal_point", "GTM")
    reg.add_account("admin", PASSWORD, "regional_admin")
    return path


@pytest.fixture
def registry(accounts, tmp_path, monkeypatch):
    target = tmp_path / "registry"
    subprocess.run(["cp", "-a", str(accounts), str(target)], check=True)
    monkeypatch.setenv("ATLAS_REGISTRY", str(target))
    return Registry(target)


def sign_in(at, user, password=PASSWORD):
    at.text_input(key="submit_user").input(user)
    at.text_input(key="submit_password").input(password)
    at.button(key="submit_sign_in").click().run()
    assert not at.exception
    return at


def upload(at, path: Path, store: bool = True):
    at.file_uploader(key="submit_file").set_value((path.name, path.read_bytes(), "application/octet-stream"))
    at.button(key="submit_store" if store else "submit_check").click().run()
    assert not at.exception
    return at


def frame(at, column: str):
    """The first table with ``column`` among its headers (AppTest does not expose dataframe keys)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


def page_text(at) -> str:
    """Every text the page shows (Markdown, notices, captions, expanders' contents, tables)."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "subheader")
             for e in at.get(kind)]
    return " ".join(str(p) for p in parts) + all_frames(at)


def all_frames(at) -> str:
    return " ".join(df.value.to_csv() for df in at.dataframe)


@pytest.mark.parametrize("lang,title,hint", [("es", "Envío de datos de los puntos focales", "pida la suya"),
                                             ("en", "Focal-point data submissions", "ask the regional administration")])
def test_page_with_an_empty_registry_says_whom_to_ask_for_an_account(tmp_path, monkeypatch, lang, title, hint):
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "empty"))
    at = open_page("submit.py", lang=lang)
    assert not at.exception
    assert at.title[0].value == title
    assert hint in texts(at.info)
    assert "users add" not in page_text(at)      # operator commands are for the README, not for visitors
    assert len(at.get("download_button")) == 2   # the two templates, for anyone
    assert not (tmp_path / "empty").exists()     # looking never creates a registry


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(registry):
    at = open_page("submit.py", lang="en")
    sign_in(at, "ana.gtm", "not the password")
    assert "Wrong user name or password" in texts(at.error)
    assert at.session_state["submit_password"] == ""
    sign_in(at, "ana.gtm")
    assert "focal point for Guatemala (GTM)" in texts(at.markdown)
    assert at.session_state["submit_password"] == ""     # the password does not stay in the session


@pytest.mark.parametrize("lang,summary,message", [
    ("es", "Hay 1 error por corregir (0 avisos). No se guardó nada.", "El conteo -5 es negativo."),
    ("en", "There is 1 error to fix (0 warnings). Nothing was stored.", "The count -5 is negative."),
])
def test_a_broken_file_gets_the_full_report_and_nothing_is_stored(registry, lang, summary, message):
    at = sign_in(open_page("submit.py", lang=lang), "ana.gtm")
    upload(at, FIXTURES / "broken" / "value_negative.csv")
    assert summary in texts(at.error)
    report = frame(at, {"es": "Comprobación", "en": "Check"}[lang])
    row = report[report.iloc[:, -1] == "value_negative"].iloc[0]
    assert (row.iloc[2], row.iloc[3], row.iloc[5]) == ("47", "Valor", message)
    assert registry.versions().empty


@pytest.mark.parametrize("lang,summary,message", [
    ("es", "Hay 1 error por corregir", "no es un CSV ni un XLSX: parece datos binarios"),
    ("en", "There is 1 error to fix", "not a CSV or XLSX file: it looks like binary data"),
])
def test_a_binary_upload_is_one_problem_not_hundreds_of_ragged_rows(registry, lang, summary, message, tmp_path):
    binary = tmp_path / "upload.csv"
    rng = random.Random(4)
    binary.write_bytes(b"\n".join(b",".join(rng.randbytes(rng.randint(3, 30)).replace(b"\n", b"")
                                            for _ in range(rng.randint(1, 6))) for _ in range(300)))
    at = sign_in(open_page("submit.py", lang=lang), "ana.gtm")
    upload(at, binary)
    assert summary in texts(at.error)
    report = frame(at, {"es": "Comprobación", "en": "Check"}[lang])
    assert report.iloc[:, -1].tolist() == ["file_not_text"] and message in report.iloc[0, 5]
    assert registry.versions().empty


@pytest.mark.parametrize("lang,summary", [("es", "Hay 3 errores por corregir (1 aviso)."),
                                          ("en", "There are 3 errors to fix (1 warning).")])
def test_the_summary_is_plural_for_several_errors(lang, summary):
    report = Report(file="x.csv", country="GTM", rows=10)
    report.extend([Problem("value_negative", row=i) for i in range(3)] + [Problem("licence_not_stated", "warning")])
    assert submit_ui.build_report_summary(report, lang).startswith(summary)


def test_a_valid_file_is_stored_as_version_1_and_a_correction_as_version_2(registry):
    at = sign_in(open_page("submit.py", lang="es"), "ana.gtm")
    upload(at, V1)
    assert "Guardado como sub_GTM_returns_1 versión 1, pendiente de publicación." in texts(at.success)
    at.selectbox(key="submit_target").set_value("sub_GTM_returns_1").run()
    upload(at, V2)
    assert "Guardado como sub_GTM_returns_1 versión 2" in texts(at.success)
    assert registry.versions()["version"].tolist() == [2, 1]
    assert "Borrador" in frame(at, {"es": "Enviado por", "en": "Submitted by"}["es"]).to_csv()


def test_validate_only_stores_nothing(registry):
    at = sign_in(open_page("submit.py", lang="en"), "ana.gtm")
    upload(at, V1, store=False)
    assert "The file is valid: 560 rows, 0 warnings." in texts(at.success)
    assert registry.versions().empty


def test_unpublished_data_never_reaches_the_public_part_and_published_data_does(registry):
    ana = registry.account("ana.gtm")
    first = registry.ingest(V1.read_bytes(), V1.name, "GTM", ana)
    at = open_page("submit.py", lang="en")
    assert "sub_GTM_returns" not in all_frames(at)
    assert b"sub_GTM_returns" not in data_submissions.published_observations_csv()
    sign_in(at, "admin")
    at.selectbox(key="submit_manage").set_value(f"{first.submission_id}|1")
    at.button(key="submit_publish").click().run()
    assert not at.exception and "sub_GTM_returns_1 version 1 published." in texts(at.success)
    at.button(key="submit_sign_out").click().run()
    public = frame(at, "Licence")
    assert public.iloc[:, 0].tolist() == ["sub_GTM_returns_1"] and public.iloc[0, 2] == 1
    assert data_submissions.published_observations_csv().count(b"sub_GTM_returns_1") == 560
    second = registry.ingest(V2.read_bytes(), V2.name, "GTM", ana, submission_id=first.submission_id)
    at.run()
    assert frame(at, "Licence").iloc[0, 2] == 1   # the v2 draft stays private
    registry.withdraw(second.submission_id, 1, registry.account("admin"))
    at.run()
    assert not at.exception and "sub_GTM_returns" not in all_frames(at)
    assert b"sub_GTM_returns" not in data_submissions.published_observations_csv()


def test_an_administrator_sees_every_country_and_submits_for_none(registry):
    registry.ingest(V1.read_bytes(), V1.name, "GTM", registry.account("ana.gtm"))
    at = sign_in(open_page("submit.py", lang="es"), "admin")
    assert "administración regional" in texts(at.info)
    assert not at.file_uploader
    assert "sub_GTM_returns_1" in frame(at, {"es": "Enviado por", "en": "Submitted by"}["es"]).to_csv()


@pytest.mark.parametrize("query,expected,notice", [({"template": "foreign_born"}, "foreign_born", False),
                                                   ({"template": "bogus"}, "entries_exits", True)])
def test_the_template_choice_comes_from_the_url(registry, query, expected, notice):
    at = open_page("submit.py", lang="en", **query)
    assert not at.exception
    assert at.selectbox(key="template").value == expected
    assert any("template=bogus" in w.value for w in at.warning) == notice


def test_a_publish_whose_public_files_were_never_written_shows_once_the_page_opens_the_registry(registry):
    """As a publish killed after its commit leaves it: the status says published, the public files lag."""
    first = registry.ingest(V1.read_bytes(), V1.name, "GTM", registry.account("ana.gtm"))
    registry.publish(first.submission_id, 1, registry.account("admin"))
    for public in (registry.path / "published").iterdir():
        public.unlink()
    at = open_page("submit.py", lang="en")
    assert not at.exception
    assert frame(at, "Licence").iloc[:, 0].tolist() == ["sub_GTM_returns_1"]
    assert data_submissions.published_observations_csv().count(b"sub_GTM_returns_1") == 560
