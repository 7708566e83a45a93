"""Draw the "Articles and bulletins" page: the list of publications and one publication as a native page.

Text from the store (names, numbers, alt texts, "no data" wording) is shown as plain text; only the project's
own articles are rendered as Markdown. Every number keeps its footnote marker; the numbered sources close
the page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import streamlit as st

from atlas.core.downloads import Download, render_downloads
from atlas.core.i18n import t
from atlas.publications import loaders, params
from publications import Publication, PublicationEntry, Section
from publications.render import NOTE_COLUMN, NUMERIC_FROM

PICTURE_WIDTH = {"map": 880, "flows": 880, "chart": 760}  # px on a wide screen (the image is 2x: sharp)
PAGE_STYLE = """
<style>
/* headline figures: the whole number and label, wrapped, never cut with an ellipsis */
[class*="st-key-pub_figures"] [data-testid="stMetric"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
[class*="st-key-pub_figures"] [data-testid="stMetricValue"] { font-size: 1.7rem !important; line-height: 1.15; }
/* pictures never wider than the screen (they are drawn at 2x, so they stay sharp when scaled down) */
[data-testid="stImageContainer"], [data-testid="stImage"] img { max-width: 100% !important; height: auto !important; }
/* on a phone the app's header bar covers the page title: leave it room; a publication's title stays modest */
@media (max-width: 640px) { .block-container { padding-top: 3.6rem !important; }
  h2 { font-size: 1.5rem !important; } }
</style>
"""


def render_page_style() -> None:
    """The page's own small style (wrapped headline figures; room for the title on a phone)."""
    st.html(PAGE_STYLE)


KIND_ICONS = {"bulletin": ":material/article:", "factsheet": ":material/image:", "article": ":material/edit_note:"}


# --------------------------------------------------------------------------- downloads


def build_downloads(kind: str, area: str, year: int | None, slug: str, lang: str) -> list[Download]:
    """The files of one publication, each built only when its button is clicked."""
    stem = params.file_stem(kind, area, year, slug, lang)
    if kind == "bulletin":
        return [
            Download(
                t("publications.download_bulletin_pdf", lang),
                functools.partial(loaders.build_bulletin_pdf, area, year, lang),
                f"{stem}.pdf",
            )
        ]
    if kind == "article":
        return [
            Download(
                t("publications.download_article_pdf", lang),
                functools.partial(loaders.build_article_pdf, slug, lang),
                f"{stem}.pdf",
            )
        ]
    return [
        Download(
            t(f"publications.download_factsheet_{fmt}", lang),
            functools.partial(loaders.build_factsheet, area, year, lang, fmt),
            f"{stem}.{fmt}",
        )
        for fmt in ("png", "svg", "pdf")
    ]


def render_publication_downloads(kind: str, area: str, year: int | None, slug: str, lang: str) -> None:
    """The open publication's download buttons."""
    render_downloads(build_downloads(kind, area, year, slug, lang), "dl_open", primary=True)
    if kind == "bulletin":  # its fact sheet, one click away
        render_downloads(build_downloads("factsheet", area, year, slug, lang), "dl_open_sheet")


# --------------------------------------------------------------------------- the list


def render_entry(
    entry: PublicationEntry, lang: str, names: Mapping[str, str], on_open: Callable[[PublicationEntry], None]
) -> None:
    """One publication of the list: kind, title, what it covers, its data version, open and download buttons."""
    with st.container(border=True, key=f"entry_{entry.slug}"):
        st.caption(t(f"publications.kind_{entry.kind}", lang) + (f" · {entry.date}" if entry.date else ""))
        st.markdown(f"**{params.escape_markdown(entry.title)}**")
        if entry.summary:
            st.markdown(params.escape_markdown(entry.summary))
        if entry.kind == "article":
            st.caption(
                t("publications.countries", lang, countries=", ".join(names.get(c, c) for c in entry.countries))
                + " · "
                + " · ".join(entry.tags)
            )
        st.caption(t("publications.data_version", lang, version=entry.data_version))
        st.button(
            t(f"publications.open_{entry.kind}", lang),
            key=f"open_{entry.slug}",
            on_click=on_open,
            args=(entry,),
            icon=KIND_ICONS.get(entry.kind),
            type="primary",
        )
        render_downloads(build_downloads(entry.kind, entry.area, entry.year, entry.slug, lang), f"dl_{entry.slug}")


def render_list(
    entries: list[PublicationEntry],
    lang: str,
    names: Mapping[str, str],
    on_open: Callable[[PublicationEntry], None],
    columns: int = 3,
) -> None:
    """The entries in a grid of cards (one column on a phone)."""
    st.caption(t("publications.count", lang, count=len(entries)))
    if not entries:
        st.info(t("publications.none_found", lang), icon=":material/filter_alt_off:")
        return
    for start in range(0, len(entries), columns):
        cols = st.columns(columns)
        for col, entry in zip(cols, entries[start : start + columns]):
            with col:
                render_entry(entry, lang, names, on_open)


# --------------------------------------------------------------------------- one publication


def render_cover(pub: Publication, lang: str) -> None:
    """Title, subtitle, data version, generation date and the citation line."""
    st.header(params.escape_markdown(pub.title), anchor=False)
    if pub.subtitle:
        st.markdown(params.escape_markdown(pub.subtitle))
    lines = []
    if pub.meta.get("authors"):
        lines.append(t("publications.authors", lang, authors=", ".join(pub.meta["authors"])))
    lines += [
        t("publications.data_version", lang, version=pub.data_version),
        t("publications.generated", lang, date=pub.generated),
    ]
    st.caption(params.escape_markdown(" · ".join(lines)))
    st.caption(f"*{t('publications.cite_as', lang)}:* {params.escape_markdown(pub.citation)}")


def render_figures(section: Section, lang: str, key: str) -> None:
    """Headline figures as metrics: the formatted number with its source markers, the change, the period."""
    with st.container(key=f"pub_figures_{key}"):
        per_row = min(3, len(section.figures))
        for i, fig in enumerate(section.figures):
            if i % per_row == 0:  # one row of columns at a time: a phone stacks them in reading order
                cols = st.columns(per_row)
            with cols[i % per_row]:
                label = f"{fig.label}\u00a0{params.note_marks(fig.notes)}" if fig.notes else fig.label
                helps = [t("publications.period", lang, period=fig.period)] if fig.period else []
                if fig.remark:
                    helps.append(fig.remark)
                signed = fig.change[:1] in ("+", "-", "−")
                st.metric(
                    label,
                    fig.text,
                    delta=fig.change or None,
                    delta_color="off",
                    delta_arrow="auto" if signed else "off",
                    delta_description=(fig.remark or None) if fig.change else None,
                    help=params.escape_markdown(" · ".join(helps)) if helps else None,
                    border=True,
                )
                if fig.remark and not fig.change:
                    st.caption(params.escape_markdown(fig.remark))


def render_picture(section: Section, index: int, lang: str) -> None:
    """A picture (PNG at 2x) with its title and source markers, its text alternative as caption, and a link to
    the interactive view."""
    picture = section.pictures[index]
    st.markdown(f"**{params.escape_markdown(picture.title)}** {params.note_marks(picture.notes)}")
    st.image(
        picture.png,
        caption=params.escape_markdown(picture.alt),
        alt=picture.alt,
        width=PICTURE_WIDTH.get(picture.kind, 760),
    )
    link = params.parse_view_link(picture.url) if picture.url else None
    if link:
        page, query = link
        st.page_link(
            page,
            label=t("publications.picture_open", lang),
            icon=":material/open_in_new:",
            query_params={**query, "lang": lang},
        )


def render_missing(section: Section, lang: str) -> None:
    """What the section has no data for, in words (never an empty chart)."""
    items = "\n".join(f"- {params.escape_markdown(m)}" for m in section.missing)
    title = "" if section.kind == "gaps" else f"**{t('publications.no_data_title', lang)}**\n\n"
    st.info(title + items, icon=":material/info:")


def render_section(section: Section, lang: str, trusted: bool, key: str) -> None:
    """One section: heading, text, figures, tables, pictures (or body blocks in order), then its gaps."""
    if section.title:
        st.subheader(params.escape_markdown(section.title), anchor=False)
    for paragraph in section.paragraphs:
        st.markdown(params.build_markdown(paragraph, trusted))
    if section.figures:
        render_figures(section, lang, key)
    if section.body:
        for block in section.body:
            if block.type == "picture" and 0 <= block.picture < len(section.pictures):
                render_picture(section, block.picture, lang)
            elif block.type == "heading":
                st.markdown(f"#### {params.build_markdown(block.text, trusted)}")
            elif block.type == "list":
                st.markdown("\n".join(f"- {params.build_markdown(item, trusted)}" for item in block.items))
            else:
                st.markdown(params.build_markdown(block.text, trusted))
    else:
        pictures = list(range(len(section.pictures)))
        if section.kind == "map":
            for i in pictures:
                render_picture(section, i, lang)
        for j, table in enumerate(section.tables):
            col = NOTE_COLUMN.get(section.kind, len(table.columns) - 1)
            columns = [
                f"{c} {params.note_marks(table.column_notes[i])}".strip() if i < len(table.column_notes) else c
                for i, c in enumerate(table.columns)
            ]
            if table.caption:
                st.markdown(f"**{params.escape_markdown(table.caption)}**")
            frame = params.build_table_frame(columns, table.rows, table.notes, col if col >= 0 else len(columns))
            numeric = NUMERIC_FROM.get(section.kind, len(columns) - 1)
            config = {c: st.column_config.TextColumn(alignment="right") for c in list(frame.columns)[numeric:]}
            st.dataframe(frame, hide_index=True, width="stretch", key=f"{key}_table_{j}", column_config=config)
        if section.kind != "map":
            for i in pictures:
                render_picture(section, i, lang)
    if section.missing:
        render_missing(section, lang)
    elif not (section.paragraphs or section.figures or section.tables or section.pictures or section.body):
        st.info(t("publications.no_data_section", lang), icon=":material/info:")


def render_sources(pub: Publication, lang: str) -> None:
    """The numbered source notes every marker points to."""
    if not pub.sources:
        return
    st.subheader(t("publications.sources_title", lang), anchor=False)
    st.markdown("\n".join(f"{s.number}. {params.escape_markdown(s.text(lang))}" for s in pub.sources))


def render_publication(pub: Publication, lang: str) -> None:
    """A bulletin or article drawn natively: cover, sections in order, sources. Articles are project content
    (Markdown); bulletin texts are built from data and shown as plain text."""
    trusted = pub.kind == "article"
    render_cover(pub, lang)
    if pub.meta.get("lead"):
        st.markdown(f"**{params.build_markdown(pub.meta['lead'], trusted)}**")
    for i, section in enumerate(pub.sections):
        render_section(section, lang, trusted, f"pub_s{i}")
    render_sources(pub, lang)


def render_factsheet(area: str, year: int, lang: str, area_name: str) -> None:
    """The fact sheet image of ``area``, drawn once and cached."""
    st.image(
        loaders.build_factsheet(area, year, lang, "png"),
        width="content",
        caption=params.escape_markdown(t("publications.factsheet_alt", lang, area=area_name, year=year)),
        alt=t("publications.factsheet_alt", lang, area=area_name, year=year),
    )
