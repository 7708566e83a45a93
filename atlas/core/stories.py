"""Story steps for workshops: ordered views saved as URLs, stepped through with next / previous.

Pure (no Streamlit): stories are read from ``atlas/core/stories.yaml``; a step is a page path
and its query string, e.g. ``flows?view=darien_transit&unit=year&period=2021``. A
facilitator's own steps are the same kind of URL, taken from the view on screen.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import yaml

from common.text import Bilingual
from common.yamlfile import load_yaml

STORIES_FILE = Path(__file__).resolve().parent / "stories.yaml"
STORY_PAGES = ("flows", "corridors")
# Parameters that belong to the story itself, not to the view a step shows.
STORY_KEYS = ("story", "story_step", "workshop", "lang")
MY_STORY = "mine"
NO_TEXT = Bilingual("", "")


class StoryError(ValueError):
    """A story or step that cannot be used; the message says which and how to fix it."""


@dataclass(frozen=True)
class Step:
    """One view of a story: the page (url path), its query parameters and what to say about it."""

    page: str
    params: tuple[tuple[str, str], ...]
    caption: Bilingual = NO_TEXT  # ``step.caption(lang)``

    @property
    def url(self) -> str:
        return f"{self.page}?{urlencode(self.params)}" if self.params else self.page


@dataclass(frozen=True)
class Story:
    story_id: str
    title: Bilingual  # ``story.title(lang)``
    steps: tuple[Step, ...]


def parse_step_url(url: str, caption: Mapping[str, str] | None = None) -> Step:
    """A ``Step`` from ``page?key=value&…``; story keys in the URL are dropped (the story adds its own)."""
    if not isinstance(url, str) or not url.strip():
        raise StoryError(f"a story step needs a url like 'flows?view=…', got {url!r}")
    path, _, query = url.strip().lstrip("/").partition("?")
    if path not in STORY_PAGES:
        raise StoryError(f"story step {url!r}: the page must be one of {STORY_PAGES}, got {path!r}")
    params = tuple((k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k not in STORY_KEYS)
    try:
        text = Bilingual.from_mapping(caption or None, f"story step {url!r}: caption", required=False)
    except ValueError as err:
        raise StoryError(str(err)) from None
    return Step(path, params, text)


def build_stories(raw: Mapping) -> dict[str, Story]:
    """Stories from the parsed YAML; raises ``StoryError`` listing every problem found."""
    entries = raw.get("stories") if isinstance(raw, Mapping) else None
    if not isinstance(entries, Mapping) or not entries:
        raise StoryError("stories.yaml must have a non-empty 'stories:' mapping of id -> story")
    problems, out = [], {}
    for sid, entry in entries.items():
        where = f"stories.yaml, story {sid!r}"
        if sid == MY_STORY:
            problems.append(f"{where}: the id {MY_STORY!r} is kept for the facilitator's own story")
        title = entry.get("title") or {}
        if not {"es", "en"} <= set(title):
            problems.append(f"{where}: 'title' needs both 'es' and 'en'")
        steps = []
        for i, step in enumerate(entry.get("steps") or []):
            try:
                steps.append(parse_step_url(step.get("url"), step.get("caption")))
            except StoryError as err:
                problems.append(f"{where}, steps[{i}]: {err}")
        if not steps:
            problems.append(f"{where}: needs at least one step")
        text = Bilingual.from_mapping(title if isinstance(title, Mapping) else None, f"{where}: title", required=False)
        out[sid] = Story(sid, text, tuple(steps))
    if problems:
        raise StoryError("; ".join(problems))
    return out


@functools.lru_cache(maxsize=1)
def load_stories() -> dict[str, Story]:
    """The stories shipped in ``atlas/stories.yaml``."""
    return build_stories(load_yaml(STORIES_FILE))


def compute_step_index(number: int, count: int) -> int:
    """A 1-based step number clamped into ``1..count`` (a story of ``count`` steps)."""
    if count < 1:
        raise StoryError("a story needs at least one step")
    return min(max(int(number), 1), count)


def build_step_query(story_id: str, number: int, step: Step, lang: str, workshop: bool) -> dict[str, str]:
    """The full query of a step: the view's parameters plus story, step number, workshop and language."""
    query = dict(step.params)
    query.update({"story": story_id, "story_step": str(number), "lang": lang, "workshop": "1" if workshop else "0"})
    return query


def build_current_step(page: str, query: Mapping[str, str], caption: str = "") -> Step:
    """The view on screen as a step (the facilitator's "add this view")."""
    params = tuple(sorted((k, str(v)) for k, v in query.items() if k not in STORY_KEYS and str(v) != ""))
    return Step(page, params, Bilingual(caption, caption))


def dump_story_yaml(story_id: str, title: str, steps: Sequence[Step]) -> str:
    """A story as YAML in the format of ``stories.yaml`` (to keep or to ship)."""
    return yaml.safe_dump(
        {
            "stories": {
                story_id: {
                    "title": {"es": title, "en": title},
                    "steps": [{"url": s.url, "caption": {"es": s.caption.es, "en": s.caption.en}} for s in steps],
                }
            }
        },
        allow_unicode=True,
        sort_keys=False,
    )
