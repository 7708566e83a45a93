"""Cached loaders of the home page: the headline figures of the region and the overview map."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pydeck as pdk
import streamlit as st

from atlas.core.i18n import t
from atlas.core.loaders import boundaries, catalogue, network
from common.text import Bilingual
from common.yamlfile import load_yaml
from indicators.engine import compute as compute_indicator
from indicators.periods import indicator_period_status
from layers.base import VIEW_WIDTH_PX
from layers.choropleth import REGION_BOUNDS, build_base_features, build_choropleth_deck, compute_fills, compute_tips
from layers.classify import compute_focused_classification
from layers.legend import LegendEntry, build_legend
from layers.palettes import get_palette

HEADLINES_FILE = Path(__file__).resolve().with_name("headlines.yaml")
OVERVIEW_INDICATOR = "immigrant_share"


@dataclass(frozen=True)
class Headline:
    """One headline figure: a total over the network's countries for one period, with its sources."""

    indicator_id: str
    label: Bilingual
    view: dict[str, str]
    value: float | None
    period: str | None
    countries: int  # how many network countries the total covers
    sources: tuple[str, ...]  # publishers of the datasets behind the total
    licences: tuple[str, ...]


def latest_complete_period(indicator_id: str, frame: pd.DataFrame, codes: set[str]) -> str | None:
    """The latest complete, end-of-period, observed period among ``codes`` (``indicators.periods``): a headline
    never opens on a partial year, mid-year figures or a projection."""
    return indicator_period_status(indicator_id, "country", codes=codes, frame=frame).default


@st.cache_data(show_spinner=False)
def headlines() -> list[Headline]:
    """The headline figures of ``headlines.yaml`` computed from the store (the store's own numbers)."""
    codes = set(network())
    out = []
    for i, raw in enumerate(load_yaml(HEADLINES_FILE)["figures"]):
        frame = compute_indicator(raw["indicator"], "country")
        period = latest_complete_period(raw["indicator"], frame, codes)
        rows = frame[(frame["period"] == period) & frame["geo_code"].isin(codes) & frame["value"].notna()]
        datasets = rows.drop_duplicates("dataset_id")
        out.append(
            Headline(
                raw["indicator"],
                Bilingual.from_mapping(raw["label"], f"{HEADLINES_FILE}: figures[{i}].label"),
                dict(raw.get("view", {})),
                float(rows["value"].sum()) if len(rows) else None,
                period,
                int(rows["geo_code"].nunique()),
                tuple(dict.fromkeys(datasets["publisher"].fillna(datasets["dataset_id"]))),
                tuple(sorted(set(datasets["licence"].dropna()))),
            )
        )
    return out


@st.cache_resource(show_spinner=False)
def overview_deck(
    lang: str, width: int = VIEW_WIDTH_PX
) -> tuple[pdk.Deck, str | None, list[LegendEntry], dict[str, float]]:
    """The region's countries coloured by the immigrant share of the latest complete year, fitted to a map
    ``width`` pixels wide (cached per language and width; shared: do not mutate), that year, the legend's
    entries (classes with their colours, then no data) and the network countries' values that year (those
    with data)."""
    ind = catalogue().get(OVERVIEW_INDICATOR)
    units = boundaries("country", "region").sort_values("geo_code").reset_index(drop=True)
    codes = list(units["geo_code"])
    frame = compute_indicator(OVERVIEW_INDICATOR, "country")
    period = latest_complete_period(OVERVIEW_INDICATOR, frame, set(network()))
    view = frame[(frame["period"] == period) & frame["geo_code"].isin(codes)]
    classes = compute_focused_classification(view["value"], view["geo_code"].isin(set(network())), ind.scheme, ind.k)
    fills = compute_fills(dict(zip(view["geo_code"], view["value"])), codes, classes, get_palette(ind.palette))
    tips = compute_tips(view, lang, ind.decimals, ind.unit_label(lang), {}, "", "")
    no_data = t("common.no_data", lang)
    legend = build_legend(classes, get_palette(ind.palette), 0)  # the home legend shows no counts
    deck = build_choropleth_deck(
        build_base_features(units, 2), fills, tips, lang, no_data, bounds=REGION_BOUNDS, width=width
    )
    ours = view[view["geo_code"].isin(set(network())) & view["value"].notna()]
    return deck, period, legend, dict(zip(ours["geo_code"], ours["value"].astype(float)))
