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
ui.render_problems(problems, lang)  # URL values shown as plain text (urlstate.Problem)
registry = data.registry()
account = submit_ui.check_session(registry)

submit_ui.render_published(lang)
st.divider()
submit_ui.render_templates(lang, account.country if account else None)
urlstate.write_to_url([TEMPLATE], "submit")
st.divider()
if account is None:
    submit_ui.render_sign_in(registry, lang)
else:
    submit_ui.render_account(account, lang)
    admin = account.role == "regional_admin"
    names = [_("submit.tab_upload"), _("submit.tab_submissions")] + ([_("submit.tab_audit")] if admin else [])
    tabs = st.tabs(names)
    with tabs[0]:
        submit_ui.render_upload(registry, account, lang)
    with tabs[1]:
        submit_ui.render_submissions(registry, account, lang)
    if admin:
        with tabs[2]:
            submit_ui.render_audit(registry, account, lang)
    submit_ui.render_operator_help(account, lang)
ui.render_footer(lang)
