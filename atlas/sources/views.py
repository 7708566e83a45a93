"""Data and sources: the coverage matrix, the datasets with licence and attribution, the API, the indicators.

``build_*`` are pure (frames and strings in, HTML / frames / Markdown out); ``render_*`` draw. Text that
comes from the store (titles, publishers, licences, attributions, caveats) is data: it is escaped
(``html.escape`` in the matrix, ``etl.textsafe.escape_markdown`` wherever Markdown renders it).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping, Sequence
from urllib.parse import quote, urlsplit

import pandas as pd
import streamlit as st

from api import urls as api_urls
from atlas.core import urlstate
from atlas.core.downloads import Download, render_downloads
from atlas.core.i18n import catalogue as strings_catalogue
from atlas.core.i18n import t
from atlas.sources import params
from etl.formatting import NO_DATA, format_count, is_missing
from etl.textsafe import build_csv_bytes, build_xlsx, escape_markdown, plain_text
from indicators.catalogue import Catalogue
from indicators.coverage import STATUSES, label_matrix

SYMBOLS = {"exists": "●", "partial": "◐", "missing": "○"}
# Okabe–Ito blue and orange (told apart with every colour-vision deficiency), a light grey for gaps;
# each with a text colour of at least 4.5:1 contrast, and a symbol so that colour is never the only cue.
COLOURS = {"exists": ("#0072B2", "#ffffff"), "partial": ("#E69F00", "#000000"), "missing": ("#f3f3f3", "#595959")}
CLASSES = {"exists": "cv-e", "partial": "cv-p", "missing": "cv-m"}
SKIP_TO = "datasets"  # the anchor of the section after the matrix: keyboard users skip its links in one step
LEVEL_KEY = "coverage_level"  # the tabs' state, in the URL: the label of the open level

COVERAGE_STYLE = """
<style>
ul.cv-legend { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; margin: 0 0 .5rem 0 !important; padding: 0 !important;
  list-style: none;
  font-size: .9rem; }
ul.cv-legend li { margin: 0 !important; display: flex; align-items: center; gap: .4rem; }
.cv-key { display: inline-block; width: 1.6rem; height: 1.3rem; line-height: 1.3rem; text-align: center;
  border-radius: .2rem; font-size: .9rem; }
.cv-wrap { overflow: auto; max-height: 68vh; border: 1px solid #d5d5d9; border-radius: .4rem; direction: rtl; }
/* rtl on the scroll box only: a narrow screen opens on the latest years; the table itself reads left to right */
.cv { border-collapse: separate; border-spacing: 0; font-size: .78rem; line-height: 1.15; margin: 0; direction: ltr;
  min-width: 100%; }
.cv th, .cv td { padding: 0; border: 0; border-right: 1px solid #fff; border-bottom: 1px solid #fff; }
.cv thead th { position: sticky; top: 0; z-index: 2; background: #fff; color: #31333f; font-weight: 600;
  font-size: .68rem; padding: .3rem .05rem; min-width: 1.9rem; text-align: center; border-bottom: 1px solid #d5d5d9; }
.cv thead th.cv-corner { left: 0; z-index: 3; text-align: left; padding-left: .5rem; }
.cv th.cv-row { position: sticky; left: 0; z-index: 1; background: #fff; color: #31333f; font-weight: 400;
  text-align: left; padding: .15rem .5rem; min-width: 13rem; max-width: 17rem; white-space: normal;
  border-right: 1px solid #d5d5d9; }
.cv th.cv-group { position: sticky; left: 0; z-index: 1; background: #eef0f4; color: #1f2330; font-weight: 700;
  text-align: left; padding: .3rem .5rem; border-right: 1px solid #d5d5d9; }
.cv td.cv-fill { background: #eef0f4; }
.cv td { text-align: center; }
.cv td a { display: block; min-width: 1.9rem; height: 1.45rem; line-height: 1.45rem; text-decoration: none;
  color: inherit; font-size: .8rem; }
.cv td a:hover { outline: 2px solid #1f2330; outline-offset: -2px; }
.cv td a:focus-visible { outline: 3px solid #1f2330; outline-offset: -3px; }
/* what a cell says, on hover and on keyboard focus, drawn from its aria-label (no second copy in the page) */
.cv td { position: relative; }
.cv td a:hover::after, .cv td a:focus-visible::after { content: attr(aria-label); position: absolute; top: 100%;
  left: 0; z-index: 4; background: #1f2330; color: #fff; padding: .2rem .45rem; border-radius: .2rem;
  white-space: nowrap;
  font-size: .75rem; line-height: 1.3; pointer-events: none; }
.cv td:nth-last-child(-n+8) a:hover::after, .cv td:nth-last-child(-n+8) a:focus-visible::after { left: auto; right: 0; }
.cv tr:last-child td a:hover::after, .cv tr:last-child td a:focus-visible::after { top: auto; bottom: 100%; }
.cv-e { background: #0072B2; color: #ffffff; } .cv-p { background: #E69F00; color: #000000; }
.cv-m { background: #f3f3f3; color: #595959; }
.cv-skip { position: absolute; left: -9999px; } .cv-skip:focus { position: static; display: inline-block;
  margin-bottom: .3rem; padding: .2rem .5rem; outline: 3px solid #1f2330; }
.cv-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 640px) { .cv th.cv-row { min-width: 8.5rem; max-width: 9.5rem; font-size: .72rem; }
  .cv-wrap { max-height: 62vh; } }
</style>
"""


# --- the coverage matrix ------------------------------------------------------------------------


def build_status_words(lang: str) -> dict[str, str]:
    return {s: t(f"sources.status_{s}", lang) for s in STATUSES}


def build_cell_title(row: Mapping[str, object], lang: str) -> str:
    """What a cell says on hover and to a screen reader: year, status, how many indicators, why partial."""
    status = str(row["status"])
    parts = [f"{row['year']}: {t(f'sources.status_{status}', lang)}"]
    if status != "missing":
        parts.append(t("sources.cell_indicators", lang, n=format_count(row["n_indicators"], lang)))
        if status == "partial":
            parts.append(str(row[f"reason_{lang}"]).rstrip("."))
        if row["level"] == "admin1" and int(row["units"] or 0) > 0:
            parts.append(
                t(
                    "sources.cell_units",
                    lang,
                    have=format_count(row["units_with_data"], lang),
                    total=format_count(row["units"], lang),
                )
            )
        parts.append(t("sources.cell_open_map", lang))
    else:
        parts.append(t("sources.cell_submit", lang))
    return " · ".join(parts)


def build_row_cells(row: Sequence[Mapping[str, object] | None], years: Sequence[int], lang: str) -> list[str]:
    """The cells of one country-theme row: a filled cell per year (its own link to its map view); a run of
    consecutive gaps as one cell spanning its years, linked once to the submission page; years outside the
    matrix (``None``) as a gap with no link. One link per gap run keeps the page light and a keyboard user's
    tab path short."""
    out: list[str] = []
    i = 0
    while i < len(row):
        cell = row[i]
        status = "missing" if cell is None else str(cell["status"])
        if status != "missing":
            label = html.escape(build_cell_title(cell, lang))
            href = html.escape(params.page_link(str(cell["link"])))
            out.append(
                f'<td class="{CLASSES[status]}"><a href="{href}" aria-label="{label}">{SYMBOLS[status]}</a></td>'
            )
            i += 1
            continue
        j = i
        while (
            j + 1 < len(row)
            and (row[j + 1] is None) == (cell is None)
            and (row[j + 1] is None or str(row[j + 1]["status"]) == "missing")
        ):
            j += 1
        span = f' colspan="{j - i + 1}"' if j > i else ""
        years_text = f"{years[i]}–{years[j]}" if j > i else f"{years[i]}"
        if cell is None:  # outside the matrix: a gap with no link
            out.append(f'<td class="cv-m"{span} title="{years_text}">{SYMBOLS["missing"]}</td>')
        else:
            label = html.escape(build_cell_title({**cell, "year": years_text}, lang))
            href = html.escape(params.page_link(str(cell["link"])))
            out.append(f'<td class="cv-m"{span}><a href="{href}" aria-label="{label}">{SYMBOLS["missing"]}</a></td>')
        i = j + 1
    return out


def build_coverage_html(
    matrix: pd.DataFrame,
    level: str,
    years: tuple[int, int],
    countries: Mapping[str, str],
    themes: Mapping[str, str],
    lang: str,
) -> str:
    """The matrix of one level as an accessible HTML table: a row group per country (in ``countries``' order),
    a row per theme (in ``themes``' order), a column per year; each cell a link with a symbol and a label.

    ``countries``: ``{code: name}``; ``themes``: ``{theme: name}``; every text is escaped.
    """
    first, last = years
    part = matrix[(matrix["level"] == level) & matrix["year"].between(first, last)]
    cells = {(r["country"], r["theme"], int(r["year"])): r for r in part.to_dict("records")}
    year_list = list(range(first, last + 1))
    head = "".join(f'<th scope="col">{y}</th>' for y in year_list)
    caption = t(
        "sources.coverage_caption", lang, level=t(f"sources.coverage_level_{level}", lang), first=first, last=last
    )
    out = [
        f'<a class="cv-skip" href="#{SKIP_TO}">{html.escape(t("sources.coverage_skip", lang))}</a>',
        f'<div class="cv-wrap" tabindex="0" role="region" aria-label="{html.escape(caption)}">',
        f'<table class="cv" data-level="{level}"><caption class="cv-sr">{html.escape(caption)}</caption>',
        f'<thead><tr><th scope="col" class="cv-corner">{html.escape(t("sources.coverage_corner", lang))}</th>'
        f"{head}</tr></thead>",
    ]
    for code, name in countries.items():
        out.append(
            f'<tbody><tr><th scope="rowgroup" class="cv-group" id="cv-{level}-{html.escape(code)}">'
            f'{html.escape(name)}</th><td class="cv-fill" colspan="{len(year_list)}"></td></tr>'
        )
        for theme, theme_name in themes.items():
            row = [
                f'<tr data-country="{html.escape(code)}" data-theme="{html.escape(theme)}">'
                f'<th scope="row" class="cv-row">{html.escape(theme_name)}</th>'
            ]
            row.extend(build_row_cells([cells.get((code, theme, year)) for year in year_list], year_list, lang))
            row.append("</tr>")
            out.append("".join(row))
        out.append("</tbody>")
    out.append("</table></div>")
    return "".join(out)


def build_legend_html(lang: str) -> str:
    items = []
    for status in STATUSES:
        items.append(
            f'<li><span class="cv-key {CLASSES[status]}" aria-hidden="true">{SYMBOLS[status]}</span>'
            f"<span>{html.escape(t(f'sources.legend_{status}', lang))}</span></li>"
        )
    return f'<ul class="cv-legend" aria-label="{html.escape(t("sources.legend", lang))}">' + "".join(items) + "</ul>"


def compute_status_counts(matrix: pd.DataFrame, level: str, years: tuple[int, int]) -> dict[str, int]:
    part = matrix[(matrix["level"] == level) & matrix["year"].between(*years)]
    counts = part["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def build_coverage_download(
    matrix: pd.DataFrame, catalogue: Catalogue, names: Mapping[str, str], lang: str, version: str
) -> pd.DataFrame:
    """The downloadable matrix: codes and names, status in words, the reason, the link, the data version."""
    labelled = label_matrix(matrix, catalogue, {code: {lang: name} for code, name in names.items()}, lang)
    labelled["link"] = labelled["link"].map(params.page_link)
    return labelled.assign(data_version=version)


def build_matrix_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    return build_csv_bytes(frame) if fmt == "csv" else build_xlsx({"coverage": frame})


def render_coverage(
    matrix: pd.DataFrame, catalogue: Catalogue, countries: Mapping[str, str], lang: str, version: str
) -> None:
    """Legend, the year range, a tab per level with its matrix and counts, and the downloads."""
    filled = matrix.loc[matrix["status"] != "missing", "year"]
    bounds = (int(matrix["year"].min()), int(matrix["year"].max())) if not matrix.empty else (2000, 2025)
    window = params.compute_default_window(
        matrix.loc[(matrix["status"] != "missing") & (matrix["level"] == "country"), "year"], bounds
    )
    spec = urlstate.year_range("years", bounds[0], bounds[1], window)
    problems = urlstate.sync_from_url([spec], "sources")
    for problem in problems:
        st.warning(problem.message(lang), icon=":material/link_off:")
    if filled.empty:
        st.info(t("sources.coverage_empty", lang))
    st.html(COVERAGE_STYLE + build_legend_html(lang))
    st.select_slider(
        t("sources.coverage_years", lang),
        options=list(range(bounds[0], bounds[1] + 1)),
        value=window,  # a range: without it a rerun reads the slider back as one year (Streamlit 1.67)
        key="years",
        help=t("sources.coverage_years_help", lang),
    )
    urlstate.write_to_url([spec], "sources")
    years = tuple(int(y) for y in st.session_state["years"])
    themes = {theme: names(lang) for theme, names in catalogue.themes.items()}
    # Only the open tab's matrix is built and sent (on_change="rerun" makes the tabs lazy).
    tabs = st.tabs(
        [t(f"sources.coverage_level_{lv}", lang) for lv in params.LEVELS], key=LEVEL_KEY, bind="query-params"
    )
    for tab, level in zip(tabs, params.LEVELS):
        if not tab.open:
            continue
        with tab:
            counts = compute_status_counts(matrix, level, years)
            st.caption(
                t(f"sources.coverage_note_{level}", lang)
                + " "
                + t(
                    "sources.coverage_counts",
                    lang,
                    exists=format_count(counts["exists"], lang),
                    partial=format_count(counts["partial"], lang),
                    missing=format_count(counts["missing"], lang),
                    first=years[0],
                    last=years[1],
                )
            )
            st.html(build_coverage_html(matrix, level, years, countries, themes, lang))
    frame = functools.partial(build_coverage_download, matrix, catalogue, countries, lang, version)
    render_downloads(
        [
            Download(
                t("sources.download_csv", lang), lambda: build_matrix_bytes(frame(), "csv"), "coverage_matrix.csv"
            ),
            Download(
                t("sources.download_xlsx", lang), lambda: build_matrix_bytes(frame(), "xlsx"), "coverage_matrix.xlsx"
            ),
        ],
        key="sources_coverage",
    )
    st.caption(t("sources.download_note", lang, version=version))


# --- the datasets --------------------------------------------------------------------------------


@functools.cache
def licence_translations() -> dict[str, str]:
    """``{English licence note: Spanish}`` from the ``sources.licence_*`` strings (the project's own notes)."""
    return {
        texts["en"]: texts["es"] for key, texts in strings_catalogue().items() if key.startswith("sources.licence_")
    }


def translate_licence(text: object, lang: str) -> str:
    """A licence note in ``lang`` when it is one of the project's notes; a publisher's own text as it is."""
    text = "" if is_missing(text) else str(text)
    return licence_translations().get(text, text) if lang == "es" else text


def safe_link_target(url: object) -> str | None:
    """``url`` made safe for a Markdown link (``http``/``https`` only, spaces and brackets encoded), or None."""
    if is_missing(url):
        return None
    url = plain_text(url).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def md_text(value: object) -> str:
    """Store text for a Markdown-rendering cell: escaped, and ``NO_DATA`` when blank."""
    return NO_DATA if is_missing(value) else escape_markdown(value)


def build_licence_cell(licence: object, url: object, lang: str) -> str:
    text = translate_licence(licence, lang)
    target = safe_link_target(url)
    if not text:
        return f"[{t('sources.col_licence_url', lang)}]({target})" if target else NO_DATA
    return f"[{escape_markdown(text)}]({target})" if target else escape_markdown(text)


def build_datasets_table(datasets: pd.DataFrame, lang: str) -> pd.DataFrame:
    """What a reader needs before reusing a dataset, readable without scrolling sideways on a phone too: title and
    publisher, licence (linked to its text) and the attribution to give. Human column names, ``NO_DATA`` for blanks."""
    dataset = t("sources.col_dataset_publisher", lang)
    rows = [
        {
            dataset: f"**{md_text(r[f'title_{lang}'])}**  \n{md_text(r['publisher'])}",
            t("sources.col_licence", lang): build_licence_cell(r["licence"], r["licence_url"], lang),
            t("sources.col_attribution", lang): md_text(r["attribution"]),
        }
        for r in datasets.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=[dataset, t("sources.col_licence", lang), t("sources.col_attribution", lang)])


def build_api_links(dataset_id: str, version_id: str | None, lang: str) -> str:
    """A dataset's "get it through the API" line in Markdown (the URLs are built by ``api.urls``)."""
    cite = " · ".join(
        f"[{t('sources.cite_' + style.replace('-', '_'), lang)}]"
        f"({api_urls.citation_url(dataset_id, style, version=version_id)})"
        for style in api_urls.CITATION_STYLES
    )
    return (
        f"**{t('sources.api_dataset', lang)}:** [JSON]({api_urls.dataset_url(dataset_id, fmt='json')}) · "
        f"[CSV]({api_urls.dataset_url(dataset_id, fmt='csv')}) · "
        f"[{t('sources.api_sdmx', lang)}]({api_urls.sdmx_data_url(dataset_id)}) · "
        f"**{t('sources.api_cite', lang)}:** {cite}"
    )


def build_dataset_details(row: Mapping[str, object], lang: str) -> list[str]:
    """The details of one dataset as Markdown lines: identifier, kind, coverage, revision, retrieval, rows, origin."""
    kind = str(row.get("kind") or "")
    kind_text = t(f"sources.kind_{kind}", lang) if kind in ("source", "submission") else md_text(kind)
    fields = [
        ("col_id", f"`{plain_text(row['dataset_id'])}`"),
        ("col_kind", kind_text),
        ("col_coverage", md_text(row.get("coverage"))),
        ("col_revision", md_text(row.get("revision"))),
        ("col_retrieved", md_text(row.get("retrieved"))),
        ("col_rows", NO_DATA if is_missing(row.get("row_count")) else format_count(row["row_count"], lang)),
        ("col_origin", md_text(row.get("origin"))),
    ]
    return [f"**{t(f'sources.{key}', lang)}:** {value}" for key, value in fields]


def render_datasets(datasets: pd.DataFrame, version_id: str | None, lang: str) -> None:
    st.table(build_datasets_table(datasets, lang), hide_index=True, alt=t("sources.datasets_alt", lang))
    st.caption(t("sources.mmp_note", lang))
    st.markdown(f"**{t('sources.details_heading', lang)}**")
    for row in datasets.to_dict("records"):
        with st.expander(plain_text(row[f"title_{lang}"])):
            st.markdown("  \n".join(build_dataset_details(row, lang)))
            caveats = row.get(f"caveats_{lang}")
            if not is_missing(caveats):
                st.markdown(f"**{t('sources.caveats', lang)}:** {escape_markdown(caveats)}")
            st.markdown(build_api_links(str(row["dataset_id"]), version_id, lang))


# --- the API -----------------------------------------------------------------------------------


def split_version(version: str) -> str | None:
    """The id (content hash) of ``"<build time> · <hash>"``; None when the store states no hash."""
    head, sep, tail = version.rpartition(" · ")
    return tail.strip() if sep and tail.strip() else None


def render_api(version: str, lang: str) -> None:
    st.markdown(t("sources.api_intro", lang))
    with st.container(horizontal=True, gap="small", key="sources_api_links"):
        st.link_button(t("sources.api_docs", lang), api_urls.docs_url(), icon=":material/menu_book:")
        st.link_button(
            t("sources.api_datasets_json", lang), api_urls.dataset_url(fmt="json"), icon=":material/data_object:"
        )
        st.link_button(t("sources.api_datasets_csv", lang), api_urls.dataset_url(fmt="csv"), icon=":material/table:")
    version_id = split_version(version)
    st.markdown(t("sources.api_version", lang, version=plain_text(version)))
    if version_id:
        st.caption(t("sources.api_version_help", lang, id=version_id))


# --- the indicators ----------------------------------------------------------------------------


def render_indicators(cat: Catalogue, titles: Mapping[str, str], lang: str) -> None:
    """Every indicator by theme: definition, unit, levels, comparability, population, sources, its map."""
    for theme, ids in cat.by_theme().items():
        st.markdown(f"#### {cat.themes[theme](lang)}")
        for ind_id in ids:
            ind = cat.get(ind_id)
            with st.expander(ind.name(lang)):
                st.markdown(f"**{t('sources.definition', lang)}.** {ind.text('definition', lang)}")
                st.markdown(
                    f"**{t('sources.unit', lang)}:** {ind.unit_label(lang)} · **{t('sources.levels', lang)}:** "
                    + ", ".join(t(f"sources.level_{lv}", lang) for lv in ind.levels)
                )
                st.markdown(f"**{t('sources.comparability', lang)}.** {ind.text('comparability', lang)}")
                for spec in ind.levels.values():
                    population = spec.population(lang)
                    if population:
                        st.markdown(f"**{t('sources.population', lang)}.** {population}")
                st.markdown(
                    f"**{t('sources.sources', lang)}:** " + "; ".join(md_text(titles.get(d, d)) for d in ind.datasets)
                )
                st.markdown(f"[{t('sources.open_map', lang)}](map?indicator={ind.id}&lang={lang})")


def render_contents(sections: Sequence[tuple[str, str]]) -> None:
    """A one-line table of contents linking the page's sections."""
    st.markdown(" · ".join(f"[{title}](#{anchor})" for anchor, title in sections))
