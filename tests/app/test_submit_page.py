"""The submit page through AppTest, in both languages, against a temporary registry."""

from __future__ import annotations

import io
import random
import re
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
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "subheader")
        for e in at.get(kind)
    ]
    return " ".join(str(p) for p in parts) + all_frames(at)


def all_frames(at) -> str:
    return " ".join(df.value.to_csv() for df in at.dataframe)


@pytest.mark.parametrize(
    "lang,title,hint",
    [
        ("es", "Envío de datos de los puntos focales", "pida la suya"),
        ("en", "Focal-point data submissions", "ask the regional administration"),
    ],
)
def test_page_with_an_empty_registry_says_whom_to_ask_for_an_account(tmp_path, monkeypatch, lang, title, hint):
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "empty"))
    at = open_page("submit.py", lang=lang)
    assert not at.exception
    assert at.title[0].value == title
    assert hint in texts(at.info)
    assert "users add" not in page_text(at)  # operator commands are for the README, not for visitors
    assert len(at.get("download_button")) == 2  # the two templates, for anyone
    assert not (tmp_path / "empty").exists()  # looking never creates a registry


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(registry):
    at = open_page("submit.py", lang="en")
    sign_in(at, "ana.gtm", "not the password")
    assert "Wrong user name or password" in texts(at.error)
    assert at.session_state["submit_password"] == ""
    sign_in(at, "ana.gtm")
    assert "focal point for Guatemala (GTM)" in texts(at.markdown)
    assert at.session_state["submit_password"] == ""  # the password does not stay in the session


@pytest.mark.parametrize(
    "lang,summary,message",
    [
        ("es", "Hay 1 error por corregir (0 avisos). No se guardó nada.", "El conteo -5 es negativo."),
        ("en", "There is 1 error to fix (0 warnings). Nothing was stored.", "The count -5 is negative."),
    ],
)
def test_a_broken_file_gets_the_full_report_and_nothing_is_stored(registry, lang, summary, message):
    at = sign_in(open_page("submit.py", lang=lang), "ana.gtm")
    upload(at, FIXTURES / "broken" / "value_negative.csv")
    assert summary in texts(at.error)
    report = frame(at, {"es": "Comprobación", "en": "Check"}[lang])
    row = report[report.iloc[:, -1] == "value_negative"].iloc[0]
    assert (row.iloc[2], row.iloc[3], row.iloc[5]) == ("47", "Valor", message)
    assert registry.versions().empty


@pytest.mark.parametrize(
    "lang,summary,message",
    [
        ("es", "Hay 1 error por corregir", "no es un CSV ni un XLSX: parece datos binarios"),
        ("en", "There is 1 error to fix", "not a CSV or XLSX file: it looks like binary data"),
    ],
)
def test_a_binary_upload_is_one_problem_not_hundreds_of_ragged_rows(registry, lang, summary, message, tmp_path):
    binary = tmp_path / "upload.csv"
    rng = random.Random(4)
    binary.write_bytes(
        b"\n".join(
            b",".join(rng.randbytes(rng.randint(3, 30)).replace(b"\n", b"") for _ in range(rng.randint(1, 6)))
            for _ in range(300)
        )
    )
    at = sign_in(open_page("submit.py", lang=lang), "ana.gtm")
    upload(at, binary)
    assert summary in texts(at.error)
    report = frame(at, {"es": "Comprobación", "en": "Check"}[lang])
    assert report.iloc[:, -1].tolist() == ["file_not_text"] and message in report.iloc[0, 5]
    assert registry.versions().empty


@pytest.mark.parametrize(
    "lang,summary", [("es", "Hay 3 errores por corregir (1 aviso)."), ("en", "There are 3 errors to fix (1 warning).")]
)
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
    assert frame(at, "Licence").iloc[0, 2] == 1  # the v2 draft stays private
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


@pytest.mark.parametrize(
    "query,expected,notice",
    [({"template": "foreign_born"}, "foreign_born", False), ({"template": "bogus"}, "entries_exits", True)],
)
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


# --- issue 15: the hardened submission path as a person meets it ---------------------------------

LINK = "[Sign in here](https://evil.example)"


def outside_code_spans(markdown: str) -> str:
    """What a Markdown text renders as Markdown: everything but its inline code spans."""
    return re.sub(r"(`+)(.+?)\1", " ", markdown)


def shown_literally(markdown: str, text: str) -> bool:
    """``text`` is in ``markdown`` inside a code span, and nothing outside code spans could be a link."""
    rest = outside_code_spans(markdown)
    return text in markdown and text not in rest and "http" not in rest and "](" not in rest


def v1_text(title: str | None = None, first_value: str | None = None, territory: str | None = None) -> bytes:
    """The valid fixture with its title, its first count or its first territory replaced."""
    text = V1.read_text(encoding="utf-8")
    first = "2020-01,GTM,México,GTM,Total,Mujeres,18 años y más,No aplica,502,"
    if title is not None:
        text = re.sub(r"# Título: .*", lambda _: f"# Título: {title}", text, count=1)
    if first_value is not None:
        text = text.replace(first, first.replace(",502,", f",{first_value},"), 1)
    if territory is not None:
        text = text.replace(first, first.replace("2020-01,GTM,", f"2020-01,{territory},", 1), 1)
    return text.encode("utf-8")


def upload_bytes(at, name: str, content: bytes, store: bool = True):
    at.file_uploader(key="submit_file").set_value((name, content, "text/csv"))
    at.button(key="submit_store" if store else "submit_check").click().run()
    assert not at.exception
    return at


def no_missing_cells(at) -> bool:
    """No table cell is empty (a missing value is shown as "—", never as "None")."""
    return all(not df.value.isna().any().any() for df in at.dataframe)


def signed_in(at) -> bool:
    return "submit_sign_out" in [b.key for b in at.button]


@pytest.mark.parametrize("lang,size,rows", [("es", "50 MB", "1.100.000"), ("en", "50 MB", "1,100,000")])
def test_the_upload_limits_are_stated_next_to_the_uploader(registry, lang, size, rows):
    at = sign_in(open_page("submit.py", lang=lang), "ana.gtm")
    limits = texts(at.caption)
    assert size in limits and rows in limits and {"es": "divídalo", "en": "split it"}[lang] in limits


def test_uploads_are_validated_in_the_worker_with_a_progress_bar(registry, monkeypatch):
    from etl.submissions import worker

    calls = []
    real = worker.validate_isolated

    def recording(data, name, country, kind=None, *args, progress, keep_rows, **kw):
        stages = []
        calls.append({"keep_rows": keep_rows, "stages": stages})
        return real(
            data,
            name,
            country,
            kind,
            *args,
            progress=lambda s, f: (stages.append(s), progress(s, f)),
            keep_rows=keep_rows,
            **kw,
        )

    monkeypatch.setattr(worker, "validate_isolated", recording)
    at = sign_in(open_page("submit.py", lang="en"), "ana.gtm")
    upload(at, V1, store=False)
    assert "The file is valid: 560 rows" in texts(at.success) and registry.versions().empty
    upload(at, V2, store=True)  # a workbook: validated in the worker process
    assert "Stored as sub_GTM_returns_1 version 1" in texts(at.success)
    assert [c["keep_rows"] for c in calls] == [False, True]
    assert calls[1]["stages"][0] == "start" and "done" in calls[1]["stages"] and "cells" in calls[1]["stages"]
    upload_bytes(at, "long.csv", v1_text(title="x" * 30_000), store=False)  # over a limit: one problem naming it
    assert frame(at, "Check").iloc[:, -1].tolist() == ["limit_line_characters"] and len(calls) == 3


def test_a_failed_sign_in_says_what_and_how_to_fix_it(registry):
    at = sign_in(open_page("submit.py", lang="es"), "ana.gtm", "not the password")
    shown = texts(at.error)
    assert "Usuario o contraseña incorrectos." in shown and "Revise el usuario y la contraseña" in shown
    assert not signed_in(at) and at.session_state["submit_password"] == ""


def test_failed_sign_ins_are_counted_by_the_registry_so_a_new_session_must_still_wait(registry, monkeypatch):
    from etl.submissions import auth

    monkeypatch.setattr(auth, "BACKOFF_BASE_SECONDS", 600.0)  # the wait outlasts the test
    first = open_page("submit.py", lang="en")
    for _ in range(auth.FREE_ATTEMPTS):
        sign_in(first, "ana.gtm", "wrong password")
    fresh = sign_in(open_page("submit.py", lang="en"), "ana.gtm")  # a new browser session, the right password
    assert "Too many failed attempts: wait" in texts(fresh.error) and not signed_in(fresh)
    assert set(registry.audit_events().action) >= {"sign_in_failed", "sign_in_refused"}


def test_a_locked_account_stays_locked_in_a_new_session_without_showing_operator_commands(registry):
    from etl.submissions.auth import LOCK_AFTER, backoff_seconds

    moment = 1_000_000.0
    for i in range(LOCK_AFTER):
        moment += backoff_seconds(i) + 1
        Registry(registry.path).sign_in("ana.gtm", "wrong", f"10.1.0.{i}", at=moment)
    at = sign_in(open_page("submit.py", lang="en"), "ana.gtm")
    shown = texts(at.error)
    assert "The account is locked" in shown and "Ask the regional administration to unlock" in shown
    assert "users unlock" not in page_text(at) and not signed_in(at)


def test_a_password_changed_elsewhere_ends_the_session_at_the_next_rerun(registry):
    at = sign_in(open_page("submit.py", lang="en"), "ana.gtm")
    assert signed_in(at)
    registry.set_password("ana.gtm", PASSWORD + " changed")
    at.run()
    assert not at.exception and not signed_in(at) and "submit_account" not in at.session_state
    assert "The session of 'ana\\.gtm' has ended" in texts(at.warning)  # the name as literal Markdown


def test_the_administrator_reviews_metadata_totals_and_a_sample_before_publishing(registry):
    ana, admin = registry.account("ana.gtm"), registry.account("admin")
    first = registry.ingest(V1.read_bytes(), V1.name, "GTM", ana)
    at = sign_in(open_page("submit.py", lang="en"), "admin")
    assert "First publication: there is no previously published version" in texts(at.info)
    registry.publish(first.submission_id, 1, admin)
    registry.ingest(
        v1_text(title=f"Returns {LINK} ![x](https://evil.example/p.png)", first_value="5020"),
        "v2.csv",
        "GTM",
        ana,
        submission_id=first.submission_id,
    )
    at.run()
    at.selectbox(key="submit_manage").set_value(f"{first.submission_id}|2").run()
    assert "Review before publishing: sub\\_GTM\\_returns\\_1 version 2" in texts(at.markdown)
    assert "1 total differs from the published version" in texts(at.warning)
    summary = frame(at, "Comparison")
    top = summary.iloc[0]
    assert (top["Period"], top["Territory"], top["Comparison"]) == ("2020-01", "GTM", "large change")
    assert top["This version"] != top["Published version"] and top["Change"].startswith("+")
    assert (summary["Comparison"] == "same").sum() == len(summary) - 1
    metadata = texts(at.text)  # st.text: never Markdown, never a link
    assert f"Title: Returns {LINK} ![x](https://evil.example/p.png)" in metadata
    assert "evil.example" not in texts(at.markdown) + texts(at.caption)
    assert frame(at, "Observation status").shape[0] == 20
    assert no_missing_cells(at)
    at.button(key="submit_publish").click().run()
    assert "sub_GTM_returns_1 version 2 published." in texts(at.success)


def test_the_audit_log_is_shown_to_administrators_and_not_to_focal_points(registry):
    registry.ingest(V1.read_bytes(), V1.name, "GTM", registry.account("ana.gtm"))
    focal = sign_in(open_page("submit.py", lang="en"), "ana.gtm")
    assert "Activity log" not in [tab.label for tab in focal.tabs]
    assert not any("Action" in df.value.columns for df in focal.dataframe)
    admin = sign_in(open_page("submit.py", lang="es"), "admin")
    assert "Registro de actividad" in [tab.label for tab in admin.tabs]
    log = frame(admin, "Acción")
    assert list(log.columns) == ["Fecha y hora (UTC)", "Usuario", "Acción", "Envío", "Versión", "Detalle"]
    assert log["Acción"].tolist()[:2] == ["Inicio de sesión", "Inicio de sesión"]  # newest first
    assert "Versión guardada" in log["Acción"].tolist() and no_missing_cells(admin)


def test_operator_commands_are_shown_to_a_regional_administrator_only(registry):
    visitor = open_page("submit.py", lang="en")
    focal = sign_in(open_page("submit.py", lang="en"), "ana.gtm")
    assert "users add" not in page_text(visitor) and "users add" not in page_text(focal)
    admin = sign_in(open_page("submit.py", lang="en"), "admin")
    assert "python -m etl users add" in page_text(admin)


def test_a_file_name_with_markdown_link_syntax_is_shown_as_plain_text(registry):
    at = sign_in(open_page("submit.py", lang="en"), "ana.gtm")
    upload_bytes(at, f"{LINK}.csv", V1.read_bytes(), store=False)
    shown = texts(at.success)
    assert shown_literally(shown, f"{LINK}.csv")


def test_a_url_value_in_the_parameter_notice_is_plain_text(registry):
    at = open_page("submit.py", lang="en", template=LINK)
    notice = texts(at.warning)
    assert "](" not in notice and "://" not in notice  # no link can form: escaped, addresses broken
    assert LINK in notice.replace("\\", "").replace("\u2060", "")  # and a person reads exactly what was sent


def test_the_report_download_writes_formula_like_cells_as_text(registry, monkeypatch):
    offered = {}
    real = submit_ui.render_downloads

    def keep(downloads, key, **kw):
        offered[key] = downloads
        return real(downloads, key, **kw)

    monkeypatch.setattr(submit_ui, "render_downloads", keep)
    at = sign_in(open_page("submit.py", lang="en"), "ana.gtm")
    upload_bytes(at, "=cmd.csv", v1_text(territory='=HYPERLINK("https://evil.example")'), store=False)
    csv, xlsx = offered["submit_report"]
    assert (csv.file_name, xlsx.file_name) == ("report_cmd.csv", "report_cmd.xlsx")
    body = csv.build().decode("utf-8-sig")
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body
    from openpyxl import load_workbook

    cells = [c for row in load_workbook(io.BytesIO(xlsx.build())).active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells) and any("=HYPERLINK" in str(c.value) for c in cells)


@pytest.mark.parametrize(
    "text,expected",
    [
        (LINK, f"`{LINK}`"),
        ("a `b` c", "``a `b` c``"),
        ("`x`", "`` `x` ``"),
        ("line\nbreak \u202eevil", "`line break evil`"),
        ("", "—"),
    ],
)
def test_literal_puts_untrusted_text_in_a_code_span_it_cannot_leave(text, expected):
    assert submit_ui.literal(text) == expected


def test_tables_show_no_data_for_missing_values_and_plain_text_for_the_rest():
    import pandas as pd

    table = submit_ui.build_table(
        pd.DataFrame({"a": ["x\u202ey", None], "n": pd.array([1, None], "Int64"), "m": [1, 2]}),
        {"a": "A", "n": "N", "m": "M"},
        "es",
    )
    assert table["A"].tolist() == ["xy", "—"] and table["N"].tolist() == ["1", "—"] and table["M"].tolist() == [1, 2]
    assert submit_ui.safe_file_stem("../../[a](b) c.csv") == "a_b_c"


def test_a_publish_that_cannot_write_the_public_files_says_so_and_how_to_fix_it(registry, monkeypatch):
    import errno

    from etl.submissions import registry as registry_module

    def full(table, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    first = registry.ingest(V1.read_bytes(), V1.name, "GTM", registry.account("ana.gtm"))
    at = sign_in(open_page("submit.py", lang="en"), "admin")
    monkeypatch.setattr(registry_module, "write_parquet", full)
    at.selectbox(key="submit_manage").set_value(f"{first.submission_id}|1")
    at.button(key="submit_publish").click().run()
    assert not at.exception
    shown = texts(at.error)
    assert "could not be published" in shown and "Free disk space on the server" in shown
    assert registry.versions().status.tolist() == ["draft"]
