"""Spanish and English strings for every screen.

Strings live in ``atlas/strings/<namespace>.yaml`` as ``key: {es: ..., en: ...}``; a
page asks for ``"<namespace>.<key>"``. Each feature owns its own file, so pages can be
written side by side without touching each other's strings.
"""

from __future__ import annotations

import functools
from pathlib import Path

from common.text import load_texts

LANGS = ("es", "en")
DEFAULT_LANG = "es"
LANG_NAMES = {"es": "Español", "en": "English"}
STRINGS_DIR = Path(__file__).resolve().parents[1] / "strings"


class MissingStringError(KeyError):
    """A string key that no ``atlas/strings/*.yaml`` file defines."""


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """``{"namespace.key": {"es": ..., "en": ...}}`` from every strings file."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(STRINGS_DIR.glob("*.yaml")):
        entries = load_texts(path)
        for key, texts in entries.items():
            out[f"{path.stem}.{key}"] = texts
    return out


def t(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    try:
        text = catalogue()[key][lang]
    except KeyError as err:
        raise MissingStringError(f"no {lang!r} text for {key!r} in {STRINGS_DIR}") from err
    return text.format(**values) if values else text


def translator(lang: str):
    """``_ = translator(lang)``; then ``_("map.title")``."""
    return functools.partial(t, lang=lang)
