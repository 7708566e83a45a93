"""Rendering for the submit page: published list, templates, sign-in, upload and report, versions.

Sign-in state lives in ``st.session_state`` only (``submit_account``); the password never stays
in session state after the sign-in attempt. The public parts read only the published files.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import geodata
from atlas.core.downloads import Download, render_downloads
from atlas.core.i18n import t
from atlas.submit import loaders as data
from etl.submissions.auth import Account, PermissionRefused
from etl.submissions.registry import Registry, VersionNotFound
from etl.submissions.report import Report, plural_form

ACCOUNT = "submit_account"
FAILURES = "_submit_failures"
NOTICE = "_submit_notice"
LAST = "_submit_last"
MAX_FAILURES = 5
UPLOAD_TYPES = ["csv", "txt", "tsv", "xlsx"]
REPORT_COLUMNS = ["severity", "sheet", "row", "column", "value", "message", "fix", "code"]


def signed_in_account() -> Account | None:
    return st.session_state.get(ACCOUNT)


def _country_label(code: str, lang: str) -> str:
    return f"{geodata.name(code, lang)} ({code})"


# --- public -----------------------------------------------------------------------------------

def render_published(lang: str) -> None:
    """The published submissions (never drafts nor withdrawn versions) and their observations."""
    st.subheader(t("submit.published_heading", lang))
    published = data.published_datasets()
    if published.empty:
        st.info(t("submit.published_none", lang))
        return
    table = published[["dataset_id", f"title_{lang}", "version", "row_count", "publisher", "licence", "retrieved"]]
    table.columns = [t(f"submit.col_{c}", lang) for c in
                     ("dataset", "title", "version", "rows", "source", "licence", "date")]
    st.dataframe(table, hide_index=True, width="stretch", key="submit_published_table")
    st.caption(t("submit.published_help", lang))
    render_downloads([Download(t("submit.published_download", lang), data.published_observations_csv,
                               "pvigm_published_submissions.csv")], "submit_published")


def render_templates(lang: str, country: str | None) -> None:
    """Template choice (``?template=`` in the URL) and the two downloads."""
    st.subheader(t("submit.templates_heading", lang))
    st.caption(t("submit.templates_help", lang))
    titles = data.kind_titles(lang)
    left, right = st.columns([3, 1])
    kind = left.selectbox(t("submit.template_kind", lang), list(titles), format_func=titles.get, key="template")
    header_lang = right.segmented_control(t("submit.template_lang", lang), ["es", "en"], key="submit_template_lang",
                                          format_func={"es": "Español", "en": "English"}.get, default=lang,
                                          required=True)
    stem = f"pvigm_{kind}_{header_lang}{'_' + country if country else ''}"
    render_downloads([Download(t(f"submit.download_{fmt}", lang),
                               lambda fmt=fmt: data.template_bytes(kind, header_lang, fmt, country), f"{stem}.{fmt}")
                      for fmt in ("xlsx", "csv")], "submit_template")


# --- sign-in --------------------------------------------------------------------------------------

def _sign_in() -> None:
    """Button callback: check the password, keep the account (never the password) in the session."""
    user, password = st.session_state.get("submit_user", ""), st.session_state.get("submit_password", "")
    st.session_state["submit_password"] = ""
    if st.session_state.get(FAILURES, 0) >= MAX_FAILURES:
        return
    account = data.registry().authenticate(user, password) if user and password else None
    if account is None:
        st.session_state[FAILURES] = st.session_state.get(FAILURES, 0) + 1
        return
    st.session_state[ACCOUNT] = account
    st.session_state.pop(FAILURES, None)


def _sign_out() -> None:
    for key in (ACCOUNT, LAST, NOTICE):
        st.session_state.pop(key, None)


def render_sign_in(registry: Registry, lang: str) -> None:
    st.subheader(t("submit.sign_in_heading", lang))
    if registry.account_count() == 0:
        st.info(t("submit.no_accounts", lang), icon=":material/person_add:")
    failures = st.session_state.get(FAILURES, 0)
    if failures >= MAX_FAILURES:
        st.error(t("submit.sign_in_locked", lang))
        return
    if failures:
        st.error(t("submit.sign_in_failed", lang))
    st.text_input(t("submit.username", lang), key="submit_user", autocomplete="username")
    st.text_input(t("submit.password", lang), key="submit_password", type="password", autocomplete="current-password")
    st.button(t("submit.sign_in", lang), key="submit_sign_in", on_click=_sign_in, type="primary")


def render_account(account: Account, lang: str) -> None:
    if account.role == "focal_point":
        st.markdown(t("submit.signed_in_focal", lang, user=account.username,
                      country=_country_label(account.country, lang)))
    else:
        st.markdown(t("submit.signed_in_admin", lang, user=account.username))
    st.button(t("submit.sign_out", lang), key="submit_sign_out", on_click=_sign_out)


# --- upload and report --------------------------------------------------------------------------

def render_upload(registry: Registry, account: Account, lang: str) -> None:
    """Upload a file for the account's own country: validate only, or validate and store."""
    if account.role != "focal_point":
        st.info(t("submit.upload_admin_note", lang))
        return
    own = registry.versions(account.country)
    targets = ["", *sorted(own.submission_id.unique())]
    if st.session_state.get("submit_target") not in targets:
        st.session_state["submit_target"] = ""
    st.selectbox(t("submit.upload_target", lang), targets, key="submit_target",
                 format_func=lambda s: (t("submit.target_version", lang, submission=s) if s
                                        else t("submit.target_new", lang)))
    st.file_uploader(t("submit.upload_file", lang), type=UPLOAD_TYPES, key="submit_file")
    a, b = st.columns(2)
    a.button(t("submit.check_only", lang), key="submit_check", on_click=_upload, args=(False,))
    b.button(t("submit.check_and_store", lang), key="submit_store", on_click=_upload, args=(True,), type="primary")
    render_last_upload(lang)


def _upload(store: bool) -> None:
    """Button callback: validate (and store) the uploaded file before the page draws, so lists are fresh."""
    from etl.submissions.validate import validate_submission

    account, uploaded = signed_in_account(), st.session_state.get("submit_file")
    if account is None:
        return
    if uploaded is None:
        st.session_state[LAST] = {"notice": ("warning", "submit.no_file", {})}
        return
    content, name = uploaded.getvalue(), uploaded.name
    try:
        if store:
            result = data.registry().ingest(content, name, account.country, account,
                                            submission_id=st.session_state.get("submit_target") or None)
            st.session_state[LAST] = {"report": result.validation.report, "submission_id": result.submission_id,
                                      "version": result.version}
        else:
            st.session_state[LAST] = {"report": validate_submission(content, name, account.country).report}
    except PermissionRefused as err:
        st.session_state[LAST] = {"refused": (err.code, err.params)}
    except OSError as err:
        st.session_state[LAST] = {"notice": ("error", "submit.registry_unavailable", {"detail": type(err).__name__})}


def render_last_upload(lang: str) -> None:
    last = st.session_state.get(LAST)
    if not last:
        return
    if "notice" in last:
        kind, key, params = last["notice"]
        (st.warning if kind == "warning" else st.error)(t(key, lang, **params))
        return
    if "refused" in last:
        err = PermissionRefused(*last["refused"][:1], **last["refused"][1])
        st.error(f"{err.message(lang)} {err.fix(lang)}")
        return
    render_report(last["report"], lang)
    if last.get("version"):
        st.success(t("submit.stored", lang, submission=last["submission_id"], version=last["version"]),
                   icon=":material/task_alt:")


def report_table(report: Report, lang: str) -> pd.DataFrame:
    """The report as a table with headers and severities in ``lang``."""
    frame = report.to_frame(lang)[REPORT_COLUMNS]
    frame["severity"] = frame["severity"].map(lambda s: t(f"submit.severity_{s}", lang))
    frame.columns = [t(f"submit.col_{c}", lang) for c in REPORT_COLUMNS]
    return frame


def count_text(key: str, n: int, lang: str, **values: object) -> str:
    """The singular or plural form of ``submit.<key>`` for ``n`` ("1 aviso", "3 avisos")."""
    return t(f"submit.{key}_{plural_form(n)}", lang, n=n, **values)


def build_report_summary(report: Report, lang: str) -> str:
    """The line above the report: valid (rows, warnings) or how many errors to fix, singular or plural."""
    warnings = count_text("count_warnings", sum(1 for p in report.problems if p.severity == "warning"), lang)
    if report.valid:
        return t("submit.report_valid", lang, rows=count_text("count_rows", report.rows, lang), warnings=warnings)
    return count_text("report_invalid", report.error_count, lang, errors=report.error_count, warnings=warnings)


def render_report(report: Report, lang: str) -> None:
    (st.success if report.valid else st.error)(build_report_summary(report, lang))
    table = report_table(report, lang)
    st.dataframe(table, hide_index=True, width="stretch", key="submit_report_table")
    for code, n in sorted(report.omitted.items()):
        st.warning(count_text("report_omitted", n, lang, code=code))
    render_downloads([Download(t("submit.report_download", lang), lambda: table.to_csv(index=False).encode("utf-8-sig"),
                               f"report_{report.file}.csv")], "submit_report")


# --- versions -----------------------------------------------------------------------------------

def _change_status(action: str) -> None:
    """Button callback (administrators): publish or withdraw the chosen version."""
    account, choice = signed_in_account(), st.session_state.get("submit_manage")
    if account is None or not choice:
        return
    submission_id, version = choice.rsplit("|", 1)
    try:
        getattr(data.registry(), action)(submission_id, int(version), account)
    except (PermissionRefused, VersionNotFound) as err:
        st.session_state[NOTICE] = ("error", err.code, err.params)
        return
    done = "published_done" if action == "publish" else "withdrawn_done"
    st.session_state[NOTICE] = ("success", done, {"submission": submission_id, "version": version})


def render_submissions(registry: Registry, account: Account, lang: str) -> None:
    """The account's country's versions (all countries for an administrator), with their status."""
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        kind, code, params = notice
        text = (t(f"submit.{code}", lang, **params) if kind == "success"
                else PermissionRefused(code, **params).message(lang))
        (st.success if kind == "success" else st.error)(text)
    versions = registry.versions(None if account.role == "regional_admin" else account.country)
    if versions.empty:
        st.info(t("submit.submissions_none", lang))
        return
    table = versions[["submission_id", "country", "version", "status", "row_count", "file_name", "submitted_by",
                      "submitted_at", "status_changed_at"]].copy()
    table["status"] = table["status"].map(lambda s: t(f"submit.status_{s}", lang))
    table.columns = [t(f"submit.col_{c}", lang) for c in
                     ("dataset", "country", "version", "status", "rows", "file", "by", "date", "changed")]
    st.dataframe(table, hide_index=True, width="stretch", key="submit_versions_table")
    if account.role == "regional_admin":
        _render_manage(versions, lang)


def _render_manage(versions: pd.DataFrame, lang: str) -> None:
    options = [f"{r.submission_id}|{r.version}" for r in versions.itertuples(index=False)]
    labels = {f"{r.submission_id}|{r.version}":
              f"{r.submission_id} v{r.version} — {t(f'submit.status_{r.status}', lang)}"
              for r in versions.itertuples(index=False)}
    st.selectbox(t("submit.manage_version", lang), options, format_func=labels.get, key="submit_manage")
    a, b = st.columns(2)
    a.button(t("submit.publish", lang), key="submit_publish", on_click=_change_status, args=("publish",),
             type="primary")
    b.button(t("submit.withdraw", lang), key="submit_withdraw", on_click=_change_status, args=("withdraw",))
