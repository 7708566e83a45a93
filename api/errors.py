"""Errors of the API service: one exception, written as an SDMX error message or as a JSON problem.

``ApiError(status, key, **values)`` names a message in ``messages.yaml`` (Spanish and
English) and the HTTP status. Under ``/sdmx/`` it becomes an SDMX-ML 2.1 ``Error`` message
with the SDMX REST error code (100 no results, 140 syntax error, 406 not acceptable, 510
response too large, …); elsewhere an RFC 9457 ``application/problem+json`` with ``detail``
in the asked language and both texts in ``detail_es`` / ``detail_en``.

The SDMX error message is written with lxml, not ``sdmx.to_xml``: ``sdmx1`` 2.28 writes a
``Header`` inside ``mes:Error``, which the SDMX 2.1 schema does not allow (``ErrorType``
holds ``ErrorMessage`` elements only); the tests validate this one against the schema.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from lxml import etree

from common.text import load_texts

MESSAGES_PATH = Path(__file__).resolve().with_name("messages.yaml")
LANGS = ("es", "en")
# HTTP status -> SDMX REST (v1.5, SDMX 2.1) error code.
SDMX_CODES = {
    400: 140,
    404: 100,
    406: 406,
    410: 100,
    413: 510,
    414: 140,
    429: 1429,
    500: 500,
    501: 501,
    503: 503,
    405: 140,
}
NS_MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
NS_COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
NS_XML = "http://www.w3.org/XML/1998/namespace"
PROBLEM_TYPE = "https://github.com/pvigm/atlas/blob/main/docs/API.md#errors"


@functools.lru_cache(maxsize=1)
def load_messages() -> dict[str, dict[str, str]]:
    return load_texts(MESSAGES_PATH)


class ApiError(Exception):
    """A request the service refuses: HTTP ``status``, message ``key`` and the values that fill it."""

    def __init__(self, status: int, key: str, headers: dict[str, str] | None = None, **values: object):
        self.status, self.key, self.values, self.headers = status, key, values, headers or {}
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        entry = load_messages().get(self.key) or {"es": self.key, "en": self.key}
        template = entry.get(lang, entry["en"])
        try:
            return template.format(**self.values)
        except (KeyError, IndexError):
            return template

    @property
    def sdmx_code(self) -> int:
        return SDMX_CODES.get(self.status, 1000 + self.status)


def build_problem(err: ApiError, instance: str, lang: str) -> bytes:
    """``application/problem+json``: type, title, status, detail (in ``lang``), instance, code and both texts."""
    doc = {
        "type": f"{PROBLEM_TYPE}-{err.key}",
        "title": err.key,
        "status": err.status,
        "detail": err.text(lang if lang in LANGS else "en"),
        "instance": instance,
        "detail_es": err.text("es"),
        "detail_en": err.text("en"),
    }
    if err.key == "version_not_kept":
        doc["kept_versions"] = [v for v in str(err.values.get("valid", "")).split(", ") if v]
    return json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")


def build_sdmx_error(err: ApiError) -> bytes:
    """An SDMX-ML 2.1 error message with the SDMX code and the text in English and Spanish."""
    root = etree.Element(f"{{{NS_MES}}}Error", nsmap={"mes": NS_MES, "com": NS_COM})
    em = etree.SubElement(root, f"{{{NS_MES}}}ErrorMessage", code=str(err.sdmx_code))
    for lang in ("en", "es"):
        text = etree.SubElement(em, f"{{{NS_COM}}}Text")
        text.set(f"{{{NS_XML}}}lang", lang)
        text.text = err.text(lang)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
