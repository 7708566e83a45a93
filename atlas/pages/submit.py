"""Submit data: focal points sign in, download a template, upload, read the report, follow versions."""

import streamlit as st

from atlas.core import ui, urlstate
from atlas.core.i18n import translator
from atlas.submit import loaders as data
from atlas.submit import views as submit_ui

lang = ui.current_lang()
_ = translator(lang)
titles = data.kind_titles(lang)
TEMPLATE = urlstate.choice("template", list(titles), next(iter(titles)), label=titles.get)

problems = urlstate.sync_from_url([TEMPLATE], "submit")
ui.render_header(_("submit.title"), _("submit.caption"))
ui.render_problems(problems, lang)
registry = data.registry()
account = submit_ui.signed_in_account()

submit_ui.render_published(lang)
st.divider()
submit_ui.render_templates(lang, account.country if account else None)
urlstate.write_to_url([TEMPLATE], "submit")
st.divider()
if account is None:
    submit_ui.render_sign_in(registry, lang)
else:
    submit_ui.render_account(account, lang)
    upload, versions = st.tabs([_("submit.tab_upload"), _("submit.tab_submissions")])
    with upload:
        submit_ui.render_upload(registry, account, lang)
    with versions:
        submit_ui.render_submissions(registry, account, lang)
ui.render_footer(lang)
