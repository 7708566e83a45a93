"""Articles and bulletins: every bulletin, fact sheet and article computed from the store, with filters, downloads,
and one publication opened as a page (its URL names it: ?kind=bulletin&area=GTM&year=2023, ?kind=article&slug=…)."""

import streamlit as st

from atlas.core import ui, urlstate
from atlas.core.i18n import translator
from atlas.core.loaders import place_names
from atlas.publications import loaders, params, views

lang = ui.current_lang()
_ = translator(lang)
views.render_page_style()
ui.render_header(_("publications.title"), _("publications.caption"))
with ui.needs_data(lang):
    latest = loaders.latest_year()
    areas = loaders.bulletin_areas()
    slugs = loaders.article_slugs(lang)
    tags = params.collect_tags(loaders.list_entries(lang, latest))
    names = place_names(lang)

if st.query_params.get("article"):  # the address printed in an article's citation
    st.query_params.update({"kind": "article", "slug": st.query_params["article"]})
    del st.query_params["article"]
countries = [a for a in areas if a != "region"]
SPECS = params.build_specs(areas, latest, slugs, countries, tags)
problems = urlstate.sync_from_url(SPECS, "publications")
state = st.session_state
VALID = {
    "country": ["", *countries],
    "tag": ["", *tags],
    "year": params.year_options(latest),
    "type": ["", *params.KINDS],
}
for key, valid in VALID.items():  # a value left by another page (the map's country and year) or language (a tag)
    state[key] = params.settle(state.get(key), valid, next(s.default for s in SPECS if s.key == key))
ui.render_problems(problems, lang)


def _open(entry) -> None:
    state["kind"], state["area"], state["slug"] = entry.kind, entry.area, entry.slug if entry.kind == "article" else ""
    if entry.year:
        state["year"] = str(entry.year)


def _back() -> None:
    state["kind"] = ""


def _area_name(code: str) -> str:
    return _("publications.region") if code == "region" else names.get(code, code)


opened = params.compute_opened(state)
if opened is None:
    f1, f2, f3, f4 = st.columns([1.3, 1.3, 2.2, 1], vertical_alignment="bottom")
    f1.selectbox(
        _("publications.filter_country"),
        ["", *countries],
        key="country",
        format_func=lambda c: names.get(c, c) if c else _("publications.filter_country_all"),
    )
    f2.selectbox(
        _("publications.filter_tag"),
        ["", *tags],
        key="tag",
        format_func=lambda g: g if g else _("publications.filter_tag_all"),
    )
    f3.segmented_control(
        _("publications.filter_type"),
        ["", *params.KINDS],
        key="type",
        required=True,
        format_func=lambda k: _(f"publications.kind_{k}") if k else _("publications.filter_type_all"),
    )
    f4.selectbox(_("publications.filter_year"), params.year_options(latest), key="year")
    urlstate.write_to_url(SPECS, "publications")
    entries = params.filter_entries(
        loaders.list_entries(lang, int(state["year"])), state["country"], state["tag"], state["type"]
    )
    views.render_list(params.sort_entries(entries), lang, names, _open)
else:
    urlstate.write_to_url(SPECS, "publications")
    kind, area, year, slug = opened
    st.button(_("publications.back"), on_click=_back, key="pub_back", icon=":material/arrow_back:")
    views.render_publication_downloads(kind, area, year, slug, lang)
    try:
        with ui.needs_data(lang), st.spinner(_("publications.building")):
            if kind == "bulletin":
                views.render_publication(loaders.load_bulletin(area, year, lang), lang)
            elif kind == "article":
                views.render_publication(loaders.load_article(slug, lang), lang)
            else:
                views.render_factsheet(area, year, lang, _area_name(area))
    except ValueError as err:  # a publication the package refuses (its message says what is valid)
        st.error(_("publications.build_failed", detail=str(err)), icon=":material/error:")

ui.render_footer(lang)
