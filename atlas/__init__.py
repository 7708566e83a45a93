"""What the user sees: pages, strings in Spanish and English, URL state, cached loaders.

The only package (with streamlit_app.py) that imports streamlit.
"""
