"""The data explorer: cross-tabulate any measure of the store, or a record-level dataset."""

from atlas import data_explorer, explorer_widgets as xw, ui, urlstate
from atlas.i18n import translator
from etl.crosstab.spec import query_string
from etl.store import StoreNotBuiltError

lang = ui.current_lang()
_ = translator(lang)
ui.render_header(_("explorer.title"), _("explorer.caption"))
try:
    stamp = data_explorer.store_stamp()
    sources = data_explorer.sources(stamp)
except StoreNotBuiltError as err:
    ui.render_missing_data(err, lang)

SOURCE = xw.source_param(sources, lang)
problems = urlstate.sync_from_url([SOURCE], "explorer_source")
source = xw.render_source(sources, lang)
catalogue = data_explorer.catalogue(source, stamp)
params = xw.build_params(catalogue)
if xw.prepare_view(params, catalogue, source):
    problems += urlstate.sync_from_url(params, "explorer")
    problems += xw.check_link(catalogue)
ui.render_problems(problems, lang)
xw.render_banners(catalogue, lang)
spec = xw.render_query_form(catalogue, stamp, lang)

result, query_problems = data_explorer.crosstab(query_string(spec), stamp)
if result is None:
    xw.render_problems(query_problems, lang)
else:
    xw.render_result(result, stamp, lang)

urlstate.write_to_url([SOURCE], "explorer_source")
urlstate.write_to_url(params, "explorer")
xw.drop_stale_filters(params)
xw.remember_link()
ui.render_footer(lang)
