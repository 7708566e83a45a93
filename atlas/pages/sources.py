"""Data and sources: what the atlas covers (country x theme x year, at country level and admin-1), every
public dataset with its licence and attribution, the API, and every indicator with its definition."""

import streamlit as st

from atlas.core import ui
from atlas.core.freshness import data_stamp
from atlas.core.i18n import translator
from atlas.core.loaders import catalogue, citable_data_version, country_choices
from atlas.core.loaders import datasets as load_datasets
from atlas.sources import loaders, views

lang = ui.current_lang()
_ = translator(lang)
ui.render_header(_("sources.title"), _("sources.caption"))

with ui.needs_data(lang):
    datasets = load_datasets()
    stamp = data_stamp()
    version = citable_data_version(stamp)
    countries = country_choices(lang)
cat = catalogue()
version_id = views.split_version(version)

views.render_contents(
    [
        ("coverage", _("sources.coverage_heading")),
        ("datasets", _("sources.datasets_heading", count=len(datasets))),
        ("api", _("sources.api_heading")),
        ("indicators", _("sources.indicators_heading", count=len(cat.indicators))),
    ]
)

st.subheader(_("sources.coverage_heading"), anchor="coverage")
st.markdown(_("sources.coverage_intro"))
coverage = st.container(key="sources_coverage")  # filled last: the rest of the page shows while it computes

st.subheader(_("sources.datasets_heading", count=len(datasets)), anchor="datasets")
views.render_datasets(datasets, version_id, lang)

st.subheader(_("sources.api_heading"), anchor="api")
views.render_api(version, lang)

st.subheader(_("sources.indicators_heading", count=len(cat.indicators)), anchor="indicators")
views.render_indicators(cat, dict(zip(datasets["dataset_id"], datasets[f"title_{lang}"])), lang)

with coverage:
    with ui.needs_data(lang), st.spinner(_("sources.coverage_loading")):
        matrix = loaders.coverage_matrix(stamp, lang)
    views.render_coverage(matrix, cat, countries, lang, version)

ui.render_footer(lang)
