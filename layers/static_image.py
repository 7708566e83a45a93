"""What every static image shares: the result type, fonts, the frame of texts drawn around a figure.

A static image (map, chart, flow view, fact sheet) is rendered on the server, offline, and
always carries its title, subtitle, legend, source line, data version and the URL of the
view it shows. ``StaticImage.texts`` records every text the drawing code put on it, so a
test can check that the title, legend and source are there without reading pixels.
"""

from __future__ import annotations

import contextlib
import functools
import io
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("png", "svg", "pdf")
PNG_SCALE = 2  # PNGs are drawn at twice the nominal resolution (slides, social media)
NOMINAL_DPI = 100  # the nominal size of an image is its inches x 100 pixels
FONT_FAMILY = "DejaVu Sans"  # ships inside matplotlib's wheel (mpl-data/fonts/ttf): covers Spanish, offline
INK = "#1f2933"
MUTED = "#5b6770"


class UnknownImageFormatError(ValueError):
    """An image format that is not in ``FORMATS``."""


@dataclass(frozen=True)
class ImageTexts:
    """The texts drawn into an image (every image has all of them; ``legend`` may list several lines)."""

    title: str
    subtitle: str
    source: str
    data_version: str
    url: str
    legend: tuple[str, ...] = ()

    def footer_lines(self, lang: str) -> list[str]:
        version = "Versión de los datos" if lang == "es" else "Data version"
        return [self.source, f"{version}: {self.data_version}", self.url]


@dataclass(frozen=True)
class StaticImage:
    """An image as bytes with its format, pixel size (PNG) and the texts drawn into it."""

    data: bytes
    fmt: str
    texts: ImageTexts
    width_px: int | None = None
    height_px: int | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def mime(self) -> str:
        return {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}[self.fmt]


def validate_format(fmt: str) -> str:
    """``fmt`` lower-cased, or ``UnknownImageFormatError`` naming the valid formats."""
    out = str(fmt).lower()
    if out not in FORMATS:
        raise UnknownImageFormatError(f"image format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return out


@functools.lru_cache(maxsize=1)
def font_dir() -> Path:
    """Matplotlib's bundled TrueType fonts (DejaVu Sans and Serif): the same on every machine."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def png_size(data: bytes) -> tuple[int, int]:
    """``(width, height)`` in pixels read from a PNG header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def save_figure(fig, fmt: str) -> bytes:
    """A matplotlib figure as bytes: PNG at ``PNG_SCALE`` x the nominal resolution, SVG or PDF (text as text)."""
    return save_figure_formats(fig, (fmt,))[validate_format(fmt)]


def save_figure_formats(fig, fmts: tuple[str, ...]) -> dict[str, bytes]:
    """The same drawn figure saved in several formats (drawn once)."""
    out = {}
    for fmt in (validate_format(f) for f in fmts):
        buf = io.BytesIO()
        meta = {"png": {"Software": "Atlas PVIGM"}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
        fig.savefig(buf, format=fmt, dpi=NOMINAL_DPI * PNG_SCALE if fmt == "png" else NOMINAL_DPI, metadata=meta)
        out[fmt] = buf.getvalue()
    return out


@contextlib.contextmanager
def drawing(size: tuple[float, float]):
    """A new matplotlib ``Figure`` (no pyplot: nothing global, nothing to close) drawn under the images'
    rc settings. matplotlib's rcParams are process-wide, so drawings are serialised by one lock: two
    sessions of the atlas server drawing at once never see each other's settings."""
    import matplotlib
    from matplotlib.figure import Figure

    with _DRAWING, matplotlib.rc_context(matplotlib_rc()):
        yield Figure(figsize=size)


_DRAWING = threading.Lock()


def matplotlib_rc() -> dict:
    """rc settings for every matplotlib image (applied in a context, never globally)."""
    return {
        "font.family": FONT_FAMILY,
        "svg.fonttype": "none",
        "pdf.fonttype": 42,
        "svg.hashsalt": "atlas-pvigm",
        "text.color": INK,
        "axes.edgecolor": MUTED,
    }


def draw_frame(fig, texts: ImageTexts, lang: str) -> None:
    """Title and subtitle above, source, data version and URL below (wrapped to the figure's width)."""
    import textwrap

    width_in, height_in = fig.get_size_inches()
    chars = max(40, int(width_in * 15))
    title = textwrap.wrap(texts.title, int(chars * 0.62)) or [""]
    fig.text(
        0.02, 0.975, "\n".join(title), ha="left", va="top", fontsize=13, fontweight="bold", color=INK, linespacing=1.2
    )
    if texts.subtitle:
        below = 0.975 - len(title) * (13 * 1.25 / 72) / height_in - 0.012
        fig.text(0.02, below, textwrap.fill(texts.subtitle, chars), ha="left", va="top", fontsize=8.5, color=MUTED)
    footer = "\n".join(textwrap.fill(line, int(chars * 1.15)) for line in texts.footer_lines(lang))
    fig.text(0.02, 0.012, footer, ha="left", va="bottom", fontsize=6.5, color=MUTED, linespacing=1.3)
