"""Codes shared by the CBP and US Border Patrol readers."""

from __future__ import annotations

import re

COMPONENTS = {"U.S. Border Patrol": "usbp", "Office of Field Operations": "ofo"}
TITLES = {"Title 8": "title_8", "Title 42": "title_42"}
ENCOUNTER_TYPES = {"Apprehensions": "apprehensions", "Inadmissibles": "inadmissibles", "Expulsions": "expulsions"}
DEMOGRAPHICS = {
    "Single Adults": "single_adults",
    "FMUA": "fmua",
    "UC / Single Minors": "uc_single_minors",
    "UAC": "uac",
    "Accompanied Minors": "accompanied_minors",
}
BORDER_REGIONS = {"Southwest Land Border": "southwest", "Northern Land Border": "northern", "Other": "other"}


def area_code(label: str) -> str:
    """``"Rio Grande Valley Sector"`` -> ``"rio_grande_valley_sector"``; empty (no breakdown) -> ``"_T"``."""
    if not label:
        return "_T"
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
