"""Data and sources: every public dataset with licence, attribution and coverage; every indicator
with its definition, unit, levels, sources and comparability note."""

import streamlit as st

from atlas.core import ui
from atlas.core.i18n import translator
from atlas.core.loaders import catalogue
from atlas.core.loaders import datasets as load_datasets
from geodata import DataNotBuiltError

lang = ui.current_lang()
_ = translator(lang)
ui.render_header(_("sources.title"), _("sources.caption"))

try:
    datasets = load_datasets()
except DataNotBuiltError as err:
    ui.render_missing_data(err, lang)

st.subheader(_("sources.datasets_heading", count=len(datasets)))
table = datasets.assign(kind=datasets["kind"].map(lambda k: _(f"sources.kind_{k}") if k in ("source", "submission")
                                                  else k))
st.dataframe(
    table[[f"title_{lang}", "dataset_id", "publisher", "licence", "licence_url", "attribution", "coverage",
           "revision", "retrieved", "kind"]].rename(columns={
        f"title_{lang}": _("sources.col_dataset"), "dataset_id": _("sources.col_id"),
        "publisher": _("sources.col_publisher"), "licence": _("sources.col_licence"),
        "licence_url": _("sources.col_licence_url"), "attribution": _("sources.col_attribution"),
        "coverage": _("sources.col_coverage"), "revision": _("sources.col_revision"),
        "retrieved": _("sources.col_retrieved"), "kind": _("sources.col_kind")}),
    hide_index=True, width="stretch", key="sources_datasets",
    column_config={_("sources.col_licence_url"): st.column_config.LinkColumn()},
)
st.caption(_("sources.mmp_note"))
for row in datasets.itertuples(index=False):
    caveats = getattr(row, f"caveats_{lang}")
    if caveats:
        with st.expander(f"{_('sources.caveats')}: {getattr(row, f'title_{lang}')}"):
            st.write(caveats)
            st.caption(f"{_('sources.col_origin')}: {row.origin}")

cat = catalogue()
st.subheader(_("sources.indicators_heading", count=len(cat.indicators)))
titles = dict(zip(datasets["dataset_id"], datasets[f"title_{lang}"]))
for theme, ids in cat.by_theme().items():
    st.markdown(f"#### {cat.themes[theme][lang]}")
    for ind_id in ids:
        ind = cat.get(ind_id)
        with st.expander(ind.name(lang)):
            st.markdown(f"**{_('sources.definition')}.** {ind.text('definition', lang)}")
            st.markdown(f"**{_('sources.unit')}:** {ind.unit_label(lang)} · **{_('sources.levels')}:** "
                        + ", ".join(_(f"sources.level_{lv}") for lv in ind.levels))
            st.markdown(f"**{_('sources.comparability')}.** {ind.text('comparability', lang)}")
            for spec in ind.levels.values():
                population = spec.population_es if lang == "es" else spec.population_en
                if population:
                    st.markdown(f"**{_('sources.population')}.** {population}")
            st.markdown(f"**{_('sources.sources')}:** " + "; ".join(titles.get(d, d) for d in ind.datasets))
            st.markdown(f"[{_('sources.open_map')}](map?indicator={ind.id}&lang={lang})")

ui.render_footer(lang)
