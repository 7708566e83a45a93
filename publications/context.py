"""What every section builder shares: language, year, area, source notes, data gaps, number formats.

``BuildContext.note(dataset_ids)`` turns a number's datasets (``"a;b"``) into footnote
numbers, registering each dataset once with its title, publisher, licence and retrieval
date from the store's ``public_datasets``. ``BuildContext.gap(...)`` records what had no
data, for the "data gaps" box. Period helpers choose, for a bulletin year, the period of a
series (``2023``, ``FY2023``, ``2020-2024`` ...) and the one before it.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field

import pandas as pd

from etl.formatting import NO_DATA, format_number
from publications import data
from publications.model import Source
from publications.periods import BulletinPeriod
from publications.templates import text

_YEARS = re.compile(r"(\d{4})")


def period_span(period: str) -> tuple[int, int]:
    """First and last calendar year a period label covers: ``FY2023`` -> (2023, 2023), ``2015-2019`` -> (2015, 2019)."""
    years = [int(y) for y in _YEARS.findall(str(period))]
    if not years:
        raise ValueError(f"period {period!r} has no year in it")
    return years[0], years[-1]


def choose_period(periods: list[str], year: int, window: int = 0) -> str | None:
    """The period for ``year`` among ``periods`` (which have a value): the one covering it, else the nearest
    within ``window`` years (an earlier one wins a tie); ``None`` when there is none."""
    covering = [p for p in periods if period_span(p)[0] <= year <= period_span(p)[1]]
    if covering:
        return min(covering, key=lambda p: period_span(p)[1] - period_span(p)[0])
    best = None
    for p in periods:
        lo, hi = period_span(p)
        distance = min(abs(lo - year), abs(hi - year))
        if distance <= window and (best is None or (distance, lo > year) < best[0]):
            best = ((distance, lo > year), p)
    return best[1] if best else None


def previous_period(periods: list[str], period: str) -> str | None:
    """The period just before ``period`` among ``periods`` (in time order), or ``None``.

    In an annual series (one where some two periods are consecutive years) a year only compares
    with the year just before it: when that year has no value there is no comparable previous
    period (a gap is not skipped over). Series of sparser estimates (UN DESA: 2020, 2024)
    compare with the previous estimate.
    """
    ordered = sorted(set(periods), key=lambda p: (period_span(p), p))
    i = ordered.index(period)
    if i == 0:
        return None
    before = ordered[i - 1]
    lo, hi = period_span(period)
    starts = [period_span(p)[0] for p in ordered]
    annual = any(b - a == 1 for a, b in itertools.pairwise(starts))
    if annual and lo == hi and period_span(before)[1] != lo - 1:
        return None
    return before


@dataclass
class BuildContext:
    """One publication being built: its language, year, area (ISO3, or ``None`` for the region)."""

    lang: str
    year: int
    area: str | None
    sources: dict[str, Source] = field(default_factory=dict)
    gaps: list[tuple[str, str]] = field(default_factory=list)
    period: BulletinPeriod | None = None  # a quarter or month bulletin (``year`` is then its latest complete year)

    @property
    def sub_annual(self) -> bool:
        return self.period is not None and self.period.sub_annual

    @property
    def period_text(self) -> str:
        """The bulletin's period as people read it (``2023``, ``Q3 2024``, ``marzo de 2024``)."""
        return self.period.text(self.lang) if self.sub_annual else str(self.year)

    @property
    def area_name(self) -> str:
        return text("region_name", self.lang) if self.area is None else data.territory_name(self.area, self.lang)

    @property
    def codes(self) -> tuple[str, ...]:
        """The countries the publication is about: the area, or the twelve network countries."""
        return data.load_network() if self.area is None else (self.area,)

    def t(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)

    def name(self, code: str) -> str:
        return data.territory_name(code, self.lang)

    def note(self, dataset_ids: object) -> tuple[int, ...]:
        """Footnote numbers for a number drawn from ``dataset_ids`` (``"a;b"`` or an iterable)."""
        if dataset_ids is None or (isinstance(dataset_ids, float) and math.isnan(dataset_ids)):
            return ()
        ids = dataset_ids.split(";") if isinstance(dataset_ids, str) else list(dataset_ids)
        meta = data.load_datasets()
        out = []
        for did in dict.fromkeys(i.strip() for i in ids if i and i.strip()):
            if did not in self.sources:
                if did not in meta.index:
                    raise KeyError(
                        f"dataset {did!r} behind a number is not in public_datasets; "
                        "every number must be traceable to its source"
                    )
                row = meta.loc[did]
                self.sources[did] = Source(
                    number=len(self.sources) + 1,
                    dataset_id=did,
                    title=str(row["title_es"] if self.lang == "es" else row["title_en"]),
                    publisher=str(row["publisher"] or ""),
                    licence=str(row["licence"] or ""),
                    retrieved=str(row["retrieved"] or ""),
                    revision=_clean(row.get("revision")),
                    attribution=_clean(row.get("attribution")),
                )
            out.append(self.sources[did].number)
        return tuple(out)

    def source_line(self, numbers: tuple[int, ...]) -> str:
        """``Fuente: Publisher, title (licence, retrieved)`` for the sources ``numbers``."""
        by_number = {s.number: s for s in self.sources.values()}
        parts = []
        for n in numbers:
            s = by_number[n]
            retrieved = "obtenido" if self.lang == "es" else "retrieved"
            parts.append(f"{s.publisher}, {s.title} ({s.licence}; {retrieved} {s.retrieved})")
        return self.t("source_line", sources="; ".join(parts))

    def gap(self, section: str, what: str) -> str:
        """Record that ``what`` in ``section`` has no data; returns the sentence that says so."""
        self.gaps.append((section, what))
        return what

    def number(self, value: float | None, decimals: int = 0) -> str:
        """A number in the conventions of the language; missing stays a dash (never 0)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return NO_DATA
        return format_number(value, self.lang, decimals)

    def period_label(self, period: str) -> str:
        """A period as people read it (``FY2023`` -> ``AF 2023`` in Spanish, ``FY 2023`` in English)."""
        if str(period).startswith("FY"):
            return ("AF " if self.lang == "es" else "FY ") + str(period)[2:]
        return str(period)

    def change(
        self,
        value: float | None,
        previous: float | None,
        previous_label: str | None,
        kind: str,
        unit_label: str,
        decimals: int,
    ) -> str:
        """The change on the previous period: a percentage for counts, a difference in points for rates."""
        if value is None or previous is None or previous_label is None or pd.isna(value) or pd.isna(previous):
            return self.t("no_previous")
        if kind in ("rate",) or unit_label.startswith("%"):
            diff = value - previous
            return self.t(
                "change_points",
                sign="+" if diff > 0 else "",
                value=self.number(diff, max(decimals, 1)),
                unit=unit_label,
                period=self.period_label(previous_label),
            )
        if previous == 0:
            return self.t("no_previous")
        pct = (value - previous) / abs(previous) * 100
        return self.t(
            "change_pct",
            sign="+" if pct > 0 else "",
            value=self.number(pct, 1),
            period=self.period_label(previous_label),
        )


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)
