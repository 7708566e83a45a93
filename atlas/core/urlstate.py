"""Share the view through the URL: every widget worth sharing has a query parameter.

``read_params`` is pure (tested without Streamlit): it turns the query string into
values and a list of problems. ``sync_from_url`` and ``write_to_url`` move values
between ``st.query_params`` and widget state (widget keys equal parameter names).
A bad parameter never raises: it falls back to the default and the page shows a notice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from atlas.core.i18n import t
from etl.textsafe import escape_markdown


class ParamError(ValueError):
    """A query value that cannot be used; ``reason`` is a strings key, ``values`` fill it."""

    def __init__(self, reason: str, **values: object):
        super().__init__(reason)
        self.reason = reason
        self.values = values


@dataclass(frozen=True)
class Param:
    """One query parameter: its key, default, and how to read and write it."""

    key: str
    default: Any
    parse: Callable[[str], Any]
    dump: Callable[[Any], str] = str
    label: Callable[[Any], str] = field(default=str, compare=False)


@dataclass(frozen=True)
class Problem:
    """A query parameter that was ignored, and why."""

    key: str
    value: str
    reason: str
    values: Mapping[str, object]
    fallback: str

    def reason_text(self, lang: str) -> str:
        """Why the value was ignored, in ``lang`` (subclasses read their reasons from their own strings)."""
        return t(f"common.{self.reason}", lang, **self.values)

    def message(self, lang: str) -> str:
        """The notice: parameter, value and fallback are text from a URL, shown as plain text (never Markdown)."""
        return t(
            "common.url_notice",
            lang,
            param=escape_markdown(self.key, 60),
            value=escape_markdown(self.value, 120),
            reason=self.reason_text(lang),
            fallback=escape_markdown(self.fallback, 120),
        )


def choice(key: str, options: Sequence[str], default: str | None, label: Callable[[Any], str] = str) -> Param:
    """A parameter that must be one of ``options`` (compared case-insensitively)."""
    by_lower = {str(o).lower(): o for o in options}

    def parse(raw: str) -> str:
        try:
            return by_lower[raw.strip().lower()]
        except KeyError:
            named = [str(o) for o in options if str(o)]
            shown = ", ".join(named[:12]) + (" …" if len(named) > 12 else "")
            raise ParamError("reason_unknown_value", valid=shown) from None

    return Param(key, default, parse, dump=lambda v: "" if v is None else str(v), label=label)


def integer(key: str, low: int, high: int, default: int) -> Param:
    """An integer parameter within ``[low, high]``."""

    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ParamError("reason_not_a_number") from None
        if not low <= value <= high:
            raise ParamError("reason_out_of_range", low=low, high=high)
        return value

    return Param(key, default, parse)


def read_params(specs: Sequence[Param], query: Mapping[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """Values for every spec from ``query`` (defaults where absent or bad) and the problems found."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for spec in specs:
        raw = query.get(spec.key)
        if raw is None or raw == "":
            values[spec.key] = spec.default
            continue
        try:
            values[spec.key] = spec.parse(raw)
        except ParamError as err:
            values[spec.key] = spec.default
            fallback = spec.label(spec.default) if spec.default is not None else "—"
            problems.append(Problem(spec.key, raw, err.reason, err.values, fallback))
    return values, problems


def _current_query(specs: Sequence[Param]) -> dict[str, str]:
    return {s.key: st.query_params[s.key] for s in specs if s.key in st.query_params}


def sync_from_url(specs: Sequence[Param], scope: str) -> list[Problem]:
    """Load widget state from the URL when the URL changed from outside (a shared link).

    A parameter absent from the URL keeps the value the session already has (page
    switches drop query parameters), else its default. Returns the problems found on
    that load (an empty list on ordinary reruns).

    An address this session wrote itself is never read back: the browser's address bar may
    lag behind the server (a rerun sent right after another one carries the address before
    the last one), and reading such an address would undo the person's latest choice
    (picking an indicator right after a country, a Stop right after a play step).
    """
    marker = f"_url_written_{scope}"
    query = _current_query(specs)
    values, problems = read_params(specs, query)
    own = compute_query_key(query) in st.session_state.get(marker, ())
    for spec in specs:
        # a widget not drawn in the last run (e.g. the level picker in a country view) loses its state:
        # it is filled again, without letting an address of our own undo the other widgets
        if spec.key not in st.session_state or (spec.key in query and not own):
            st.session_state[spec.key] = values[spec.key]
    return [] if own else problems


def forget_written() -> None:
    """Forget the addresses this session wrote: the next address is read as a link (the app is about to
    open one itself, e.g. a story step with ``st.switch_page``)."""
    for key in [k for k in st.session_state if str(k).startswith("_url_written_")]:
        del st.session_state[key]


def write_to_url(specs: Sequence[Param], scope: str) -> None:
    """Put the current widget values in the URL (defaults included, so a link is explicit)."""
    query = {}
    for spec in specs:
        value = st.session_state.get(spec.key, spec.default)
        text = spec.dump(value) if value is not None else ""
        if text:
            query[spec.key] = text
    for spec in specs:
        if spec.key not in query and spec.key in st.query_params:
            del st.query_params[spec.key]
    st.query_params.update(query)
    marker = f"_url_written_{scope}"
    st.session_state[marker] = remember_query(st.session_state.get(marker, ()), compute_query_key(query))


def multi_choice(
    key: str,
    options: Sequence[str] | Callable[[], Sequence[str]],
    default: Sequence[str] = (),
    label: Callable[[Any], str] = str,
) -> Param:
    """A comma-separated list of values from ``options`` (case-insensitive; order kept, repeats dropped).

    ``options`` may be a function, called only when the URL carries the parameter (for
    long code lists that are loaded on demand). Values are tuples. An empty list is
    written ``-`` when the default is not empty, so that a link keeps it empty.
    """

    def parse(raw: str) -> tuple[str, ...]:
        if raw.strip() == EMPTY_LIST:
            return ()
        valid = list(options() if callable(options) else options)
        by_lower = {str(o).lower(): o for o in valid}
        found, unknown = [], []
        for part in (p.strip() for p in raw.split(",")):
            if not part:
                continue
            value = by_lower.get(part.lower())
            if value is None:
                unknown.append(part)
            elif value not in found:
                found.append(value)
        if unknown:
            named = [str(o) for o in valid if str(o)]
            shown = ", ".join(named[:12]) + (" …" if len(named) > 12 else "")
            raise ParamError("reason_unknown_value", valid=shown)
        return tuple(found)

    return Param(
        key,
        tuple(default),
        parse,
        dump=list_dumper(default),
        label=lambda v: ", ".join(label(x) for x in v) if v else "—",
    )


EMPTY_LIST = "-"


def list_dumper(default: Sequence[str]) -> Callable[[Sequence[str]], str]:
    """Write a list as ``a,b``; an empty list as ``-`` unless the default is empty too."""

    def dump(value: Sequence[str]) -> str:
        if not value:
            return EMPTY_LIST if default else ""
        return ",".join(str(v) for v in value)

    return dump


TRUE_WORDS = ("1", "true", "yes", "si", "sí", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def flag(key: str, default: bool = False) -> Param:
    """A yes/no parameter written as ``1`` or ``0`` (``true``/``false``, ``sí``/``no``, ``on``/``off`` also read)."""

    def parse(raw: str) -> bool:
        text = raw.strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ParamError("reason_unknown_value", valid="1, 0")

    return Param(key, default, parse, dump=lambda v: "1" if v else "0", label=lambda v: "1" if v else "0")


def year_range(key: str, low: int, high: int, default: tuple[int, int]) -> Param:
    """A range of years written ``2021-2024`` (first and last year, both included)."""

    def parse(raw: str) -> tuple[int, int]:
        first, sep, last = raw.strip().partition("-")
        try:
            start, end = int(first), int(last if sep else first)
        except ValueError:
            raise ParamError("reason_not_a_number") from None
        if not low <= start <= end <= high:
            raise ParamError("reason_out_of_range", low=low, high=high)
        return start, end

    return Param(key, default, parse, dump=lambda v: f"{v[0]}-{v[1]}", label=lambda v: f"{v[0]}-{v[1]}")


QueryKey = tuple[tuple[str, str], ...]
OWN_URLS_KEPT = 16  # addresses a playing view remembers as its own (see atlas.core.play)


def compute_query_key(query: Mapping[str, str]) -> QueryKey:
    """A query string's parameters as a sorted tuple, to compare and remember them."""
    return tuple(sorted((str(k), str(v)) for k, v in query.items()))


def remember_query(recent: Sequence[QueryKey], query: QueryKey, keep: int = OWN_URLS_KEPT) -> tuple[QueryKey, ...]:
    """``recent`` with ``query`` last (moved there if already in), at most ``keep`` of them."""
    kept = [q for q in recent if q != query] + [query]
    return tuple(kept[-keep:])


def current_query(specs: Sequence[Param]) -> QueryKey:
    """The URL's values of ``specs`` as a ``QueryKey``."""
    return compute_query_key(_current_query(specs))
