"""Nationality codes against the publishers' own labels (issue 12: Chinese nationals stored as Taiwan).

Every reader that turns a nationality label into a code is checked label by label: the name of the code
it stores (gazetteer, Spanish or English) must match the source's label, unless the reader lists the
label as "other/unknown" or as the same nationality as another territory, with a reason.
Readers that receive codes only (Darién, Mexico, CBP south-west, Guatemala) cannot be checked label
by label; for them the test checks the one confusion found (China coded as Taiwan) on the totals.
"""

from __future__ import annotations

import csv
import gzip
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from rapidfuzz import fuzz

import geodata
from etl.sources import cbp_nationwide_states
from etl.sources import hnd_irregular_arrivals_nationality as hnd

MIG = Path(__file__).resolve().parents[2] / "vendor" / "migration"
UNKNOWN = {"_X", "XXA"}
# label variants the gazetteer does not hold (misspellings, other official forms), checked by eye
VARIANTS = {
    "NABIMIA": "NAM",
    "VIETNAN DEL  NORTE": "VNM",
    "COSTA DE MARFIL": "CIV",
    "PALESTINA, ESTADO DE": "PSE",
    "COREA, REPÚBLICA DE": "KOR",
    "LAO, REPÚBLICA DEMOCRÁTICA POPULAR": "LAO",
    "TURKEY": "TUR",
    "MACAO": "MAC",
    "MYANMAR": "MMR",
    "MYANMAR (BURMA)": "MMR",
}


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z ]+", " ", text).strip()


def name_matches(label: str, code: str) -> bool:
    """Whether ``label`` names the territory ``code`` (gazetteer names in Spanish and English)."""
    row = geodata.gazetteer().set_index("geo_code").loc[code]
    names = {_norm(row["name_es"]), _norm(row["name_en"])}
    lab = _norm(label)
    words = set(lab.split())
    return any(lab == n or set(n.split()) <= words or fuzz.ratio(lab, n) >= 90 for n in names)


@pytest.mark.parametrize(
    "label,code",
    [
        ("REPÚBLICA POPULAR DE CHINA", "CHN"),
        ("TAIWÁN, PROVINCIA DE CHINA", "TWN"),
        ("CONGO, REPÚBLICA DEMOCRÁTICA DEL", "COD"),
        ("ESTADOS UNIDOS", "USA"),
    ],
)
def test_name_matcher_accepts_true_pairs(label, code):
    assert name_matches(label, code)


@pytest.mark.parametrize(
    "label,code",
    [("REPÚBLICA POPULAR DE CHINA", "TWN"), ("GUAYANA FRANCESA", "FRA"), ("NIGER", "NGA"), ("GUINEA", "GNQ")],
)
def test_name_matcher_rejects_wrong_pairs(label, code):
    assert not name_matches(label, code)


def test_honduras_every_label_gets_the_code_it_names():
    labels = hnd.load_labels()[["label_source", "iom_code", "code"]].drop_duplicates()
    wrong = [
        (r.label_source, r.code)
        for r in labels.itertuples()
        if r.code not in UNKNOWN
        and r.label_source not in hnd.SAME_NATIONALITY
        and VARIANTS.get(r.label_source) != r.code
        and not name_matches(r.label_source, r.code)
    ]
    assert wrong == []
    assert labels.set_index("label_source").loc["REPÚBLICA POPULAR DE CHINA", "code"] == "CHN"


def test_honduras_same_nationality_exceptions_are_the_iom_codes():
    labels = hnd.load_labels().drop_duplicates("label_source").set_index("label_source")
    for label, (code, reason) in hnd.SAME_NATIONALITY.items():
        assert labels.loc[label, "code"] == code and reason


def test_honduras_unknown_labels_are_not_countries():
    labels = hnd.load_labels().drop_duplicates("label_source")
    unknown = set(labels.loc[labels["code"].isin(UNKNOWN), "label_source"])
    assert unknown == {
        "DESCONOCIDO",
        "NACIONES UNIDAS",
        "ANTARTIDA",
        "UTOPIA",
        "MENGIN",
        "DAHAR",
        "CACHEMIRA",
        "REFUGEE, ARTICLE 1 OF THE 1951 CONVENTION",
    }
    assert set(labels.loc[labels["code"].isin(UNKNOWN), "code"]) == {"_X"}  # none of them is statelessness


def test_honduras_china_2023_is_china_not_taiwan():
    out = hnd.read()
    year = out[out["time_period"].str.startswith("2023")].groupby("counterpart_area")["value"].sum()
    assert year["CHN"] == 12_184  # INM label "REPÚBLICA POPULAR DE CHINA", labelled annual release
    assert year["TWN"] == 4  # INM label "TAIWÁN, PROVINCIA DE CHINA"


def test_honduras_recode_refuses_a_file_that_no_longer_fits(tmp_path):
    path = tmp_path / "hnd.csv"
    path.write_text("month,nationality_iso3,n\n2023-01,TWN,400.0\n2023-02,TWN,5.0\n")
    with pytest.raises(Exception, match="labelled annual totals"):
        hnd.read(path)


def test_cbp_every_citizenship_label_gets_the_code_it_names():
    with gzip.open(MIG / "cbp_nationwide_encounters_fy20_fy23_state.csv.gz", "rt") as f:
        labels = sorted({r["Citizenship"] for r in csv.DictReader(f)})
    aliases = cbp_nationwide_states.CITIZENSHIP_ALIASES
    codes = cbp_nationwide_states.read()["counterpart_area"]
    assert set(codes) == {aliases.get(lab) or geodata.resolve(lab, level=None) for lab in labels}
    for lab in labels:
        code = aliases.get(lab) or geodata.resolve(lab, level=None)
        assert code in UNKNOWN or name_matches(lab, code) or VARIANTS.get(lab) == code, lab
    assert geodata.resolve("CHINA", level=None) == "CHN"


@pytest.mark.parametrize(
    "name",
    [
        "panama_darien_irregular_transit_by_nationality.csv",
        "mexico_irregular_situation_pam_by_nationality.csv",
        "honduras_irregular_arrivals_by_nationality.csv",
    ],
)
def test_code_only_readers_do_not_put_china_under_taiwan(name):
    from etl.sources import (
        hnd_irregular_arrivals_nationality,
        mex_persons_presented_nationality,
        pan_darien_transit_nationality,
    )

    reader = {
        "panama": pan_darien_transit_nationality,
        "mexico": mex_persons_presented_nationality,
        "honduras": hnd_irregular_arrivals_nationality,
    }[name.split("_")[0]]
    out = reader.read()
    by_year = out.assign(year=out["time_period"].str.slice(0, 4)).pivot_table(
        index="year", columns="counterpart_area", values="value", aggfunc="sum"
    )
    twn = by_year.get("TWN", pd.Series(0.0, index=by_year.index)).fillna(0)
    chn = by_year.get("CHN", pd.Series(0.0, index=by_year.index)).fillna(0)
    assert (twn <= chn.clip(lower=10)).all(), by_year[["TWN"]].dropna().to_dict()


def test_honduras_department_population_carries_the_wpp_caveat():
    """INE's 2019 projection is about 8 % below UN WPP 2024: said in the dataset and in the indicator."""
    from etl.sources import hnd_ine_population2019
    from indicators import load_catalogue

    meta = hnd_ine_population2019.DATASET
    assert "8 %" in meta["caveats_es"] and "8%" in meta["caveats_en"] and "WPP" in meta["caveats_en"]
    population = load_catalogue().get("population")
    assert "8 %" in population.text("comparability", "es") and "8%" in population.text("comparability", "en")


# UN-style names of UNHCR's country list that the gazetteer spells otherwise, checked by eye
UNHCR_VARIANTS = {
    ("Bonaire, Saint Eustatius and Saba", "BES"),
    ("Bonaire, Sint Eustatius and Saba", "BES"),
    ("Central African Rep.", "CAF"),
    ("Dem. People's Rep. of Korea", "PRK"),
    ("Dem. Rep. of the Congo", "COD"),
    ("Dominican Rep.", "DOM"),
    ("Holy See", "VAT"),
    ("Holy See (the)", "VAT"),
    ("Lao People's Dem. Rep.", "LAO"),
    ("Myanmar", "MMR"),
    ("Palestinian", "PSE"),
    ("State of Palestine", "PSE"),
    ("Rep. of Korea", "KOR"),
    ("Russian Federation", "RUS"),
    ("Syrian Arab Rep.", "SYR"),
    ("Tibetan", "TIB"),
    ("", "TIB"),
}


def test_unhcr_every_country_name_gets_the_code_it_names():
    from etl.sources import _unhcr

    pairs = set()
    for name in ("population", "asylum_applications", "asylum_decisions", "flows", "solutions"):
        with open(MIG / f"unhcr_{name}_americas_esp.csv", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                pairs |= {(r["coo_name"], r["coo_iso"]), (r["coa_name"], r["coa_iso"])}
    wrong = []
    for label, iso in sorted(pairs):
        code = _unhcr.ALIASES.get(iso) or geodata.resolve(iso, level=None)
        if code in UNKNOWN or (label, code) in UNHCR_VARIANTS or name_matches(label, code):
            continue
        wrong.append((label, iso, code))
    assert wrong == []
    assert ("China", "CHN") in pairs and not any(label == "China" and iso == "TWN" for label, iso in pairs)
