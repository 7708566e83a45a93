"""Citations of a dataset at a data version: a line of text, BibTeX and CSL-JSON.

Every form names the dataset's publisher and title, the atlas that serves it, the data
version (the string stated on every table, download and API response), the licence and
the attribution the licence asks for.
"""

from __future__ import annotations

import json
import re

from api.sdmx_structure import present

ATLAS = "Atlas PVIGM"


def _clean(value: object) -> str:
    return str(value).strip() if present(value) else ""


def _year(version: str) -> str:
    match = re.match(r"^(\d{4})", version)
    return match[1] if match else ""


def build_citation_line(row: dict, version: str, url: str, lang: str = "en") -> str:
    """``Publisher. Title. Via Atlas PVIGM, data version …. Licence: …. Attribution. <url>``."""
    title = _clean(row.get(f"title_{lang}")) or _clean(row.get("title_en"))
    via = "Vía" if lang == "es" else "Via"
    data_version = "versión de los datos" if lang == "es" else "data version"
    licence = "Licencia" if lang == "es" else "Licence"
    retrieved = "obtenido" if lang == "es" else "retrieved"
    parts = [
        _clean(row.get("publisher")),
        title,
        (
            f"{via} {ATLAS}, {data_version} {version} ({row.get('dataset_id')}, v{_clean(row.get('version'))}; "
            f"{retrieved} {_clean(row.get('retrieved'))})"
        ),
        f"{licence}: {_clean(row.get('licence'))}",
        _clean(row.get("attribution")),
        f"<{url}>",
    ]
    return ". ".join(p.rstrip(".") for p in parts if p) + "."


def _bib(text: str) -> str:
    """BibTeX-safe text: braces balanced out, special characters escaped."""
    text = text.replace("\\", r"\textbackslash{}").replace("{", r"\{").replace("}", r"\}")
    for ch in "&%$#_":
        text = text.replace(ch, "\\" + ch)
    return text


def citation_key(row: dict, version: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"pvigm_{row.get('dataset_id')}_{version.rsplit('·', 1)[-1].strip()}")


def build_bibtex(row: dict, version: str, url: str) -> str:
    """One ``@misc`` entry; the publisher as a corporate author (double braces)."""
    fields = {
        "author": "{" + _bib(_clean(row.get("publisher"))) + "}",
        "title": "{" + _bib(_clean(row.get("title_en"))) + "}",
        "year": _year(version),
        "howpublished": _bib(f"{ATLAS}, data version {version}"),
        "version": _bib(version),
        "note": _bib(
            "; ".join(
                p
                for p in (
                    f"Licence: {_clean(row.get('licence'))}",
                    _clean(row.get("attribution")),
                    f"retrieved {_clean(row.get('retrieved'))}",
                )
                if p
            )
        ),
        "url": url,
    }
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
    return f"@misc{{{citation_key(row, version)},\n{body}\n}}\n"


def build_csl_json(row: dict, version: str, url: str) -> str:
    """A CSL-JSON list with one ``dataset`` item (Zotero, Pandoc and citation.js read it)."""
    year = _year(version)
    item = {
        "id": citation_key(row, version),
        "type": "dataset",
        "title": _clean(row.get("title_en")),
        "title-short": row.get("dataset_id"),
        "author": [{"literal": _clean(row.get("publisher"))}],
        "publisher": ATLAS,
        "version": version,
        "URL": url,
        "license": _clean(row.get("licence")),
        "note": _clean(row.get("attribution")),
        **({"issued": {"date-parts": [[int(year)]]}} if year else {}),
    }
    return json.dumps([item], ensure_ascii=False, indent=1)
