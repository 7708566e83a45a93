"""A Publication as HTML (for the atlas page and standalone files): every text escaped, images inline.

``render_html(pub)`` returns an HTML fragment (``standalone=True``: a whole page) with the
cover lines, sections (figure cards, tables, images with their text alternative and a link
to the interactive view, "no data" boxes) and the numbered sources that every number's
superscript points to. Text from the store or an article is escaped, never trusted as markup.
"""

from __future__ import annotations

import base64
import html

from publications.model import Publication, Section
from publications.render import NOTE_COLUMN, build_runs
from publications.templates import text

STYLE = """
.pub{font-family:'DejaVu Sans',system-ui,sans-serif;color:#1f2933;max-width:60rem;line-height:1.45}
.pub h1{color:#1d6fa5;margin:.2em 0}.pub h2{color:#1d6fa5;border-bottom:1px solid #1d6fa5;margin-top:1.4em}
.pub .meta{color:#5b6770;font-size:.85em}
.pub .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.5rem}
.pub .card{background:#eef3f7;border-radius:4px;padding:.5rem .7rem}.pub .card b{font-size:1.3em;display:block}
.pub .card small{color:#5b6770}.pub table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
.pub td,.pub th{border-bottom:1px solid #d0d7dd;padding:.15em .5em;text-align:left}
.pub .missing{background:#fff6e5;border:1px solid #e0b96a;border-radius:4px;padding:.4em .8em;font-size:.9em}
.pub figure img{max-width:100%;height:auto}.pub figcaption{color:#5b6770;font-size:.85em}
.pub .sources{font-size:.8em;color:#5b6770}
"""


def _runs(value: str) -> str:
    out = []
    for run in build_runs(value):
        if "n" in run:
            out.append(_sup(run["n"]))
        elif "b" in run:
            out.append(f"<strong>{html.escape(run['b'])}</strong>")
        elif "i" in run:
            out.append(f"<em>{html.escape(run['i'])}</em>")
        elif "a" in run:
            href = run["href"] if run["href"].startswith(("http://", "https://", "/", "#")) else "#"
            out.append(f'<a href="{html.escape(href)}">{html.escape(run["a"])}</a>')
        else:
            out.append(html.escape(run["t"]))
    return "".join(out)


def _sup(notes) -> str:
    return "<sup>" + ",".join(f'<a href="#src-{n}">{n}</a>' for n in notes) + "</sup>" if notes else ""


def _picture(p, lang: str) -> str:
    data = base64.b64encode(p.png).decode("ascii")
    link = f' · <a href="{html.escape(p.url)}">{html.escape(text("view_link", lang))}</a>' if p.url else ""
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(p.alt)}">'
        f"<figcaption>{html.escape(p.title)}{_sup(p.notes)}{link}</figcaption></figure>"
    )


def _section(s: Section, lang: str) -> str:
    parts = [f"<h2>{html.escape(s.title)}</h2>"] if s.title else []
    parts += [f"<p>{_runs(p)}</p>" for p in s.paragraphs]
    if s.figures:
        cards = "".join(
            f'<div class="card"><small>{html.escape(f.label)}</small><b>{html.escape(f.text)}{_sup(f.notes)}</b>'
            f"<small>{html.escape(f.period or '')} · {html.escape(f.change)}</small>"
            + (f"<br><small><em>{html.escape(f.remark)}</em></small>" if f.remark else "")
            + "</div>"
            for f in s.figures
        )
        parts.append(f'<div class="cards">{cards}</div>')
    if s.body:
        for b in s.body:
            if b.type == "picture":
                parts.append(_picture(s.pictures[b.picture], lang))
            elif b.type == "list":
                parts.append("<ul>" + "".join(f"<li>{_runs(i)}</li>" for i in b.items) + "</ul>")
            elif b.type == "heading":
                parts.append(f"<h3>{html.escape(b.text)}</h3>")
            else:
                parts.append(f"<p>{_runs(b.text)}</p>")
    else:
        if s.kind == "map":
            parts += [_picture(p, lang) for p in s.pictures]
        for t in s.tables:
            col = NOTE_COLUMN.get(s.kind, len(t.columns) - 1)
            cn = t.column_notes
            head = "".join(
                f"<th>{html.escape(c)}{_sup(cn[j]) if j < len(cn) else ''}</th>" for j, c in enumerate(t.columns)
            )
            rows = []
            for i, row in enumerate(t.rows):
                notes = t.notes[i] if i < len(t.notes) else ()
                cells = "".join(
                    f"<td>{html.escape(c)}{_sup(notes) if j == col else ''}</td>" for j, c in enumerate(row)
                )
                rows.append(f"<tr>{cells}</tr>")
            caption = f"<caption>{html.escape(t.caption)}</caption>" if t.caption else ""
            parts.append(f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
        if s.kind != "map":
            parts += [_picture(p, lang) for p in s.pictures]
    if s.missing:
        title = "" if s.kind == "gaps" else f"<strong>{html.escape(text('no_data_title', lang))}</strong>"
        items = "".join(f"<li>{html.escape(m)}</li>" for m in s.missing)
        parts.append(f'<div class="missing">{title}<ul>{items}</ul></div>')
    return "\n".join(parts)


def render_html(pub: Publication, standalone: bool = False) -> str:
    """The publication as HTML: a fragment for a page, or a whole document with ``standalone``."""
    lang = pub.lang
    cover = [f"{text('data_version', lang)}: {pub.data_version}", f"{text('generated', lang)}: {pub.generated}"]
    if pub.meta.get("authors"):
        cover.insert(0, f"{text('authors', lang)}: {', '.join(pub.meta['authors'])}")
    body = [
        f'<div class="pub" lang="{lang}"><h1>{html.escape(pub.title)}</h1>',
        f'<p class="meta">{html.escape(pub.subtitle)}<br>'
        + "<br>".join(html.escape(c) for c in cover)
        + f"<br><em>{html.escape(text('cite_as', lang))}: {html.escape(pub.citation)}</em></p>",
    ]
    if pub.meta.get("lead"):
        body.append(f"<p><strong>{_runs(pub.meta['lead'])}</strong></p>")
    body += [_section(s, lang) for s in pub.sections]
    sources = "".join(
        f'<li id="src-{s.number}" value="{s.number}">{html.escape(s.text(lang))}</li>' for s in pub.sources
    )
    body.append(f'<h2>{html.escape(text("sources_title", lang))}</h2><ol class="sources">{sources}</ol></div>')
    fragment = f"<style>{STYLE}</style>\n" + "\n".join(body)
    if not standalone:
        return fragment
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(pub.title)}'
        f"</title></head><body>{fragment}</body></html>"
    )
