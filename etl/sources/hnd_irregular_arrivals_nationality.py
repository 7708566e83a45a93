"""Honduras: irregular arrivals registered by INM, by nationality, monthly from 2018.

IOM GMDAC turned the INM dashboard's Spanish labels into ISO3 codes by a loose name match. Its earlier
release (gdidata commit ce8f9c0, annual 2018–2024) kept the labels, vendored as
``honduras_irregular_arrivals_by_nationality_labelled_annual_2018_2024.csv``: it shows that the label
"REPÚBLICA POPULAR DE CHINA" was coded ``TWN`` (Taiwan), beside the true "TAIWÁN, PROVINCIA DE CHINA".
The monthly release has codes only, so in each month the largest ``TWN`` row is the People's Republic
of China; the reader checks that rule against the labelled annual totals and refuses the file when
they disagree.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.sources import _common as c
from etl.sources._monthly import read_by_nationality

DATASET = c.load_metadata(__file__)
COLUMNS = ["month", "nationality_iso3", "n"]
LABELS_PATH = (
    c.ROOT / "vendor" / "reference" / "honduras_irregular_arrivals_by_nationality_labelled_annual_2018_2024.csv"
)
LABEL_COLUMNS = ["year", "label_source", "iom_name", "iom_code", "n"]
PRC_LABEL = "REPÚBLICA POPULAR DE CHINA"
# source label -> the code it really means, where IOM's code is wrong
LABEL_FIXES = {PRC_LABEL: "CHN"}
# IOM's STL ("stateless") covers labels that are not statelessness (MENGIN, DAHAR, CACHEMIRA,
# "REFUGEE, ARTICLE 1 ..."): unknown or other, like OOO.
ALIASES = {"STL": "_X"}
# labels whose code is another territory on purpose: same nationality
SAME_NATIONALITY = {
    "GUAYANA FRANCESA": (
        "FRA",
        "French Guiana's people are French nationals; IOM added it to France in the "
        "monthly file, which cannot be split again",
    ),
    "BRITISH NATIONAL OVERSEAS - BNO": ("GBR", "a British nationality status"),
    "PEMBA Y ZANZIBAR": ("TZA", "islands of Tanzania"),
}


def load_labels(path: Path | str | None = None) -> pd.DataFrame:
    """The labelled annual release: ``year, label_source, iom_name, iom_code, n`` plus ``code`` (ours)."""
    path = Path(path) if path else LABELS_PATH
    raw = c.load_table(path, LABEL_COLUMNS)
    raw["n"] = c.parse_numbers(raw, "n", path, allow_empty=False)
    iom = c.resolve_codes(raw["iom_code"], path, "iom_code", ALIASES, level=None)
    raw["code"] = raw["label_source"].map(LABEL_FIXES).fillna(iom)
    return raw


def recode_china(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The largest ``TWN`` row of each month -> ``CHN``, checked against the labelled annual totals."""
    out = raw.copy()
    n = pd.to_numeric(out["n"], errors="coerce")
    twn = out["nationality_iso3"].eq("TWN")
    largest = n[twn].groupby(out.loc[twn, "month"]).idxmax()
    out.loc[largest.to_numpy(), "nationality_iso3"] = "CHN"
    labels = load_labels()
    expected = labels[labels["label_source"].eq(PRC_LABEL)].groupby("year")["n"].sum()
    recoded = n[largest.to_numpy()].groupby(out.loc[largest.to_numpy(), "month"].str.slice(0, 4)).sum()
    wrong = {
        year: (recoded.get(str(year), 0.0), total)
        for year, total in expected.items()
        if str(year) in recoded.index and recoded[str(year)] != total
    }
    if wrong:
        raise c.SourceFormatError(
            path,
            f"the TWN rows recoded as China (largest TWN row of each month) do not add "
            f"up to the labelled annual totals of {PRC_LABEL!r} in {LABELS_PATH.name}: "
            f"{{year: (recoded, labelled)}} = {wrong}.",
            "check which source label IOM now codes TWN and update recode_china.",
        )
    return out


def read(path: Path | str | None = None) -> pd.DataFrame:
    """Tidy observations of ``irregular_arrivals`` (persons)."""
    path = Path(path) if path else c.vendored(DATASET)
    return read_by_nationality(
        path, DATASET["dataset_id"], "irregular_arrivals", "persons", COLUMNS, aliases=ALIASES, recode=recode_china
    )
