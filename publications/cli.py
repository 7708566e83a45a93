"""``python -m publications``: build bulletins, fact sheets and articles from the store, offline.

python -m publications list [--lang es]
python -m publications bulletin --country GTM --year 2023 --lang es --out gtm.pdf [--json gtm.json]
python -m publications bulletin --country PAN --period 2024-Q3 --lang en --out pan-2024-q3.pdf
python -m publications bulletin --country GTM --period 2024-03 --lang es --out gtm-2024-03.pdf
python -m publications bulletins --all --year 2023 --out-dir out/ [--lang es en]   (or --period 2024-Q3)
python -m publications factsheet --country GTM --year 2023 --lang es --format png --out gtm.png
python -m publications article darien-2021-2024 --lang es --out darien.pdf [--html darien.html]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

LANGS = ("es", "en")
PERIOD_HELP = "a year (2024), a quarter (2024-Q3) or a month (2024-03); instead of --year"


def _write(path: str, data: bytes) -> None:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)


def run_list(args: argparse.Namespace) -> int:
    from publications.catalogue import list_publications

    for entry in list_publications(args.lang, year=args.year):
        extra = f" [{', '.join(entry.countries)}]" if entry.countries else ""
        print(f"{entry.kind:9} {entry.slug:40} {entry.title}{extra}")
    return 0


def _bulletin_period(args: argparse.Namespace) -> int | str:
    """``--period`` (a year, a quarter 2024-Q3 or a month 2024-03) or ``--year``: exactly one of them."""
    if (args.period is None) == (args.year is None):
        raise ValueError("give exactly one of --year 2023 or --period (2024, 2024-Q3 or 2024-03)")
    return args.year if args.period is None else args.period


def run_bulletin(args: argparse.Namespace) -> int:
    from publications.bulletin import build_bulletin
    from publications.render import render_pdf

    pub = build_bulletin(args.country, _bulletin_period(args), args.lang)
    _write(args.out, render_pdf(pub))
    if args.json:
        _write(args.json, json.dumps(pub.to_dict(), ensure_ascii=False, indent=1).encode("utf-8"))
    print(f"{args.out}: {pub.title} · {pub.data_version}")
    return 0


def run_bulletins(args: argparse.Namespace) -> int:
    from publications.bulletin import build_bulletin, bulletin_areas, bulletin_slug
    from publications.render import render_pdf

    if not args.all and not args.country:
        print("give --all or one or more --country codes", file=sys.stderr)
        return 2
    period = _bulletin_period(args)
    areas = bulletin_areas() if args.all else args.country
    out_dir = Path(args.out_dir)
    for area in areas:
        for lang in args.lang:
            start = time.perf_counter()
            pdf = render_pdf(build_bulletin(area, period, lang))
            path = out_dir / f"{bulletin_slug(area, period, lang)}.pdf"
            _write(str(path), pdf)
            print(f"{path}  {len(pdf) / 1024:.0f} KB  {time.perf_counter() - start:.1f} s")
    return 0


def run_factsheet(args: argparse.Namespace) -> int:
    from publications.factsheet import build_factsheet

    image = build_factsheet(args.country, args.year, args.lang, fmt=args.format)
    _write(args.out, image.data)
    print(
        f"{args.out}: {image.texts.title} ({image.fmt}"
        + (f", {image.width_px}x{image.height_px} px)" if image.width_px else ")")
    )
    return 0


def run_article(args: argparse.Namespace) -> int:
    from publications.articles import build_article, render_article_html
    from publications.render import render_pdf

    pub = build_article(args.slug, args.lang)
    if args.out:
        _write(args.out, render_pdf(pub))
        print(f"{args.out}: {pub.title}")
    if args.html:
        _write(args.html, render_article_html(pub).encode("utf-8"))
        print(f"{args.html}: {pub.title}")
    if not args.out and not args.html:
        print(json.dumps(pub.to_dict(), ensure_ascii=False, indent=1))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m publications", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="every publication that can be built, with its slug")
    p.add_argument("--lang", choices=LANGS, default="es")
    p.add_argument("--year", type=int, default=None, help="bulletin year (default: the latest complete year)")
    p.set_defaults(run=run_list)
    p = sub.add_parser("bulletin", help="one bulletin as PDF")
    p.add_argument("--country", required=True, help="ISO3 of a network country, or 'region'")
    p.add_argument("--year", type=int, default=None)
    p.add_argument("--period", default=None, help=PERIOD_HELP)
    p.add_argument("--lang", choices=LANGS, default="es")
    p.add_argument("--out", required=True, help="PDF file to write")
    p.add_argument("--json", help="also write the structured content (JSON, image sizes only)")
    p.set_defaults(run=run_bulletin)
    p = sub.add_parser("bulletins", help="many bulletins as PDFs")
    p.add_argument("--all", action="store_true", help="the twelve network countries and the region")
    p.add_argument("--country", nargs="*", default=[])
    p.add_argument("--year", type=int, default=None)
    p.add_argument("--period", default=None, help=PERIOD_HELP)
    p.add_argument("--lang", nargs="+", choices=LANGS, default=list(LANGS))
    p.add_argument("--out-dir", required=True)
    p.set_defaults(run=run_bulletins)
    p = sub.add_parser("factsheet", help="a one-page country fact sheet image")
    p.add_argument("--country", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--lang", choices=LANGS, default="es")
    p.add_argument("--format", choices=("png", "svg", "pdf"), default="png")
    p.add_argument("--out", required=True)
    p.set_defaults(run=run_factsheet)
    p = sub.add_parser("article", help="an article (content/articles) as PDF and/or HTML")
    p.add_argument("slug")
    p.add_argument("--lang", choices=LANGS, default="es")
    p.add_argument("--out", help="PDF file to write")
    p.add_argument("--html", help="HTML file to write")
    p.set_defaults(run=run_article)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
