"""``python -m publications``: list, bulletin, factsheet and article write files; bad input exits with 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from publications.cli import main
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("built_store")


def test_list_names_every_bulletin_factsheet_and_article(capsys):
    assert main(["list", "--lang", "en", "--year", "2023"]) == 0
    out = capsys.readouterr().out
    for slug in (
        "bulletin-gtm-2023-en",
        "bulletin-region-2023-en",
        "factsheet-sur-2023-en",
        "darien-2021-2024",
        "emigration-guatemala-el-salvador",
    ):
        assert slug in out
    kinds = [line.split()[0] for line in out.splitlines()]
    assert kinds.count("bulletin") == 13 and kinds.count("factsheet") == 12 and kinds.count("article") == 2


def test_bulletin_factsheet_and_article_write_their_files(tmp_path: Path):
    pdf, js, png, html = (tmp_path / n for n in ("b.pdf", "b.json", "f.png", "a.html"))
    assert (
        main(["bulletin", "--country", "BLZ", "--year", "2023", "--lang", "en", "--out", str(pdf), "--json", str(js)])
        == 0
    )
    assert pdf.read_bytes()[:5] == b"%PDF-" and '"slug": "bulletin-blz-2023-en"' in js.read_text()
    assert main(["factsheet", "--country", "BLZ", "--year", "2023", "--lang", "es", "--out", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert main(["article", "darien-2021-2024", "--lang", "en", "--html", str(html)]) == 0
    assert html.read_text().startswith("<!doctype html>")


def test_unknown_country_or_article_exits_with_a_message(tmp_path: Path, capsys):
    assert main(["bulletin", "--country", "XYZ", "--year", "2023", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "XYZ" in capsys.readouterr().err
    assert main(["article", "no-such-article", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "darien-2021-2024" in capsys.readouterr().err
