"""Articles: Markdown under ``content/articles/`` with front matter, numbers computed by tags, live views.

One file per language: ``<slug>.es.md`` and ``<slug>.en.md``, front matter ``title, date,
authors, tags, countries, summary``. In the text:

- **number tags** compute every number from the store, so none is typed::

      {{ value indicator=dead_missing area=PA-5 level=admin1 period=2023 }}
      {{ value flow=darien_transit side=incoming area=PAN period=2023 }}       (a place's total)
      {{ value flow=darien_transit origin=VEN destination=PAN period=2023 }}   (one pair)
      {{ value flow=darien_transit side=incoming area=PAN periods=2021,2022,2023,2024 }}  (years added)
      {{ change flow=darien_transit side=incoming area=PAN period=2023 from=2022 }}      (+109.5 %)
      {{ share flow=darien_transit origin=VEN destination=PAN period=2023 }}   (% of the destination's total;
                                                                               of=origin: of the origin's)
      {{ top flow=darien_transit destination=PAN period=2023 rank=1 }}         (the name of the rank-1 origin;
                                                                               show=value or show=share)

  Each number carries the source note of its dataset; a number with no data reads "no data".
- **view blocks** embed an atlas view by its URL state (page and query string)::

      ```atlas
      flows?view=darien_transit&period=2023&focus=PAN&top=8
      caption: Darién crossings by nationality, 2023
      ```

  Pages: ``map`` (indicator, level, country, year), ``flows`` (view, period, focus, mode,
  top) and ``chart`` (indicator or flow+side, area, from, to). The page shows the image
  and links to the interactive view; the PDF prints the image.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from publications import data
from publications.context import BuildContext
from publications.model import Block, Picture, Publication, Section
from publications.templates import LANGS, text

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content" / "articles"
TAG = re.compile(r"\{\{\s*(.+?)\s*\}\}")
TAG_KINDS = ("value", "change", "share", "top")
REQUIRED_META = ("title", "date", "authors", "tags", "countries")


class ArticleError(ValueError):
    """An article that cannot be built; the message lists every problem with its file and line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(problems))


@dataclass(frozen=True)
class ArticleMeta:
    """An article's front matter and where it lives."""

    slug: str
    lang: str
    title: str
    date: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    countries: tuple[str, ...]
    summary: str
    path: Path


# --------------------------------------------------------------------------- loading


def article_path(slug: str, lang: str, content_dir: Path | None = None) -> Path:
    return (content_dir or CONTENT_DIR) / f"{slug}.{lang}.md"


def load_article_source(slug: str, lang: str, content_dir: Path | None = None) -> tuple[ArticleMeta, str]:
    """The front matter and Markdown body of one article file; ``ArticleError`` if missing or incomplete."""
    import frontmatter

    if lang not in LANGS:
        raise ArticleError([f"lang must be one of {LANGS}, got {lang!r}"])
    path = article_path(slug, lang, content_dir)
    if not path.exists():
        valid = sorted({p.name.split(".")[0] for p in (content_dir or CONTENT_DIR).glob("*.md")})
        raise ArticleError([f"no article {slug!r} in {lang!r} ({path}); articles: {', '.join(valid) or 'none'}"])
    post = frontmatter.load(path)
    missing = [k for k in REQUIRED_META if not post.metadata.get(k)]
    if missing:
        raise ArticleError([f"{path.name}: front matter lacks {', '.join(missing)}"])
    m = post.metadata
    meta = ArticleMeta(
        slug,
        lang,
        str(m["title"]),
        str(m["date"]),
        tuple(map(str, m["authors"])),
        tuple(map(str, m["tags"])),
        tuple(map(str, m["countries"])),
        str(m.get("summary", "")),
        path,
    )
    return meta, post.content


def list_articles(lang: str, content_dir: Path | None = None) -> list[ArticleMeta]:
    """Every article available in ``lang``, newest first."""
    out = []
    for path in sorted((content_dir or CONTENT_DIR).glob(f"*.{lang}.md")):
        out.append(load_article_source(path.name[: -len(f".{lang}.md")], lang, content_dir)[0])
    return sorted(out, key=lambda a: (a.date, a.slug), reverse=True)


# --------------------------------------------------------------------------- number tags


def parse_tag(body: str) -> tuple[str, dict[str, str]]:
    """``"value flow=x area=PAN"`` -> ``("value", {"flow": "x", "area": "PAN"})``; ``ValueError`` if malformed."""
    parts = shlex.split(body)
    if not parts or parts[0] not in TAG_KINDS:
        raise ValueError(f"a tag starts with one of {', '.join(TAG_KINDS)}, got {body!r}")
    args = {}
    for part in parts[1:]:
        if "=" not in part:
            raise ValueError(f"tag argument {part!r} is not name=value")
        key, value = part.split("=", 1)
        args[key] = value
    return parts[0], args


@dataclass(frozen=True)
class TagValue:
    """What a tag computed: the number (or a name), its datasets, and its text in the article's language."""

    value: float | None
    dataset_ids: tuple[str, ...]
    text: str


def compute_indicator_value(args: Mapping[str, str], period: str) -> tuple[float | None, str]:
    """An indicator's value for one territory and period: the same frame ``indicators.compute`` gives the map."""
    frame = data.load_indicator(args["indicator"], args.get("level", "country"))
    row = frame[(frame["geo_code"] == args["area"]) & (frame["period"] == period) & frame["value"].notna()]
    if row.empty:
        return None, ""
    return float(row["value"].iloc[0]), str(row["dataset_id"].iloc[0])


def compute_flow_value(args: Mapping[str, str], period: str) -> tuple[float | None, str]:
    """A flow view's value in one period: one pair (``origin`` + ``destination``) or a place's total (``side``)."""
    from indicators.flows import compute_place_totals, load_flow_views

    view = load_flow_views()[args["flow"]]
    if period not in data.load_flow_periods(view.view_id):
        return None, ""
    flows = data.load_flows(view.view_id, period)
    if "origin" in args and "destination" in args:
        pair = flows[(flows["origin"] == args["origin"]) & (flows["destination"] == args["destination"])]
        value = pair["value"].dropna()
        return (float(value.iloc[0]), view.dataset_id) if not value.empty else (None, "")
    totals = compute_place_totals(flows).set_index("place")
    side = args.get("side", "incoming")
    if args["area"] not in totals.index or pd.isna(totals.at[args["area"], side]):
        return None, ""
    return float(totals.at[args["area"], side]), view.dataset_id


def compute_value(args: Mapping[str, str], period: str) -> tuple[float | None, str]:
    if "indicator" in args:
        return compute_indicator_value(args, period)
    if "flow" in args:
        return compute_flow_value(args, period)
    raise ValueError("a value needs indicator=ID or flow=VIEW")


def _no_data(ctx: BuildContext, periods: list[str]) -> str:
    words = text("no_data_for", ctx.lang, period=", ".join(ctx.period_label(p) for p in periods))
    return words[0].lower() + words[1:]


def compute_tag(kind: str, args: Mapping[str, str], ctx: BuildContext) -> TagValue:
    """The value of one tag; missing data gives ``value=None`` and the words "no data" (never 0)."""
    decimals = int(args.get("decimals", 0))
    if kind == "value":
        periods = args["periods"].split(",") if "periods" in args else [args["period"]]
        parts = [compute_value(args, p) for p in periods]
        if any(v is None for v, _ in parts):
            return TagValue(None, (), _no_data(ctx, periods))
        value = sum(v for v, _ in parts)
        ids = tuple(dict.fromkeys(d for _, ds in parts for d in ds.split(";") if d))
        return TagValue(value, ids, ctx.number(value, decimals))
    if kind == "change":
        now, ids_now = compute_value(args, args["period"])
        before, ids_before = compute_value(args, args["from"])
        if now is None or before is None or before == 0:
            return TagValue(None, (), text("no_previous", ctx.lang))
        pct = (now - before) / abs(before) * 100
        ids = tuple(dict.fromkeys(d for ds in (ids_now, ids_before) for d in ds.split(";") if d))
        shown = ("+" if pct > 0 else "") + ctx.number(pct, max(decimals, 1)) + ("\u00a0%" if ctx.lang == "es" else "%")
        return TagValue(pct, ids, shown)
    if kind == "share":
        part, ids = compute_flow_value(args, args["period"])
        of = args.get("of", "destination")
        if of not in ("destination", "origin"):
            raise ValueError(f"of must be 'destination' or 'origin', got {of!r}")
        whole_args = {"flow": args["flow"], "side": "incoming" if of == "destination" else "outgoing", "area": args[of]}
        whole, _ = compute_flow_value(whole_args, args["period"])
        if part is None or not whole:
            return TagValue(None, (), _no_data(ctx, [args["period"]]))
        pct = part / whole * 100
        shown = ctx.number(pct, max(decimals, 1)) + ("\u00a0%" if ctx.lang == "es" else "%")
        return TagValue(pct, (ids,), shown)
    if kind == "top":
        from indicators.flows import load_flow_views

        view = load_flow_views()[args["flow"]]
        flows = data.load_flows(view.view_id, args["period"])
        flows = flows[flows["value"].notna() & ~flows["origin"].eq("_X") & ~flows["destination"].eq("_X")]
        if "destination" in args:
            ranked, column = flows[flows["destination"] == args["destination"]], "origin"
        else:
            ranked, column = flows[flows["origin"] == args["origin"]], "destination"
        rank = int(args.get("rank", 1))
        if len(ranked) < rank:
            return TagValue(None, (), _no_data(ctx, [args["period"]]))
        row = ranked.iloc[rank - 1]
        show = args.get("show", "name")
        if show == "value":
            return TagValue(float(row["value"]), (view.dataset_id,), ctx.number(float(row["value"])))
        if show == "share":
            pct = float(row["value"]) / float(ranked["value"].sum()) * 100
            return TagValue(
                pct, (view.dataset_id,), ctx.number(pct, max(decimals, 1)) + ("\u00a0%" if ctx.lang == "es" else "%")
            )
        if show != "name":
            raise ValueError(f"show must be name, value or share, got {show!r}")
        return TagValue(float(row["value"]), (view.dataset_id,), ctx.name(row[column]))
    raise ValueError(f"unknown tag {kind!r}")


def substitute_tags(source: str, ctx: BuildContext, where: str, problems: list[str]) -> str:
    """Replace every ``{{ ... }}`` of ``source`` by its computed text and its source-note marker ``[^n]``."""

    def repl(match: re.Match) -> str:
        try:
            kind, args = parse_tag(match.group(1))
            result = compute_tag(kind, args, ctx)
        except (ValueError, KeyError) as exc:
            problems.append(f"{where}: tag {{{{ {match.group(1)} }}}}: {exc}")
            return match.group(0)
        notes = ctx.note(result.dataset_ids)
        return result.text + (f"[^{','.join(map(str, notes))}]" if notes else "")

    return TAG.sub(repl, source)


# --------------------------------------------------------------------------- view blocks


def parse_view(block: str) -> tuple[str, dict[str, str], str]:
    """``(page, params, caption)`` from an ``atlas`` fenced block (first line: page?query; ``caption:`` line)."""
    from publications.views import parse_view_query

    lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
    if not lines:
        raise ValueError("an atlas block needs a view such as flows?view=darien_transit&period=2023")
    page, params = parse_view_query(lines[0])
    caption = next((line.split(":", 1)[1].strip() for line in lines[1:] if line.lower().startswith("caption:")), "")
    return page, params, caption


def build_view_picture(page: str, params: Mapping[str, str], caption: str, ctx: BuildContext) -> Picture:
    """The image of an atlas view (map, flows or chart) with its link; raises ``ValueError`` when it has no data."""
    from publications.views import build_view_images

    view = build_view_images(page, params, ctx, caption, ("png", "svg"))
    return Picture(view.kind, caption, view.alt, view.images["png"].data, view.images["svg"].data, view.notes, view.url)


# --------------------------------------------------------------------------- building


def build_article(
    slug: str, lang: str, content_dir: Path | None = None, generated: dt.datetime | None = None
) -> Publication:
    """An article as a Publication: one section per ``##`` heading, its body blocks in reading order,
    numbers computed by their tags (with source notes) and views drawn as images. ``ArticleError``
    lists every problem (bad tag, unknown view, view without data) with the file and line."""
    from markdown_it import MarkdownIt

    meta, body = load_article_source(slug, lang, content_dir)
    ctx = BuildContext(lang=lang, year=dt.date.today().year, area=None)
    problems: list[str] = []
    tokens = MarkdownIt("commonmark").parse(body)
    sections: list[dict] = [{"title": "", "blocks": [], "pictures": []}]
    lead = ""
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        where = f"{meta.path.name}:{(tok.map[0] + 1) if tok.map else '?'}"
        current = sections[-1]
        if tok.type == "heading_open":
            title = tokens[i + 1].content
            if tok.tag == "h2":
                sections.append({"title": title, "blocks": [], "pictures": []})
            else:
                current["blocks"].append(Block("heading", substitute_tags(title, ctx, where, problems)))
            i += 3
            continue
        if tok.type == "paragraph_open":
            content = substitute_tags(tokens[i + 1].content, ctx, where, problems)
            if not current["title"] and not current["blocks"] and not lead and len(sections) == 1:
                lead = content
            else:
                current["blocks"].append(Block("paragraph", content))
            i += 3
            continue
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            items, depth = [], 0
            while True:
                t = tokens[i]
                depth += 1 if t.type.endswith("_list_open") else -1 if t.type.endswith("_list_close") else 0
                if t.type == "inline":
                    items.append(substitute_tags(t.content, ctx, where, problems))
                i += 1
                if depth == 0:
                    break
            current["blocks"].append(Block("list", items=tuple(items)))
            continue
        if tok.type == "fence" and tok.info.strip() == "atlas":
            try:
                page, params, caption = parse_view(tok.content)
                picture = build_view_picture(page, params, caption, ctx)
                current["pictures"].append(picture)
                current["blocks"].append(Block("picture", picture=len(current["pictures"]) - 1))
            except (ValueError, KeyError) as exc:
                problems.append(f"{where}: view: {exc}")
        i += 1
    if problems:
        raise ArticleError(problems)
    built = tuple(
        Section(
            f"s{n}",
            "article",
            s["title"],
            pictures=tuple(s["pictures"]),
            body=tuple(s["blocks"]),
            notes=tuple(dict.fromkeys(n for p in s["pictures"] for n in p.notes)),
        )
        for n, s in enumerate(sections)
        if s["title"] or s["blocks"]
    )
    version = data.load_data_version()
    generated = generated or dt.datetime.now(dt.UTC)
    citation = text(
        "citation",
        lang,
        year_generated=generated.year,
        title=meta.title,
        version=version,
        url=f"{data.atlas_url()}/publications?article={slug}&lang={lang}",
    )
    return Publication(
        kind="article",
        slug=slug,
        lang=lang,
        title=meta.title,
        subtitle=meta.summary,
        data_version=version,
        generated=generated.strftime("%Y-%m-%d %H:%M UTC"),
        citation=citation,
        sections=built,
        sources=tuple(sorted(ctx.sources.values(), key=lambda s: s.number)),
        meta={
            "authors": list(meta.authors),
            "date": meta.date,
            "tags": list(meta.tags),
            "countries": list(meta.countries),
            "lead": lead,
        },
    )


@functools.lru_cache(maxsize=32)
def _cached_article(slug: str, lang: str, _fp: str, _mtime: int) -> Publication:
    return build_article(slug, lang)


def load_article(slug: str, lang: str) -> Publication:
    """``build_article`` cached per data version and article file (an edited article is built again)."""
    path = article_path(slug, lang)
    mtime = path.stat().st_mtime_ns if path.exists() else 0
    return _cached_article(slug, lang, data.fingerprint(), mtime)


def render_article_html(pub: Publication) -> str:
    """The article (or any publication) as a standalone HTML page (images inline)."""
    from publications.html import render_html

    return render_html(pub, standalone=True)
