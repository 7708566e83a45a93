"""Bulletin periods: a year (``2024``), a quarter (``2024-Q3``) or a month (``2024-03``).

    from publications.periods import parse_period
    p = parse_period("2024-Q3")     # BulletinPeriod(kind="quarter", year=2024, index=3)
    p.months                        # ("2024-07", "2024-08", "2024-09"): the store's monthly labels
    p.previous().label              # "2024-Q2": the previous period of the same kind
    p.annual_year                   # 2023: the latest complete year at the period's end (annual-only sections)

Quarters and months are calendar ones (US fiscal years only apply to yearly bulletins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from etl.formatting import month_name

YEARS = (2010, 2030)
KINDS = ("year", "quarter", "month")
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
VALID = "a year (2024), a quarter (2024-Q3) or a month (2024-03), from {lo} to {hi}"


class PeriodError(ValueError):
    """A period that is not a year, a quarter or a month in range; the message says what is valid."""


@dataclass(frozen=True, order=True)
class BulletinPeriod:
    """One bulletin period: ``kind`` is year, quarter or month; ``index`` the quarter (1-4) or month (1-12)."""

    year: int
    kind: str
    index: int = 0

    @property
    def label(self) -> str:
        """The machine label: ``2024``, ``2024-Q3``, ``2024-03``."""
        if self.kind == "quarter":
            return f"{self.year}-Q{self.index}"
        if self.kind == "month":
            return f"{self.year}-{self.index:02d}"
        return str(self.year)

    @property
    def slug(self) -> str:
        return self.label.lower()

    @property
    def sub_annual(self) -> bool:
        return self.kind != "year"

    @property
    def month_numbers(self) -> tuple[int, ...]:
        if self.kind == "quarter":
            return tuple(range(3 * self.index - 2, 3 * self.index + 1))
        if self.kind == "month":
            return (self.index,)
        return tuple(range(1, 13))

    @property
    def months(self) -> tuple[str, ...]:
        """The monthly period labels of the store (``YYYY-MM``) the period covers."""
        return tuple(f"{self.year}-{m:02d}" for m in self.month_numbers)

    @property
    def annual_year(self) -> int:
        """The latest complete calendar year at the end of the period (shown by annual-only sections)."""
        return self.year if self.month_numbers[-1] == 12 else self.year - 1

    def previous(self) -> BulletinPeriod:
        """The previous period of the same kind (2024-Q1 -> 2023-Q4, 2024-01 -> 2023-12, 2024 -> 2023)."""
        if self.kind == "year":
            return BulletinPeriod(self.year - 1, "year")
        last = 4 if self.kind == "quarter" else 12
        if self.index == 1:
            return BulletinPeriod(self.year - 1, self.kind, last)
        return BulletinPeriod(self.year, self.kind, self.index - 1)

    def text(self, lang: str) -> str:
        """The period as people read it: ``3.er trimestre de 2024`` / ``Q3 2024``, ``marzo de 2024``."""
        if self.kind == "quarter":
            if lang == "es":
                ordinal = {1: "1.er", 2: "2.º", 3: "3.er", 4: "4.º"}[self.index]
                return f"{ordinal} trimestre de {self.year}"
            return f"Q{self.index} {self.year}"
        if self.kind == "month":
            name = month_name(self.index, lang)
            return f"{name} de {self.year}" if lang == "es" else f"{name} {self.year}"
        return str(self.year)

    def month_text(self, month: str, lang: str) -> str:
        """A store month label (``2024-07``) as a short month name (``jul`` / ``Jul``)."""
        return month_name(int(month[5:7]), lang, "abbreviated")


def parse_period(value: object) -> BulletinPeriod:
    """A year (int or ``"2024"``), a quarter (``"2024-Q3"``) or a month (``"2024-03"``); raises ``PeriodError``."""
    valid = VALID.format(lo=YEARS[0], hi=YEARS[1])
    if isinstance(value, bool):
        raise PeriodError(f"period must be {valid}, got {value!r}")
    if isinstance(value, int):
        period = BulletinPeriod(value, "year")
    elif isinstance(value, BulletinPeriod):
        period = value
    elif isinstance(value, str):
        s = value.strip()
        if m := _YEAR.match(s):
            period = BulletinPeriod(int(m[1]), "year")
        elif m := _QUARTER.match(s):
            period = BulletinPeriod(int(m[1]), "quarter", int(m[2]))
        elif (m := _MONTH.match(s)) and 1 <= int(m[2]) <= 12:
            period = BulletinPeriod(int(m[1]), "month", int(m[2]))
        else:
            raise PeriodError(f"period must be {valid}, got {value!r}")
    else:
        raise PeriodError(f"period must be {valid}, got {value!r}")
    if not YEARS[0] <= period.year <= YEARS[1]:
        raise PeriodError(f"period must be {valid}, got {value!r}")
    return period
