"""Cached access to the publications package, keyed on small arguments and the store's data version.

Heavy builds (a bulletin with its images, a PDF, a fact sheet) are cached with ``st.cache_data`` keyed on
``(area, year, lang, data_version)``; Streamlit hands every caller its own copy, and nothing here or in the
page mutates what it gets. Files for download are built only when their button is clicked.
"""

from __future__ import annotations

import streamlit as st

import publications
from etl.store import data_version
from publications import Publication, PublicationEntry


@st.cache_data(show_spinner=False, max_entries=8)
def _entries(lang: str, year: int, version: str) -> list[PublicationEntry]:
    return publications.list_publications(lang, year)


def list_entries(lang: str, year: int) -> list[PublicationEntry]:
    """Every bulletin, fact sheet and article of ``year`` in ``lang``."""
    return _entries(lang, year, data_version())


@st.cache_data(show_spinner=False)
def _latest_year(version: str) -> int:
    return publications.default_year()


def latest_year() -> int:
    """The latest year with complete series: the bulletins' default year."""
    return _latest_year(data_version())


@st.cache_data(show_spinner=False)
def _areas(version: str) -> list[str]:
    return publications.bulletin_areas()


def bulletin_areas() -> list[str]:
    """The twelve network countries, then ``"region"``."""
    return _areas(data_version())


@st.cache_data(show_spinner=False)
def _article_slugs(lang: str, version: str) -> list[str]:
    return [a.slug for a in publications.list_articles(lang)]


def article_slugs(lang: str) -> list[str]:
    return _article_slugs(lang, data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _bulletin(area: str, year: int, lang: str, version: str) -> Publication:
    return publications.build_bulletin(area, year, lang)


def load_bulletin(area: str, year: int, lang: str) -> Publication:
    """The bulletin of ``area`` for ``year`` in ``lang`` (cached per data version)."""
    return _bulletin(area, year, lang, data_version())


@st.cache_data(show_spinner=False, max_entries=8)
def _article(slug: str, lang: str, version: str) -> Publication:
    return publications.load_article(slug, lang)


def load_article(slug: str, lang: str) -> Publication:
    """The article ``slug`` in ``lang`` (cached per data version)."""
    return _article(slug, lang, data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _bulletin_pdf(area: str, year: int, lang: str, version: str) -> bytes:
    return publications.render_pdf(load_bulletin(area, year, lang))


def build_bulletin_pdf(area: str, year: int, lang: str) -> bytes:
    """The bulletin's PDF (built on the first click, then cached)."""
    return _bulletin_pdf(area, year, lang, data_version())


@st.cache_data(show_spinner=False, max_entries=8)
def _article_pdf(slug: str, lang: str, version: str) -> bytes:
    return publications.render_pdf(load_article(slug, lang))


def build_article_pdf(slug: str, lang: str) -> bytes:
    """The article's PDF (built on the first click, then cached)."""
    return _article_pdf(slug, lang, data_version())


@st.cache_data(show_spinner=False, max_entries=24)
def _factsheet(area: str, year: int, lang: str, fmt: str, version: str) -> bytes:
    return publications.build_factsheet(area, year, lang, fmt).data


def build_factsheet(area: str, year: int, lang: str, fmt: str) -> bytes:
    """The fact sheet of ``area`` as PNG, SVG or PDF bytes."""
    return _factsheet(area, year, lang, fmt, data_version())
