"""The structured form of a publication: what the PDF renderer and the atlas page both draw.

A ``Publication`` is a title block (title, subtitle, data version, generation date,
citation) and ordered ``Section``s; each section holds paragraphs, ``Figure``s (one number
each, with its period, change on the previous period and source notes), ``Table``s and
``Picture``s (image bytes, PNG and SVG). Every number points at one or more ``Source``
notes by number; ``Publication.sources`` lists them once, in order of first use.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Source:
    """A footnote: the dataset behind a number, its publisher, licence and retrieval date."""

    number: int
    dataset_id: str
    title: str
    publisher: str
    licence: str
    retrieved: str
    revision: str = ""
    attribution: str = ""

    def text(self, lang: str) -> str:
        retrieved = "obtenido" if lang == "es" else "retrieved"
        licence = "licencia" if lang == "es" else "licence"
        parts = [
            f"{self.title} ({self.dataset_id})",
            self.publisher,
            f"{licence}: {self.licence}",
            f"{retrieved}: {self.retrieved}",
        ]
        if self.revision:
            parts.append(("revisión" if lang == "es" else "revision") + f": {self.revision}")
        if self.attribution and self.attribution not in self.publisher:
            parts.append(self.attribution)
        return ". ".join(p.strip().rstrip(".") for p in parts if p) + "."


@dataclass(frozen=True)
class Figure:
    """One number: its label, the formatted text (value, unit, period), change and source notes.

    ``value`` is ``None`` when the number is missing; then ``text`` says so in words and
    there is no change. ``notes`` are ``Source.number``s.
    """

    label: str
    value: float | None
    text: str
    period: str | None = None
    change: str = ""
    notes: tuple[int, ...] = ()
    remark: str = ""
    key: str = ""


@dataclass(frozen=True)
class Table:
    """A small table: header, rows of text cells, and per row the source notes of its numbers."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[tuple[int, ...], ...] = ()
    caption: str = ""
    column_notes: tuple[tuple[int, ...], ...] = ()  # source notes of a whole column (one indicator per column)


@dataclass(frozen=True)
class Picture:
    """An image of a map, chart or flow view: PNG bytes (2x) for pages and slides, SVG for print."""

    kind: str
    title: str
    alt: str
    png: bytes
    svg: bytes
    notes: tuple[int, ...] = ()
    url: str = ""


@dataclass(frozen=True)
class Block:
    """A piece of running text in reading order (articles): a paragraph, a sub-heading, a list or a picture.

    ``text`` may hold ``**bold**``, ``*italic*``, ``[label](url)`` and source-note markers ``[^n]``.
    """

    type: str  # "paragraph" | "heading" | "list" | "picture"
    text: str = ""
    items: tuple[str, ...] = ()
    picture: int = -1  # index into the section's pictures


@dataclass(frozen=True)
class Section:
    """One section of a publication. ``missing`` lists what the section could not show, in words."""

    section_id: str
    kind: str
    title: str
    paragraphs: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    tables: tuple[Table, ...] = ()
    pictures: tuple[Picture, ...] = ()
    missing: tuple[str, ...] = ()
    notes: tuple[int, ...] = ()
    body: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Publication:
    """A bulletin, fact sheet or article as structured content, pinned to one data version."""

    kind: str  # "bulletin" | "article"
    slug: str
    lang: str
    title: str
    subtitle: str
    data_version: str
    generated: str
    citation: str
    sections: tuple[Section, ...]
    sources: tuple[Source, ...]
    meta: dict = field(default_factory=dict)

    def to_dict(self, images: bool = False) -> dict:
        """Plain data (JSON-ready); image bytes are left out unless ``images`` is True."""
        out = asdict(self)
        if not images:
            for section in out["sections"]:
                for picture in section["pictures"]:
                    picture["png"] = len(picture["png"])
                    picture["svg"] = len(picture["svg"])
        return out

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.section_id == section_id:
                return s
        raise KeyError(f"no section {section_id!r}; sections: {[s.section_id for s in self.sections]}")
