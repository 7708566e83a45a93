r"""Rendering for the submit page: published list, templates, sign-in, upload and report, versions,
the administrator's review before publishing and the audit log.

Sign-in state lives in ``st.session_state`` only (``submit_account``: the ``Account`` the registry
gave at sign-in); the password never stays in session state after the sign-in attempt. Failed
sign-ins are counted by the registry per account and per client address (not here), and every
rerun of a signed-in page re-checks the account (``Registry.check_session``). The public parts read
only the published files. Text that comes from a submission or a URL is shown through
``etl.textsafe`` (``plain_text`` in tables and ``st.text``; in a Markdown notice as ``literal``, a code span,
because Streamlit still turns an escaped ``https\://host`` into a link).
"""

from __future__ import annotations

import re
from pathlib import PurePath

import pandas as pd
import streamlit as st

import geodata
from atlas.core.downloads import Download, render_downloads
from atlas.core.i18n import t
from atlas.submit import loaders as data
from etl.formatting import NO_DATA, format_count, format_number, format_signed_percent
from etl.submissions import worker
from etl.submissions.auth import Account, PermissionRefused, SignIn
from etl.submissions.limits import bytes_text, load_limits
from etl.submissions.registry import REGISTRY_ERRORS, PublishFailed, Registry, VersionNotFound
from etl.submissions.report import InputError, Report, plural_form
from etl.submissions.review import describe_metadata
from etl.submissions.spec import load_spec
from etl.textsafe import escape_markdown, plain_text

ACCOUNT = "submit_account"
SIGN_IN = "_submit_sign_in"  # the last refused SignIn, shown above the form
ENDED = "_submit_session_ended"  # why the session was ended (user name), shown above the form
NOTICE = "_submit_notice"
LAST = "_submit_last"
AUDIT_LIMIT = 200
UPLOAD_TYPES = ["csv", "txt", "tsv", "xlsx"]
REPORT_COLUMNS = ["severity", "sheet", "row", "column", "value", "message", "fix", "code"]


def _country_label(code: str, lang: str) -> str:
    return f"{geodata.name(code, lang)} ({code})"


# --- shared -------------------------------------------------------------------------------------


def literal(text: object, max_length: int = 200) -> str:
    r"""Untrusted text for a Markdown widget, as an inline code span: shown exactly as sent, on one line.

    Inside a code span nothing is Markdown, HTML, a directive or a link, not even an autolink
    (``escape_markdown`` leaves ``https\://host``, which Streamlit's renderer still links). The fence is
    one backtick longer than the longest run of backticks in the text (CommonMark).
    """
    body = " ".join(plain_text(text, max_length).split())
    if not body:
        return NO_DATA
    fence = "`" * (max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def build_table(frame: pd.DataFrame, names: dict[str, str], lang: str) -> pd.DataFrame:
    """``frame``'s ``names`` columns (in that order) for ``st.dataframe``: headers in ``lang`` (``submit.col_*``),
    untrusted text through ``plain_text``, missing values as ``NO_DATA`` (never "None")."""
    out = pd.DataFrame(index=frame.index)
    for column, label in names.items():
        values = frame[column]
        if pd.api.types.is_integer_dtype(values) and not values.isna().any():
            out[label] = values.astype("int64")  # whole numbers stay numbers (they sort as numbers)
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            out[label] = values.map(lambda v: format_count(v, lang))
        else:
            out[label] = values.map(lambda v: NO_DATA if _missing(v) else plain_text(v, 500))
    return out.reset_index(drop=True)


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value))) or value == ""


def _labels(lang: str, **columns: str) -> dict[str, str]:
    """``{column: its header in lang}`` from ``column=string_key`` pairs."""
    return {column: t(f"submit.col_{key}", lang) for column, key in columns.items()}


def safe_file_stem(name: str) -> str:
    """A file name's stem fit for a download name (letters, digits, ``.-_``; at most 60 characters)."""
    stem = re.sub(r"[^\w.-]+", "_", PurePath(str(name)).stem, flags=re.ASCII).strip("._")
    return stem[:60] or "file"


# --- public -----------------------------------------------------------------------------------


def render_published(lang: str) -> None:
    """The published submissions (never drafts nor withdrawn versions) and their observations."""
    st.subheader(t("submit.published_heading", lang))
    published = data.published_datasets()
    if published.empty:
        st.info(t("submit.published_none", lang))
        return
    table = build_table(
        published,
        {
            "dataset_id": t("submit.col_dataset", lang),
            f"title_{lang}": t("submit.col_title", lang),
            "version": t("submit.col_version", lang),
            "row_count": t("submit.col_rows", lang),
            "publisher": t("submit.col_source", lang),
            "licence": t("submit.col_licence", lang),
            "retrieved": t("submit.col_date", lang),
        },
        lang,
    )
    st.dataframe(table, hide_index=True, width="stretch", key="submit_published_table")
    st.caption(t("submit.published_help", lang))
    render_downloads(
        [
            Download(
                t("submit.published_download", lang), data.published_observations_csv, "pvigm_published_submissions.csv"
            )
        ],
        "submit_published",
    )


def render_templates(lang: str, country: str | None) -> None:
    """Template choice (``?template=`` in the URL) and the two downloads."""
    st.subheader(t("submit.templates_heading", lang))
    st.caption(t("submit.templates_help", lang))
    titles = data.kind_titles(lang)
    left, right = st.columns([3, 1])
    kind = left.selectbox(t("submit.template_kind", lang), list(titles), format_func=titles.get, key="template")
    header_lang = right.segmented_control(
        t("submit.template_lang", lang),
        ["es", "en"],
        key="submit_template_lang",
        format_func={"es": "Español", "en": "English"}.get,
        default=lang,
        required=True,
    )
    stem = f"pvigm_{kind}_{header_lang}{'_' + country if country else ''}"
    render_downloads(
        [
            Download(
                t(f"submit.download_{fmt}", lang),
                lambda fmt=fmt: data.template_bytes(kind, header_lang, fmt, country),
                f"{stem}.{fmt}",
            )
            for fmt in ("xlsx", "csv")
        ],
        "submit_template",
    )


def build_limits_text(lang: str) -> str:
    """The limits of one upload (``etl/submissions/limits.yaml``) in one sentence, in ``lang``."""
    limits = load_limits()
    return t(
        "submit.limits_text",
        lang,
        size=bytes_text(limits.upload_bytes)[lang],
        rows=format_count(limits.rows, lang),
        columns=format_count(limits.columns, lang),
        cell=format_count(limits.cell_characters, lang),
        metadata=format_count(limits.metadata_characters, lang),
        xlsx=bytes_text(limits.xlsx_uncompressed_bytes)[lang],
        in_process=bytes_text(limits.in_process_bytes)[lang],
        minutes=format_number(limits.worker_timeout_seconds / 60, lang, 1, trim=True),
    )


def render_limits(lang: str) -> None:
    st.caption(f"**{t('submit.limits_heading', lang)}.** {build_limits_text(lang)}")


# --- sign-in --------------------------------------------------------------------------------------


def signed_in_account() -> Account | None:
    return st.session_state.get(ACCOUNT)


def _sign_in() -> None:
    """Button callback: one sign-in attempt, counted by the registry; keep the account (never the password)."""
    user, password = st.session_state.get("submit_user", "").strip(), st.session_state.get("submit_password", "")
    st.session_state["submit_password"] = ""
    st.session_state.pop(ENDED, None)
    if not user or not password:
        st.session_state[SIGN_IN] = "empty"
        return
    try:
        result = data.registry().sign_in(user, password, client_address())
    except REGISTRY_ERRORS as err:
        st.session_state[NOTICE] = ("error", "registry_unavailable", {"detail": type(err).__name__})
        return
    if not result.ok:
        st.session_state[SIGN_IN] = result
        return
    st.session_state[ACCOUNT] = result.account
    st.session_state.pop(SIGN_IN, None)


def client_address() -> str | None:
    """The client's IP address as Streamlit knows it (``None`` on localhost, in tests, or when unknown)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else None


def _sign_out() -> None:
    for key in (ACCOUNT, LAST, NOTICE, SIGN_IN, ENDED):
        st.session_state.pop(key, None)


def check_session(registry: Registry) -> Account | None:
    """The signed-in account as the registry holds it now; a session whose account was deactivated,
    locked or had its password changed is signed out here (the sign-in form then says why)."""
    account = signed_in_account()
    if account is None:
        return None
    try:
        current = registry.check_session(account)
    except PermissionRefused as err:
        _end_session(err)
        return None
    except REGISTRY_ERRORS:
        return account  # the registry cannot be read now: every privileged action checks again
    st.session_state[ACCOUNT] = current
    return current


def _end_session(err: PermissionRefused) -> None:
    _sign_out()
    st.session_state[ENDED] = err.params.get("user", "")


def sign_in_text(result: SignIn | str, lang: str) -> tuple[str, str]:
    """What a refused sign-in shows: the registry's message and fix (operator commands kept off the page)."""
    if result == "empty":
        return t("submit.sign_in_empty", lang), ""
    if result.code == "account_locked":
        return result.message(lang), t("submit.account_locked_fix", lang)
    return result.message(lang), result.fix(lang)


def render_sign_in(registry: Registry, lang: str) -> None:
    st.subheader(t("submit.sign_in_heading", lang))
    if registry.account_count() == 0:
        st.info(t("submit.no_accounts", lang), icon=":material/person_add:")
    _render_notice(lang)
    ended = st.session_state.get(ENDED)
    if ended is not None:
        err = PermissionRefused("session_ended", user=escape_markdown(ended, 200))
        st.warning(f"{err.message(lang)} {err.fix(lang)}", icon=":material/logout:")
    refused = st.session_state.get(SIGN_IN)
    if refused is not None:
        message, fix = sign_in_text(refused, lang)
        st.error(f"{message} {fix}".strip(), icon=":material/lock:")
    with st.form("submit_sign_in_form", border=False, enter_to_submit=True):  # both fields sent at once
        st.text_input(t("submit.username", lang), key="submit_user", autocomplete="username")
        st.text_input(
            t("submit.password", lang), key="submit_password", type="password", autocomplete="current-password"
        )
        st.form_submit_button(t("submit.sign_in", lang), key="submit_sign_in", on_click=_sign_in, type="primary")


def render_account(account: Account, lang: str) -> None:
    user = escape_markdown(account.username, 200)
    if account.role == "focal_point":
        st.markdown(t("submit.signed_in_focal", lang, user=user, country=_country_label(account.country, lang)))
    else:
        st.markdown(t("submit.signed_in_admin", lang, user=user))
    st.button(t("submit.sign_out", lang), key="submit_sign_out", on_click=_sign_out)


def render_operator_help(account: Account, lang: str) -> None:
    """The server commands for accounts: for a signed-in regional administrator only, never for visitors."""
    if account.role != "regional_admin":
        return
    with st.expander(t("submit.operator_heading", lang), icon=":material/terminal:"):
        st.markdown(t("submit.operator_help", lang))


def _render_notice(lang: str) -> None:
    notice = st.session_state.pop(NOTICE, None)
    if not notice:
        return
    kind, key, params = notice
    if kind == "message":  # a registry error: (code, params) of messages.yaml, message and fix
        err = PublishFailed(key, **params)
        st.error(f"{err.message(lang)} {err.fix(lang)}")
    elif kind == "success":
        st.success(t(f"submit.{key}", lang, **params))
    else:
        st.error(t(f"submit.{key}", lang, **params))


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
    st.selectbox(
        t("submit.upload_target", lang),
        targets,
        key="submit_target",
        format_func=lambda s: t("submit.target_version", lang, submission=s) if s else t("submit.target_new", lang),
    )
    st.file_uploader(t("submit.upload_file", lang), type=UPLOAD_TYPES, key="submit_file")
    render_limits(lang)
    with st.container(horizontal=True, gap="small", key="submit_upload_buttons"):
        check = st.button(t("submit.check_only", lang), key="submit_check")
        store = st.button(t("submit.check_and_store", lang), key="submit_store", type="primary")
    if check or store:
        bar = st.progress(0.0, text=t("submit.progress_start", lang))

        def progress(stage: str, fraction: float) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=t(f"submit.progress_{stage}", lang))

        run_upload(registry, bool(store), lang, progress)
        bar.empty()
        if store or signed_in_account() is None:  # a new version (or an ended session): redraw the lists
            st.rerun()
    render_last_upload(lang)


def run_upload(registry: Registry, store: bool, lang: str, progress=worker._no_progress) -> None:
    """Validate the uploaded file in the worker (and store it when ``store``); the outcome goes to the session."""
    account, uploaded = signed_in_account(), st.session_state.get("submit_file")
    if account is None:
        return
    if uploaded is None:
        st.session_state[LAST] = {"notice": ("warning", "submit.no_file", {})}
        return
    content, name = uploaded.getvalue(), uploaded.name
    try:
        validation = worker.validate_isolated(content, name, account.country, progress=progress, keep_rows=store)
        if not store:
            st.session_state[LAST] = {"report": validation.report}
            return
        progress("storing", 1.0)
        result = registry.ingest(
            content,
            name,
            account.country,
            account,
            submission_id=st.session_state.get("submit_target") or None,
            validation=validation,
        )
        st.session_state[LAST] = {
            "report": result.validation.report,
            "submission_id": result.submission_id,
            "version": result.version,
        }
    except PermissionRefused as err:
        if err.code == "session_ended":
            _end_session(err)
            return
        st.session_state[LAST] = {"refused": (err.code, err.params)}
    except InputError as err:
        st.session_state[LAST] = {"refused": (err.code, err.params)}
    except REGISTRY_ERRORS as err:
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
        err = PermissionRefused(last["refused"][0], **last["refused"][1])
        st.error(f"{err.message(lang)} {err.fix(lang)}")
        return
    render_report(last["report"], lang)
    if last.get("version"):
        st.success(
            t("submit.stored", lang, submission=last["submission_id"], version=last["version"]),
            icon=":material/task_alt:",
        )


def report_table(report: Report, lang: str) -> pd.DataFrame:
    """The report as a table with headers and severities in ``lang`` (values from the file as plain text)."""
    frame = report.to_frame(lang)[REPORT_COLUMNS]
    frame["severity"] = frame["severity"].map(lambda s: t(f"submit.severity_{s}", lang))
    out = build_table(frame, {c: t(f"submit.col_{c}", lang) for c in REPORT_COLUMNS}, lang)
    return out


def count_text(key: str, n: int, lang: str, **values: object) -> str:
    """The singular or plural form of ``submit.<key>`` for ``n`` ("1 aviso", "3 avisos")."""
    return t(f"submit.{key}_{plural_form(n)}", lang, n=n, **values)


def build_report_summary(report: Report, lang: str) -> str:
    """The line above the report: valid (rows, warnings) or how many errors to fix, singular or plural."""
    warnings = count_text("count_warnings", sum(1 for p in report.problems if p.severity == "warning"), lang)
    if report.valid:
        return t("submit.report_valid", lang, rows=count_text("count_rows", report.rows, lang), warnings=warnings)
    return count_text("report_invalid", report.error_count, lang, errors=report.error_count, warnings=warnings)


def build_report_heading(report: Report, lang: str) -> str:
    """The file's name (as literal text) and the summary, for a Markdown notice."""
    name = t("submit.file_checked", lang, file=literal(report.file, 200))
    return f"{name}: {build_report_summary(report, lang)}"


def render_report(report: Report, lang: str) -> None:
    (st.success if report.valid else st.error)(build_report_heading(report, lang))
    table = report_table(report, lang)
    st.dataframe(table, hide_index=True, width="stretch", key="submit_report_table")
    for code, n in sorted(report.omitted.items()):
        st.warning(count_text("report_omitted", n, lang, code=code))
    stem = f"report_{safe_file_stem(report.file)}"
    render_downloads(
        [
            Download(t("submit.report_download", lang), lambda: report.to_csv(lang), f"{stem}.csv"),
            Download(t("submit.report_download_xlsx", lang), lambda: report.to_xlsx(lang), f"{stem}.xlsx"),
        ],
        "submit_report",
    )


# --- versions, review, publish ------------------------------------------------------------------


def _change_status(action: str) -> None:
    """Button callback (administrators): publish or withdraw the chosen version."""
    account, choice = signed_in_account(), st.session_state.get("submit_manage")
    if account is None or not choice:
        return
    submission_id, version = choice.rsplit("|", 1)
    try:
        getattr(data.registry(), action)(submission_id, int(version), account)
    except PermissionRefused as err:
        if err.code == "session_ended":
            _end_session(err)
        else:
            st.session_state[NOTICE] = ("message", err.code, err.params)
        return
    except (PublishFailed, VersionNotFound) as err:
        st.session_state[NOTICE] = ("message", err.code, err.params)
        return
    except REGISTRY_ERRORS as err:
        st.session_state[NOTICE] = ("error", "registry_unavailable", {"detail": type(err).__name__})
        return
    done = "published_done" if action == "publish" else "withdrawn_done"
    st.session_state[NOTICE] = ("success", done, {"submission": submission_id, "version": version})


def render_submissions(registry: Registry, account: Account, lang: str) -> None:
    """The account's country's versions (all countries for an administrator), with their status."""
    _render_notice(lang)
    versions = registry.versions(None if account.role == "regional_admin" else account.country)
    if versions.empty:
        st.info(t("submit.submissions_none", lang))
        return
    shown = versions.copy()
    shown["status"] = shown["status"].map(lambda s: t(f"submit.status_{s}", lang))
    table = build_table(
        shown,
        _labels(
            lang,
            submission_id="dataset",
            country="country",
            version="version",
            status="status",
            row_count="rows",
            file_name="file",
            submitted_by="by",
            submitted_at="date",
            status_changed_at="changed",
        ),
        lang,
    )
    st.dataframe(table, hide_index=True, width="stretch", key="submit_versions_table")
    if account.role == "regional_admin":
        _render_manage(registry, versions, lang)


def _render_manage(registry: Registry, versions: pd.DataFrame, lang: str) -> None:
    options = [f"{r.submission_id}|{r.version}" for r in versions.itertuples(index=False)]
    labels = {
        f"{r.submission_id}|{r.version}": f"{r.submission_id} v{r.version} — {t(f'submit.status_{r.status}', lang)}"
        for r in versions.itertuples(index=False)
    }
    choice = st.selectbox(t("submit.manage_version", lang), options, format_func=labels.get, key="submit_manage")
    if choice:
        submission_id, version = choice.rsplit("|", 1)
        render_review(registry, submission_id, int(version), lang)
    with st.container(horizontal=True, gap="small", key="submit_manage_buttons"):
        st.button(
            t("submit.publish", lang), key="submit_publish", on_click=_change_status, args=("publish",), type="primary"
        )
        st.button(t("submit.withdraw", lang), key="submit_withdraw", on_click=_change_status, args=("withdraw",))


def review_summary_table(rv, lang: str) -> pd.DataFrame:
    """The review's totals (flagged first) with headers, statuses and numbers in ``lang``; missing as ``NO_DATA``.

    Where and what first (period, territory, comparison), so a narrow screen shows the verdict; the
    measure only when the version holds more than one (the grand totals name it).
    """
    summary = rv.summary
    columns = {
        t("submit.col_period", lang): summary["time_period"].map(plain_text),
        t("submit.col_territory", lang): summary["ref_area"].map(plain_text),
        t("submit.col_review_status", lang): summary["status"].map(lambda s: rv.status_label(s, lang)),
        t("submit.col_this_version", lang): summary["value"].map(lambda v: format_count(v, lang)),
        t("submit.col_previous", lang): summary["previous"].map(lambda v: format_count(v, lang)),
        t("submit.col_difference", lang): summary["difference"].map(lambda v: format_count(v, lang)),
        t("submit.col_change", lang): summary["change"].map(
            lambda v: format_signed_percent(v * 100, lang) if not _missing(v) else NO_DATA
        ),
    }
    if summary["measure"].nunique() > 1:
        columns = {t("submit.col_measure", lang): summary["measure"].map(plain_text), **columns}
    return pd.DataFrame(columns).reset_index(drop=True)


def review_sample_table(rv, lang: str) -> pd.DataFrame:
    names = {
        "measure": "measure",
        "ref_area": "territory",
        "counterpart_area": "counterpart",
        "time_period": "period",
        "sex": "sex",
        "age": "age",
        "value": "obs_value",
        "unit": "unit",
        "obs_status": "obs_status",
    }
    labels = {}
    for column in rv.sample.columns:
        if column.startswith("dim_"):
            labels[column] = t("submit.col_dim", lang, n=column.removeprefix("dim_"))
        else:
            labels[column] = t(f"submit.col_{names.get(column, column)}", lang)
    sample = rv.sample.copy()
    spec = load_spec()
    kind = spec.kinds.get(str(rv.metadata.get("kind", "")))
    for col in kind.columns if kind else ():  # the template's own headers and category labels, in lang
        if col.target in sample.columns and col.target not in ("value", "time_period"):
            labels[col.target] = col.header(lang)
            codes = spec.categories.get(col.categories or "", {})
            if col.target == "obs_status":
                codes = spec.statuses
            if codes:
                sample[col.target] = sample[col.target].map(lambda v, c=codes: c[v].label(lang) if v in c else v)
    order = [c for c in ("time_period", *labels) if c in labels]  # period first; one measure is named above
    if "measure" in sample.columns and sample["measure"].nunique() <= 1:
        order.remove("measure")
    return build_table(sample, {c: labels[c] for c in dict.fromkeys(order)}, lang)


def build_grand_totals(rv, lang: str) -> pd.DataFrame:
    """Grand total per measure, now and in the published version compared with."""
    now = {k: v for k, v in rv.totals.items() if " (v" not in k}
    before = {k.split(" (v")[0]: v for k, v in rv.totals.items() if " (v" in k}
    rows = [
        {
            t("submit.col_measure", lang): plain_text(m),
            t("submit.col_this_version", lang): format_count(v, lang),
            t("submit.col_previous", lang): format_count(before.get(m), lang),
        }
        for m, v in sorted(now.items())
    ]
    return pd.DataFrame(rows)


def render_review(registry: Registry, submission_id: str, version: int, lang: str) -> None:
    """What the administrator publishes: metadata, totals compared with the published version, a sample."""
    try:
        rv = registry.review(submission_id, version)
    except (VersionNotFound, *REGISTRY_ERRORS) as err:
        st.warning(t("submit.review_unavailable", lang, detail=type(err).__name__))
        return
    with st.container(border=True, key="submit_review"):
        st.markdown(
            f"#### {t('submit.review_heading', lang, submission=escape_markdown(submission_id), version=version)}"
        )
        if rv.previous_version is None:
            st.info(t("submit.review_first", lang), icon=":material/fiber_new:")
        else:
            flagged = int(rv.summary["flagged"].sum())
            st.caption(t("submit.review_compared", lang, previous=rv.previous_version))
            if flagged:
                st.warning(count_text("review_flagged", flagged, lang), icon=":material/compare_arrows:")
            else:
                st.success(t("submit.review_unchanged", lang))
        st.markdown(f"**{t('submit.review_metadata', lang)}**")
        described = describe_metadata(rv.metadata, lang)  # plain text: never Markdown, never a link
        st.text(
            "\n".join(f"{label}: {value}" for label, value in described)
            if described
            else t("submit.review_metadata_none", lang),
            width="stretch",
        )
        st.markdown(f"**{t('submit.review_grand_totals', lang)}**")
        st.dataframe(build_grand_totals(rv, lang), hide_index=True, width="stretch", key="submit_review_totals")
        st.markdown(f"**{t('submit.review_totals', lang)}**")
        summary = review_summary_table(rv, lang)
        flags = rv.summary["flagged"].reset_index(drop=True)
        styled = summary.style.apply(
            lambda row: ["background-color: #fde2c4; font-weight: 600" if flags[row.name] else "" for _ in row], axis=1
        )
        st.dataframe(styled, hide_index=True, width="stretch", key="submit_review_summary")
        st.markdown(f"**{t('submit.review_sample', lang, n=len(rv.sample), rows=format_count(rv.rows, lang))}**")
        st.dataframe(review_sample_table(rv, lang), hide_index=True, width="stretch", key="submit_review_sample")


# --- audit --------------------------------------------------------------------------------------


def audit_table(events: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The audit events (newest first) with headers and action names in ``lang``."""
    shown = events.copy()
    shown["action"] = shown["action"].map(lambda a: _action_label(a, lang))
    return build_table(
        shown,
        _labels(
            lang, at="at", actor="actor", action="action", submission_id="dataset", version="version", detail="detail"
        ),
        lang,
    )


def _action_label(action: str, lang: str) -> str:
    try:
        return t(f"submit.action_{action}", lang)
    except KeyError:
        return plain_text(action)


def render_audit(registry: Registry, account: Account, lang: str) -> None:
    """The registry's audit log, for a regional administrator only."""
    if account.role != "regional_admin":
        return
    events = registry.audit_events(limit=AUDIT_LIMIT)
    if events.empty:
        st.info(t("submit.audit_none", lang))
        return
    st.caption(t("submit.audit_help", lang, n=AUDIT_LIMIT))
    st.dataframe(audit_table(events, lang), hide_index=True, width="stretch", key="submit_audit_table")
