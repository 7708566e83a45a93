"""Publications from the store: bulletins, fact sheets and articles, as PDF, images and page content.

Templates are data (``publications/templates/*.yaml``), articles are Markdown
(``content/articles/<slug>.<lang>.md``); every number is computed from the store at one data
version and carries a source note. What a page or a script calls:

    from publications import (list_publications, build_bulletin, build_article, load_article,
                               build_factsheet, render_pdf, render_html)
    entries = list_publications("es", year=2023)         # [PublicationEntry]: kind, slug, title, area, countries, tags
    pub = build_bulletin("GTM", 2023, "es")                 # Publication: sections (figures, tables, pictures), sources
    pub = build_bulletin("PAN", "2024-Q3", "en")            # a quarter ("2024-03": a month); see docs/PUBLICATIONS.md
    pdf = render_pdf(pub)                                   # bytes (application/pdf)
    page = render_html(pub)                                 # HTML fragment, every text escaped, images inline
    sheet = build_factsheet("GTM", 2023, "es", fmt="png")   # layers.static_image.StaticImage (.data, .mime)
    article = load_article("darien-2021-2024", "es")        # Publication, cached per data version
    image = render_view_image("flows?view=darien_transit&period=2023&focus=PAN", "en", "svg")  # a view's download

Command line: ``python -m publications --help``.
"""

from publications.articles import ArticleError, build_article, list_articles, load_article
from publications.bulletin import BulletinRequestError, build_bulletin, bulletin_areas, bulletin_slug
from publications.catalogue import PublicationEntry, default_year, list_publications
from publications.factsheet import build_factsheet
from publications.html import render_html
from publications.model import Block, Figure, Picture, Publication, Section, Source, Table
from publications.render import render_pdf
from publications.templates import TemplateError, load_template, validate_template
from publications.views import build_view_images, render_view_image

__all__ = [
    "ArticleError",
    "Block",
    "BulletinRequestError",
    "Figure",
    "Picture",
    "Publication",
    "PublicationEntry",
    "Section",
    "Source",
    "Table",
    "TemplateError",
    "build_article",
    "build_bulletin",
    "build_factsheet",
    "build_view_images",
    "bulletin_areas",
    "bulletin_slug",
    "default_year",
    "list_articles",
    "list_publications",
    "load_article",
    "load_template",
    "render_html",
    "render_pdf",
    "render_view_image",
    "validate_template",
]
