"""Where a link to a page the atlas does not have lands: what happened and the way on, in the visitor's language
(instead of Streamlit's own untranslated "Page not found" dialog; see ``atlas.core.navigation``)."""

import streamlit as st

from atlas.core import ui
from atlas.core.i18n import translator
from atlas.core.navigation import NOT_FOUND_PATH, current_page_path

lang = ui.current_lang()
_ = translator(lang)
path = current_page_path()
ui.render_header(_("not_found.title"))
with st.container(key="not_found"):
    if path and path != NOT_FOUND_PATH:
        st.warning(_("not_found.what", path=ui.escape_markdown(path)), icon=":material/link_off:")
    else:
        st.warning(_("not_found.what_no_path"), icon=":material/link_off:")
    st.markdown(_("not_found.next"))
    with st.container(horizontal=True, gap="small", key="not_found_links"):
        for page, icon in (("home", "home"), ("map", "map"), ("sources", "menu_book")):
            label, query = _(f"not_found.{page}"), {"lang": lang}
            st.page_link(f"atlas/pages/{page}.py", label=label, icon=f":material/{icon}:", query_params=query)
ui.render_footer(lang)
