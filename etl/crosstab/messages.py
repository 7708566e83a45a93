"""Spanish and English messages of the cross-tabulation engine and of the microdata reader.

``etl`` must not import ``atlas``, so the engine keeps its own small catalogue
(``messages.yaml`` beside this file, ``key: {es: ..., en: ...}``). A problem is a
message key plus the values that fill it, so the same problem reads in either
language: the page shows it in the user's language, the command line in ``--lang``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from common.text import load_texts

LANGS = ("es", "en")
MESSAGES_PATH = Path(__file__).resolve().with_name("messages.yaml")
SHOWN_CHOICES = 15  # how many valid choices a message lists before "…"


@functools.lru_cache(maxsize=1)
def load_messages() -> dict[str, dict[str, str]]:
    """``{key: {"es": ..., "en": ...}}`` from ``messages.yaml`` (read once per process)."""
    return load_texts(MESSAGES_PATH)


def message(key: str, lang: str, **values: object) -> str:
    """The message ``key`` in ``lang`` (``es`` or ``en``), with ``{placeholders}`` filled."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    try:
        text = load_messages()[key][lang]
    except KeyError as err:
        raise KeyError(f"no message {key!r} in {MESSAGES_PATH}") from err
    return text.format(**values) if values else text


def list_choices(choices: Iterable[object], limit: int = SHOWN_CHOICES) -> str:
    """``a, b, c …``: the first ``limit`` valid choices, for messages that name them."""
    shown = [str(c) for c in choices]
    more = " …" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a query or an input file: where, which message, and its values."""

    key: str
    where: str
    values: Mapping[str, object] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        """The problem in ``lang``, prefixed with where it was found."""
        return message("where", lang, where=self.where, text=message(self.key, lang, **self.values))


class CrosstabError(ValueError):
    """Every problem found in a query (or a microdata file), reported together.

    ``str(err)`` is English for logs and tracebacks; ``err.message(lang)`` is for people.
    """

    def __init__(self, problems: Sequence[Problem]):
        if not problems:
            raise ValueError("CrosstabError needs at least one problem")
        self.problems = tuple(problems)
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        return "\n".join(p.message(lang) for p in self.problems)

    @property
    def keys(self) -> tuple[str, ...]:
        """The message keys of the problems (what tests assert on)."""
        return tuple(p.key for p in self.problems)
