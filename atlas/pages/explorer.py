"""The data explorer: cross-tabulate any measure of the store, or a record-level dataset."""

from atlas.core import ui, urlstate
from atlas.core.freshness import data_stamp
from atlas.core.i18n import translator
from atlas.explorer import loaders, params, views

lang = ui.current_lang()
_ = translator(lang)
ui.render_header(_("explorer.title"), _("explorer.caption"))
with ui.needs_data(lang):
    stamp = data_stamp()
    sources = loaders.sources(stamp)

SOURCE = params.source_param(sources, lang)
problems = urlstate.sync_from_url([SOURCE], "explorer_source")
source = views.render_source(sources, lang)
catalogue = loaders.catalogue(source, stamp)
specs = params.build_params(catalogue)
if views.prepare_view(specs, catalogue, source):
    problems += urlstate.sync_from_url(specs, "explorer")
    problems += views.check_link(catalogue)
ui.render_problems(problems, lang)
views.render_banners(catalogue, lang)
spec = views.render_query_form(catalogue, stamp, lang)

result, query_problems = loaders.crosstab_of(spec, stamp)
if result is None:
    views.render_problems(query_problems, lang)
else:
    views.render_result(result, stamp, lang)

urlstate.write_to_url([SOURCE], "explorer_source")
urlstate.write_to_url(specs, "explorer")
views.drop_stale_filters(specs)
views.remember_link()
ui.render_footer(lang)
