"""Render a Publication to PDF with Typst (the ``typst`` PyPI package: offline, fast, fonts embedded).

The layout is ``publications/typst/publication.typ``; this module writes the publication as
``data.json`` and its images as files into a temporary folder and compiles. All text is
passed as data (JSON strings), never as Typst markup, so a title or a source name cannot
break the document. Fonts: DejaVu Sans from matplotlib's wheel, system fonts ignored, so
the PDF is the same on every machine and its text is extractable.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from layers.static_image import font_dir
from publications.model import Publication, Section
from publications.templates import text

LAYOUT = Path(__file__).resolve().parent / "typst" / "publication.typ"
_INLINE = re.compile(r"(\[\^\d+(?:,\d+)*\]|\*\*[^*]+\*\*|\*[^*\s][^*]*\*|\[[^\]]+\]\([^)\s]+\))")
PICTURE_WIDTH = {"map": 88, "flows": 88, "chart": 72, "view": 88}  # percent of the text width
NOTE_COLUMN = {"flows": 2, "corridors": 3, "country_table": -1}  # -1: the table's notes are per column
NUMERIC_FROM = {"flows": 2, "corridors": 3, "country_table": 1}  # first right-aligned (numeric) column
FLOATING = ("map", "flows")  # large pictures float to where they fit; charts stay in reading order


def build_runs(value: str) -> list[dict]:
    """A paragraph's text as runs: plain ``t``, bold ``b``, italic ``i``, link ``a``/``href``, notes ``n``."""
    out: list[dict] = []
    for part in _INLINE.split(value):
        if not part:
            continue
        if part.startswith("[^"):
            out.append({"n": [int(x) for x in part[2:-1].split(",")]})
        elif part.startswith("**"):
            out.append({"b": part[2:-2]})
        elif part.startswith("*") and part.endswith("*") and len(part) > 2:
            out.append({"i": part[1:-1]})
        elif part.startswith("[") and "](" in part:
            label, href = part[1:-1].split("](", 1)
            out.append({"a": label, "href": href})
        else:
            out.append({"t": part})
    return out


def _picture(picture, index: str, files: dict[str, bytes]) -> dict:
    name = f"img-{index}.svg" if picture.svg else f"img-{index}.png"
    files[name] = picture.svg or picture.png
    return {
        "type": "picture",
        "file": name,
        "title": picture.title,
        "notes": list(picture.notes),
        "url": picture.url,
        "width": PICTURE_WIDTH.get(picture.kind, 85),
        "float": picture.kind in FLOATING,
    }


def build_section_payload(section: Section, index: int, lang: str, files: dict[str, bytes]) -> dict:
    """One section as the layout reads it: paragraphs as runs, figure cards, blocks in reading order."""
    blocks: list[dict] = []
    if section.body:
        for block in section.body:
            if block.type == "picture":
                blocks.append(_picture(section.pictures[block.picture], f"{index}-{block.picture}", files))
            elif block.type == "list":
                blocks.append({"type": "list", "items": [build_runs(i) for i in block.items]})
            elif block.type == "heading":
                blocks.append({"type": "heading", "text": block.text})
            else:
                blocks.append({"type": "paragraph", "runs": build_runs(block.text)})
    else:
        for t in section.tables:
            blocks.append(
                {
                    "type": "table",
                    "columns": list(t.columns),
                    "rows": [list(r) for r in t.rows],
                    "notes": [list(n) for n in t.notes],
                    "caption": t.caption,
                    "kind": section.kind,
                    "column_notes": [list(n) for n in t.column_notes],
                    "numeric_from": NUMERIC_FROM.get(section.kind, len(t.columns) - 1),
                    "note_column": NOTE_COLUMN.get(section.kind, len(t.columns) - 1),
                    "foot": "",
                }
            )
        pictures = [_picture(p, f"{index}-{i}", files) for i, p in enumerate(section.pictures)]
        blocks = pictures + blocks if section.kind == "map" else blocks + pictures
    return {
        "title": section.title,
        "paragraphs": [build_runs(p) for p in section.paragraphs],
        "figures": [
            {
                "label": f.label,
                "text": f.text,
                "notes": list(f.notes),
                "period": f.period or "",
                "change": f.change,
                "remark": f.remark,
            }
            for f in section.figures
        ],
        "blocks": blocks,
        "missing": list(section.missing),
        "missing_title": None if section.kind == "gaps" else text("no_data_title", lang),
        "flush": section.kind == "gaps",
    }


def build_payload(pub: Publication) -> tuple[dict, dict[str, bytes]]:
    """``(data.json content, {file name: bytes})`` for the layout."""
    lang = pub.lang
    files: dict[str, bytes] = {}
    cover = [f"{text('data_version', lang)}: {pub.data_version}", f"{text('generated', lang)}: {pub.generated}"]
    if pub.meta.get("authors"):
        cover.insert(0, f"{text('authors', lang)}: {', '.join(pub.meta['authors'])}")
    if pub.meta.get("date"):
        cover.insert(1 if pub.meta.get("authors") else 0, f"{text('published', lang)}: {pub.meta['date']}")
    payload = {
        "lang": lang,
        "title": pub.title,
        "subtitle": pub.subtitle,
        "kicker": text("kicker_article" if pub.kind == "article" else "kicker_bulletin", lang),
        "cover_lines": cover,
        "cite_word": text("cite_as", lang),
        "citation": pub.citation,
        "lead": build_runs(pub.meta["lead"]) if pub.meta.get("lead") else None,
        "footer": f"Atlas PVIGM · {pub.title} · {text('data_version', lang)} {pub.data_version}",
        "page_word": text("page", lang),
        "view_word": text("view_link", lang),
        "sources": {str(s.number): s.text(lang) for s in pub.sources},
        "sections": [build_section_payload(s, i, lang, files) for i, s in enumerate(pub.sections)],
    }
    return payload, files


def render_pdf(pub: Publication) -> bytes:
    """The publication as a PDF (bytes): A4, DejaVu Sans embedded, footnoted sources, images as vectors."""
    import typst

    payload, files = build_payload(pub)
    with tempfile.TemporaryDirectory(prefix="atlas-pub-") as tmp:
        root = Path(tmp)
        (root / "main.typ").write_text(LAYOUT.read_text(encoding="utf-8"), encoding="utf-8")
        (root / "data.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        for name, content in files.items():
            (root / name).write_bytes(content)
        return typst.compile(
            str(root / "main.typ"), root=str(root), font_paths=[str(font_dir())], ignore_system_fonts=True
        )
