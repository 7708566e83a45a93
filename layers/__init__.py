"""Pure builders: indicator frames + geometry -> pydeck decks, legends (no Streamlit)."""
