"""The one bilingual-text type: every text a person reads exists in Spanish and English."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LANGS = ("es", "en")


@dataclass(frozen=True)
class Bilingual:
    """A text in both languages; ``text("es")`` or ``text.get("en")`` picks one."""

    es: str
    en: str

    def get(self, lang: str) -> str:
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
        return self.es if lang == "es" else self.en

    __call__ = get

    def format(self, **values: object) -> Bilingual:
        """Both texts with ``{placeholders}`` filled."""
        return Bilingual(self.es.format(**values), self.en.format(**values))

    @classmethod
    def from_mapping(cls, raw: object, where: str, *, required: bool = True) -> Bilingual:
        """``{es: ..., en: ...}`` (or one string for both) read from a catalogue; errors name ``where``.

        With ``required=False`` a missing or empty mapping gives two empty texts.
        """
        if raw is None and not required:
            return cls("", "")
        if isinstance(raw, str):
            return cls(raw, raw)
        if not isinstance(raw, Mapping):
            raise ValueError(f"{where}: expected a mapping with 'es' and 'en', got {type(raw).__name__}")
        missing = [lang for lang in LANGS if required and not str(raw.get(lang) or "").strip()]
        if missing:
            raise ValueError(f"{where}: the text in {' and '.join(missing)} is missing; every text needs es and en")
        return cls(str(raw.get("es") or ""), str(raw.get("en") or ""))


def load_texts(path) -> dict[str, dict[str, str]]:
    """A file of bilingual texts, ``key: {es: ..., en: ...}``, checked: every key has exactly es and en.

    The one loader of the project's message and string files (the atlas's strings, the cross-tab and API
    messages); errors name the file and the key.
    """
    from common.yamlfile import YamlFileError, load_yaml

    entries = load_yaml(path) or {}
    for key, texts in entries.items():
        if not isinstance(texts, Mapping) or set(texts) != set(LANGS):
            got = sorted(texts) if isinstance(texts, Mapping) else type(texts).__name__
            raise YamlFileError(f"{path}: {key!r} needs exactly es and en, got {got}")
    return entries
