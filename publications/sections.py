"""Section builders: one small function per section kind of a bulletin template (``SECTION_BUILDERS``).

Each ``build_<kind>_section(ctx, spec)`` computes its numbers with the project's own code
(``indicators.compute`` frames, ``indicators.flows``, ``indicators.corridors`` series) at the
data version of the store, registers every number's datasets as source notes, records
what has no data in ``ctx.gaps`` and says so in words: never a zero, never an empty chart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import pandas as pd

from etl.formatting import NO_DATA
from layers.classify import compute_classification
from layers.palettes import get_palette
from layers.static_chart import build_static_chart_images
from layers.static_image import ImageTexts
from layers.static_map import build_static_flow_map_images, build_static_map_images
from publications import data
from publications.context import BuildContext, choose_period, period_span, previous_period
from publications.model import Figure, Picture, Section, Table

# --------------------------------------------------------------------------- series of one item


@dataclass(frozen=True)
class ItemSeries:
    """A headline or trend item over its periods: ``frame`` has ``period, value, dataset_id, months, n``."""

    label: str
    frame: pd.DataFrame
    unit_label: str
    kind: str
    decimals: int
    window: int
    url: str
    network_total: int = 0
    periods: tuple[str, ...] = ()  # every period of the series (any territory): "previous" is taken from these


def view_url(page: str, **params: object) -> str:
    """The URL of an atlas view (the query string is its state)."""
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{data.atlas_url()}/{page}?{urlencode(clean)}"


def compute_indicator_series(ctx: BuildContext, item: Mapping) -> ItemSeries:
    """An indicator at country level for the area (or summed over the network), every period with a value."""
    import indicators

    ind = indicators.load_catalogue().get(item["indicator"])
    frame = data.load_indicator(ind.id, "country")
    fixed = item.get("area") if item.get("area") not in (None, "country", "network") else None
    network = fixed is None and (item.get("area") == "network" or ctx.area is None)
    codes = data.load_network() if network else ((fixed or ctx.area),)
    rows = frame[frame["geo_code"].isin(codes) & frame["value"].notna()]
    if network:
        grouped = rows.groupby("period", sort=False)
        out = pd.DataFrame(
            {
                "value": grouped["value"].sum(),
                "n": grouped["geo_code"].nunique(),
                "dataset_id": grouped["dataset_id"].agg(
                    lambda s: ";".join(sorted({d for x in s for d in x.split(";")}))
                ),
                "months": grouped["months"].min(),
            }
        ).reset_index()
    else:
        out = rows[["period", "value", "dataset_id", "months"]].assign(n=1)
    label = item.get("label", {}).get(ctx.lang) or ind.name(ctx.lang)
    url = view_url("map", lang=ctx.lang, indicator=ind.id, level="country", sel=None if network else codes[0])
    return ItemSeries(
        label,
        _ordered(out),
        ind.unit_label(ctx.lang),
        ind.kind,
        ind.decimals,
        ind.window,
        url,
        len(codes) if network else 0,
        tuple(frame.loc[frame["value"].notna(), "period"].unique()),
    )


def compute_flow_series(ctx: BuildContext, item: Mapping, periods: list[str] | None = None) -> ItemSeries:
    """A flow view's incoming or outgoing total for the area (or the network) per yearly period."""
    from indicators.flows import compute_place_totals, load_flow_views

    view = load_flow_views()[item["flow"]]
    fixed = item.get("area") if item.get("area") not in (None, "country", "network") else None
    network = fixed is None and (item.get("area") == "network" or ctx.area is None)
    codes = set(data.load_network() if network else ((fixed or ctx.area),))
    coverage = data.load_flow_coverage(view.view_id).set_index("period")["months"]
    rows, unit = [], None
    for period in periods if periods is not None else data.load_flow_periods(view.view_id):
        flows = data.load_flows(view.view_id, period)
        totals = compute_place_totals(flows)
        side = totals[totals["place"].isin(codes)][item["side"]].dropna()
        if side.empty:
            continue
        unit = unit or str(flows["unit"].dropna().iloc[0])
        months = coverage.get(period)
        rows.append(
            {
                "period": period,
                "value": float(side.sum()),
                "dataset_id": view.dataset_id,
                "months": 12.0 if months is None or pd.isna(months) else float(months),
                "n": len(side),
            }
        )
    frame = pd.DataFrame(rows, columns=["period", "value", "dataset_id", "months", "n"])
    unit_label = data.load_unit_names().get(unit, {}).get(ctx.lang, unit or "") if unit else ""
    label = item.get("label", {}).get(ctx.lang) or view.name(ctx.lang)
    url = view_url("flows", lang=ctx.lang, view=view.view_id, focus=None if network else next(iter(codes)))
    return ItemSeries(
        label,
        _ordered(frame),
        unit_label,
        view.kind,
        0,
        0,
        url,
        len(codes) if network else 0,
        tuple(data.load_flow_periods(view.view_id)),
    )


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame.reset_index(drop=True)
    order = frame["period"].map(lambda p: (period_span(p), str(p)))
    return frame.assign(_o=order).sort_values("_o").drop(columns="_o").reset_index(drop=True)


def compute_item_series(ctx: BuildContext, item: Mapping) -> ItemSeries:
    return compute_indicator_series(ctx, item) if "indicator" in item else compute_flow_series(ctx, item)


def applies(ctx: BuildContext, item: Mapping) -> bool:
    """Whether an item belongs in this bulletin (its ``countries`` and ``periods`` filters)."""
    countries = item.get("countries") or []
    kinds = item.get("periods") or []
    kind = ctx.period.kind if ctx.period is not None else "year"
    if kinds and kind not in kinds:
        return False
    return not countries or (ctx.area is not None and ctx.area in countries)


# --------------------------------------------------------------------------- headline


def build_figure(ctx: BuildContext, series: ItemSeries, section_title: str) -> Figure:
    """The bulletin year's value of ``series`` with its change on the previous period, or its absence in words."""
    frame = series.frame
    periods = list(frame["period"])
    period = choose_period(periods, ctx.year, series.window)
    if period is None:
        missing = ctx.t("no_data_for", period=ctx.year)
        ctx.gap(section_title, series.label)
        return Figure(series.label, None, missing, key=series.label)
    row = frame[frame["period"] == period].iloc[0]
    prev = previous_period(sorted(set(series.periods) | set(periods)), period)
    prev_value = float(frame.loc[frame["period"] == prev, "value"].iloc[0]) if prev in set(periods) else None
    value = float(row["value"])
    remarks = []
    if period_span(period)[0] > ctx.year or period_span(period)[1] < ctx.year:
        remarks.append(ctx.t("nearest_period", period=ctx.period_label(period), requested=ctx.year))
    if pd.notna(row["months"]) and float(row["months"]) < 12:
        remarks.append(ctx.t("months_suffix", months=int(row["months"])))
    if series.network_total:
        n = int(row["n"])
        remarks.append(
            ctx.t("network_sum", n=n)
            if n == series.network_total
            else ctx.t("network_partial", n=n, total=series.network_total)
        )
    shown = f"{ctx.number(value, series.decimals)} {series.unit_label}".strip()
    change = ctx.change(value, prev_value, prev, series.kind, series.unit_label, series.decimals)
    return Figure(
        series.label,
        value,
        shown,
        ctx.period_label(period),
        change,
        ctx.note(row["dataset_id"]),
        "; ".join(remarks),
        key=series.label,
    )


def monthly_source(item: Mapping) -> tuple[str, str] | None:
    """The monthly series behind a headline item: ``(flow view, side)`` (its own flow view when that has a
    month step, or its ``monthly`` entry), ``("dataset:<id>", measure)`` for a dataset's monthly observations,
    or ``None`` when the item is an annual series only."""
    from indicators.flows import load_flow_views

    if "flow" in item and "month" in load_flow_views()[item["flow"]].steps:
        return item["flow"], item["side"]
    monthly = item.get("monthly")
    if monthly and "dataset" in monthly:
        return f"dataset:{monthly['dataset']}", monthly["measure"]
    if monthly:
        return monthly["flow"], monthly["side"]
    return None


def compute_observation_period_value(
    dataset_id: str, measure: str, codes: tuple[str, ...], months: tuple[str, ...]
) -> tuple[float | None, tuple[str, ...], str | None, int]:
    """Like ``compute_period_value`` for a dataset's monthly observations (IOM Missing Migrants): a month
    inside the dataset's reporting span counts as covered (no row: nothing recorded); months after its last
    month are not covered. ``None`` when the period has no record for ``codes`` (never 0)."""
    obs = data.load_monthly_observations(dataset_id, measure)
    first, last = (obs["month"].min(), obs["month"].max()) if len(obs) else ("", "")
    covered = tuple(m for m in months if first <= m <= last)
    rows = obs[obs["country"].isin(codes) & obs["month"].isin(covered)]
    if rows.empty:
        return None, covered, None, 0
    return float(rows["value"].sum()), covered, "persons", rows["country"].nunique()


def _period_value(source: tuple[str, str], codes: tuple[str, ...], months: tuple[str, ...]):
    if source[0].startswith("dataset:"):
        return compute_observation_period_value(source[0].removeprefix("dataset:"), source[1], codes, months)
    return compute_period_value(source[0], source[1], codes, months)


def _item_codes(ctx: BuildContext, item: Mapping) -> tuple[tuple[str, ...], bool]:
    fixed = item.get("area") if item.get("area") not in (None, "country", "network") else None
    network = fixed is None and (item.get("area") == "network" or ctx.area is None)
    return (data.load_network() if network else ((fixed or ctx.area),)), network


def compute_period_value(
    view_id: str, side: str, codes: tuple[str, ...], months: tuple[str, ...]
) -> tuple[float | None, tuple[str, ...], str | None, int]:
    """The sum of a flow view's ``side`` for ``codes`` over ``months`` (store labels ``YYYY-MM``); the months
    that had a value; the unit; how many of ``codes`` had a value. ``None`` when no month has one (never 0)."""
    from indicators.flows import compute_place_totals

    available = set(data.load_flow_months(view_id))
    total, covered, unit, places = 0.0, [], None, set()
    for month in months:
        if month not in available:
            continue
        flows = data.load_month_flows(view_id, month)
        totals = compute_place_totals(flows)
        values = totals[totals["place"].isin(codes)].set_index("place")[side].dropna()
        if values.empty:
            continue
        total += float(values.sum())
        covered.append(month)
        places.update(values.index)
        unit = unit or str(flows["unit"].dropna().iloc[0])
    return (total if covered else None), tuple(covered), unit, len(places)


def build_period_figure(ctx: BuildContext, item: Mapping, section_title: str) -> Figure:
    """A quarter or month bulletin's figure: the item's monthly series summed over the period's months, with
    its change on the previous quarter (month) when both are complete; an incomplete period is announced.
    An item with no monthly series shows its latest complete year, labelled as annual only."""
    import indicators
    from indicators.flows import load_flow_views

    period = ctx.period
    source = monthly_source(item)
    if source is None:
        series = compute_item_series(ctx, item)
        figure = build_figure(ctx, series, section_title)
        if figure.value is None:
            return figure
        remark = ctx.t("annual_only_figure", year=figure.period, period=ctx.period_text)
        return replace(figure, remark="; ".join(r for r in (remark, figure.remark) if r))
    if source[0].startswith("dataset:"):
        dataset_id = source[0].removeprefix("dataset:")
    else:
        dataset_id = load_flow_views()[source[0]].dataset_id
    if "indicator" in item:
        default_label = indicators.load_catalogue().get(item["indicator"]).name(ctx.lang)
    else:
        default_label = load_flow_views()[source[0]].name(ctx.lang)
    label = item.get("label", {}).get(ctx.lang) or default_label
    codes, network = _item_codes(ctx, item)
    value, covered, unit, n = _period_value(source, codes, period.months)
    if value is None:
        ctx.gap(section_title, f"{label}: {ctx.t('no_monthly_data', period=ctx.period_text)}")
        return Figure(label, None, ctx.t("no_monthly_data", period=ctx.period_text), key=label)
    before = period.previous()
    prev_value, prev_covered, _, _ = _period_value(source, codes, before.months)
    complete = len(covered) == len(period.months) and len(prev_covered) == len(before.months)
    before_text = before.text(ctx.lang)
    if complete and prev_value:
        pct = (value - prev_value) / abs(prev_value) * 100
        change = ctx.t(
            f"change_previous_{period.kind}", sign="+" if pct > 0 else "", value=ctx.number(pct, 1), period=before_text
        )
    else:
        change = ctx.t(f"no_previous_{period.kind}", period=before_text)
    remarks = []
    if len(covered) < len(period.months):
        absent = [m for m in period.months if m not in covered]
        remarks.append(
            ctx.t(
                "partial_period",
                months=len(covered),
                expected=len(period.months),
                present=", ".join(period.month_text(m, ctx.lang) for m in covered),
                absent=", ".join(period.month_text(m, ctx.lang) for m in absent),
            )
        )
    if network:
        total = len(codes)
        remarks.append(ctx.t("network_sum", n=n) if n == total else ctx.t("network_partial", n=n, total=total))
    unit_label = data.load_unit_names().get(unit, {}).get(ctx.lang, unit or "") if unit else ""
    shown = f"{ctx.number(value)} {unit_label}".strip()
    return Figure(
        label,
        value,
        shown,
        ctx.period_text,
        change,
        ctx.note(dataset_id),
        "; ".join(remarks),
        key=label,
    )


def build_headline_section(ctx: BuildContext, spec: Mapping) -> Section:
    title = spec["title"][ctx.lang]
    if ctx.sub_annual:
        figures = [build_period_figure(ctx, item, title) for item in spec["figures"] if applies(ctx, item)]
    else:
        figures = [
            build_figure(ctx, compute_item_series(ctx, item), title) for item in spec["figures"] if applies(ctx, item)
        ]
    shown = tuple(f for f in figures if f.value is not None)
    missing = tuple(f"{f.label}: {f.text}" for f in figures if f.value is None)
    return Section(spec["id"], "headline", title, figures=shown, missing=missing)


# --------------------------------------------------------------------------- map


def build_map_section(ctx: BuildContext, spec: Mapping) -> Section:
    """A choropleth of the country's admin-1 units (or of the network's countries) for the first indicator
    of the list that has data there; otherwise a sentence, never an empty map."""
    import indicators

    title = spec["title"][ctx.lang]
    level = spec.get("level", "admin1" if ctx.area else "country")
    if level == "admin1":
        units = data.load_geometry("admin1", "country")
        units = units[units["parent_code"].isin(ctx.codes)]
    else:
        units = data.load_geometry("country", "region")
        units = units[units["geo_code"].isin(ctx.codes)]
    codes = set(units["geo_code"])
    for iid in spec["indicators"]:
        ind = indicators.load_catalogue().get(iid)
        frame = data.load_indicator(iid, level)
        rows = frame[frame["geo_code"].isin(codes) & frame["value"].notna()]
        period = choose_period(sorted(set(rows["period"])), ctx.year, ind.window)
        if period is None:
            continue
        chosen = rows[rows["period"] == period]
        values = dict(zip(chosen["geo_code"], chosen["value"].astype(float)))
        notes = ctx.note(";".join(sorted(set(chosen["dataset_id"]))))
        classification = compute_classification(list(values.values()), ind.scheme, ind.k, centre=ind.centre)
        url = view_url("map", lang=ctx.lang, indicator=iid, level=level, country=ctx.area, year=period)
        caption = ctx.t(
            "map_caption", indicator=ind.name(ctx.lang), period=ctx.period_label(period), unit=ind.unit_label(ctx.lang)
        )
        texts = ImageTexts(
            ind.name(ctx.lang),
            f"{ctx.area_name} · {ctx.period_label(period)}",
            ctx.source_line(notes),
            data.load_data_version(),
            url,
        )
        context = data.load_geometry("country", "region")
        images = build_static_map_images(
            units,
            values,
            classification,
            get_palette(ind.palette),
            texts,
            ctx.lang,
            decimals=ind.decimals,
            legend_title=ind.unit_label(ctx.lang),
            context=context,
        )
        picture = Picture(
            "map", caption, _alt_table(ctx, values, ind.decimals), images["png"].data, images["svg"].data, notes, url
        )
        paragraphs = (ind.text("definition", ctx.lang),)
        if period_span(period)[0] != ctx.year:
            paragraphs += (ctx.t("nearest_period", period=ctx.period_label(period), requested=ctx.year),)
        return Section(spec["id"], "map", title, paragraphs=paragraphs, pictures=(picture,), notes=notes)
    sentence = ctx.t("map_missing", area=ctx.area_name, period=ctx.year)
    ctx.gap(title, sentence)
    return Section(spec["id"], "map", title, missing=(sentence,))


def _alt_table(ctx: BuildContext, values: Mapping[str, float], decimals: int) -> str:
    """The text alternative of a map: every unit drawn with its value, largest first."""
    ranked = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    return "; ".join(f"{ctx.name(code)}: {ctx.number(v, decimals)}" for code, v in ranked)


# --------------------------------------------------------------------------- flows


def choose_flow_period(ctx: BuildContext, view_id: str, window: int) -> str | None:
    periods = data.load_flow_periods(view_id)
    return choose_period(periods, ctx.year, window)


def compute_period_flows(view_id: str, months: tuple[str, ...]) -> tuple[pd.DataFrame | None, tuple[str, ...]]:
    """Origin -> destination flows of a view summed over the store's ``months`` (a quarter), largest first,
    and the months that are in the store; ``None`` when none is (a pair missing in a month stays missing)."""
    from indicators.flows import FLOW_COLUMNS, aggregate_groups, sort_flows

    available = set(data.load_flow_months(view_id))
    covered = tuple(m for m in months if m in available)
    if not covered:
        return None, ()
    frames = [data.load_month_flows(view_id, m) for m in covered]
    if len(frames) == 1:
        return frames[0], covered
    both = pd.concat(frames, ignore_index=True)
    keys = ["origin", "destination", "reporter", "unit", "dataset_id", "measure"]
    both["value"] = both["value"].astype(float)
    summed = aggregate_groups(both, keys)
    summed["period"] = "+".join(covered)
    # a pair absent from a month's flows had nothing counted that month: the sum covers the months it has
    return sort_flows(summed[list(FLOW_COLUMNS)]), covered


def build_flows_section(ctx: BuildContext, spec: Mapping) -> Section:
    """Per flow view: the main origins into and destinations from the area (or the largest flows touching
    the network), as tables; the first view with flows is also drawn as a flow map."""
    from indicators.flows import load_flow_views

    title = spec["title"][ctx.lang]
    top = int(spec.get("top", 5))
    tables, pictures, notes_all, missing, annual_only = [], [], [], [], []
    views = load_flow_views()
    codes = set(ctx.codes)
    for entry in spec["views"]:
        vid = entry if isinstance(entry, str) else entry["view"]
        if not isinstance(entry, str) and not applies(ctx, entry):
            continue
        view = views[vid]
        by_month = ctx.sub_annual and "month" in view.steps
        if by_month:
            flows, covered = compute_period_flows(vid, ctx.period.months)
            period, asked = None, ctx.period_text
            shown_period = ctx.period_text
            if flows is not None and len(covered) < len(ctx.period.months):
                shown_period += " " + ctx.t("partial_months", months=len(covered), expected=len(ctx.period.months))
        else:
            period = choose_flow_period(ctx, vid, int(spec.get("window", 0)))
            flows = data.load_flows(vid, period) if period else None
            asked, shown_period = ctx.year, ctx.period_label(period) if period else ""
            if ctx.sub_annual and flows is not None:
                annual_only.append(view.name(ctx.lang))
                shown_period += " · " + ctx.t("annual_only_short")
        if flows is not None:
            flows = flows[flows["value"].notna() & flows["origin"].ne(flows["destination"])]
            touching = flows[flows["origin"].isin(codes) | flows["destination"].isin(codes)]
        if flows is None or touching.empty:
            missing.append(ctx.gap(title, f"{view.name(ctx.lang)}: {ctx.t('no_data_for', period=asked)}"))
            continue
        unit = data.load_unit_names().get(str(touching["unit"].iloc[0]), {}).get(ctx.lang, "")
        notes = ctx.note(view.dataset_id)
        notes_all.extend(notes)
        caption = f"{view.name(ctx.lang)} · {shown_period} ({unit})"
        rows, row_notes = [], []
        if ctx.area is None:
            chosen = touching[touching["origin"].ne("_X")].head(top)
            for r in chosen.itertuples():
                rows.append((ctx.name(r.origin), ctx.name(r.destination), ctx.number(r.value)))
                row_notes.append(notes)
            columns = (ctx.t("origin"), ctx.t("destination"), ctx.t("value"))
        else:
            incoming = touching[touching["destination"].eq(ctx.area) & touching["origin"].ne("_X")].head(top)
            outgoing = touching[touching["origin"].eq(ctx.area) & touching["destination"].ne("_X")].head(top)
            for r in incoming.itertuples():
                rows.append((ctx.name(r.origin), ctx.name(ctx.area), ctx.number(r.value)))
                row_notes.append(notes)
            for r in outgoing.itertuples():
                rows.append((ctx.name(ctx.area), ctx.name(r.destination), ctx.number(r.value)))
                row_notes.append(notes)
            chosen = pd.concat([incoming, outgoing])
            columns = (ctx.t("origin"), ctx.t("destination"), ctx.t("value"))
        if not rows:
            missing.append(ctx.gap(title, f"{view.name(ctx.lang)}: {ctx.t('no_data_for', period=asked)}"))
            continue
        tables.append(Table(columns, tuple(rows), tuple(row_notes), caption))
        if not pictures:
            url = view_url("flows", lang=ctx.lang, view=vid, period=period, focus=ctx.area)
            texts = ImageTexts(
                view.name(ctx.lang),
                f"{ctx.area_name} · {shown_period}",
                ctx.source_line(notes),
                data.load_data_version(),
                url,
            )
            try:
                images = build_static_flow_map_images(
                    data.load_geometry("country", "region"),
                    chosen,
                    data.load_label_points(),
                    texts,
                    ctx.lang,
                    unit_label=unit,
                    highlight=tuple(codes),
                )
                pictures.append(
                    Picture(
                        "flows",
                        caption,
                        "; ".join(" → ".join(r[:2]) + f": {r[2]}" for r in rows),
                        images["png"].data,
                        images["svg"].data,
                        notes,
                        url,
                    )
                )
            except ValueError:
                pass  # nothing drawable (ends without geometry): the table says it all
    paragraphs = ()
    if annual_only:
        paragraphs = (ctx.t("annual_only_views", views="; ".join(annual_only), year=ctx.year, period=ctx.period_text),)
    if not tables:
        sentence = ctx.t("flows_missing", area=ctx.area_name, period=ctx.period_text)
        return Section(spec["id"], "flows", title, paragraphs=paragraphs, missing=(sentence, *missing))
    return Section(
        spec["id"],
        "flows",
        title,
        paragraphs=paragraphs,
        tables=tuple(tables),
        pictures=tuple(pictures),
        missing=tuple(missing),
        notes=tuple(dict.fromkeys(notes_all)),
    )


# --------------------------------------------------------------------------- corridors


def compute_year_value(series: pd.DataFrame, year: int) -> tuple[float | None, int]:
    """A series' value for a calendar year: its annual row, else the sum of its months (missing if any
    month is missing); and how many months it covers (12 for an annual row, 0 when absent)."""
    if series.empty:
        return None, 0
    annual = series[series["freq"].ne("M") & series["period"].astype(str).eq(str(year))]
    if not annual.empty:
        value = annual["value"].iloc[0]
        return (None if pd.isna(value) else float(value)), 12
    months = series[series["freq"].eq("M") & series["period"].astype(str).str.startswith(f"{year}-")]
    if months.empty:
        return None, 0
    if months["value"].isna().any():
        return None, len(months)
    return float(months["value"].sum()), len(months)


def build_corridors_section(ctx: BuildContext, spec: Mapping) -> Section:
    """The segments of each corridor touching the area: counted there (every nationality of the corridor,
    largest first) or counting the area's own nationals; each authority's figure side by side, never added."""
    from indicators.corridors import load_corridors

    title = spec["title"][ctx.lang]
    top = int(spec.get("top", 4))
    corridors = load_corridors()
    chosen = [corridors[c] for c in (spec.get("corridors") or list(corridors))]
    rows, row_notes, paragraphs, missing = [], [], [], []
    y, y0 = ctx.year, ctx.year - 1
    for corridor in chosen:
        chain_countries = {n.country or n.geo_code for n in corridor.chain}
        touches = ctx.area is None or ctx.area in chain_countries or ctx.area in corridor.nationalities
        if not touches:
            continue
        corridor_rows = 0
        for seg in corridor.segments:
            node = next(n for n in corridor.chain if n.node_id == seg.node_id)
            at_area = ctx.area is None or (node.country or node.geo_code) == ctx.area
            nationalities = (
                corridor.nationalities if at_area else ((ctx.area,) if ctx.area in corridor.nationalities else ())
            )
            found = []
            for nat in nationalities:
                s = seg.series
                series = data.load_series(
                    s.dataset_id, s.measure, s.ref_area, s.resolved_counterpart(nat), tuple(sorted(s.filters.items()))
                )
                value, months = compute_year_value(series, y)
                if value is None:
                    continue
                prev, _ = compute_year_value(series, y0)
                found.append((value, nat, prev, months, s))
            for value, nat, prev, months, s in sorted(found, key=lambda f: (-f[0], f[1]))[:top]:
                notes = ctx.note(s.dataset_id)
                shown = ctx.number(value) + (f" {ctx.t('months_suffix', months=months)}" if months < 12 else "")
                rows.append((corridor.name(ctx.lang), s.label(ctx.lang), ctx.name(nat), shown, ctx.number(prev)))
                row_notes.append(notes)
                corridor_rows += 1
        for mirror in corridor.mirrors:
            if ctx.area is not None and ctx.area not in (
                mirror.left.ref_area,
                mirror.left.counterpart,
                mirror.right.ref_area,
                mirror.right.counterpart,
            ):
                continue
            for s in (mirror.left, mirror.right):
                series = data.load_series(
                    s.dataset_id, s.measure, s.ref_area, s.counterpart, tuple(sorted(s.filters.items()))
                )
                value, months = compute_year_value(series, y)
                if value is None:
                    continue
                prev, _ = compute_year_value(series, y0)
                notes = ctx.note(s.dataset_id)
                rows.append(
                    (
                        f"{corridor.name(ctx.lang)} · {ctx.t('mirror')}",
                        s.label(ctx.lang),
                        NO_DATA,
                        ctx.number(value),
                        ctx.number(prev),
                    )
                )
                row_notes.append(notes)
                corridor_rows += 1
        if corridor_rows == 0 and ctx.area is not None:
            missing.append(
                ctx.gap(
                    title,
                    f"{corridor.name(ctx.lang)}: "
                    + ctx.t("corridor_not_counted", area=ctx.area_name, corridor=corridor.name(ctx.lang)),
                )
            )
    if not rows:
        if not missing:
            sentence = ctx.t("no_corridor", area=ctx.area_name)
            return Section(spec["id"], "corridors", title, paragraphs=(sentence,))
        return Section(spec["id"], "corridors", title, missing=tuple(missing))
    paragraphs.append(ctx.t("corridor_note"))
    columns = (ctx.t("corridor"), ctx.t("segment"), ctx.t("nationality"), str(y), str(y0))
    table = Table(columns, tuple(rows), tuple(row_notes))
    return Section(
        spec["id"],
        "corridors",
        title,
        paragraphs=tuple(paragraphs),
        tables=(table,),
        missing=tuple(missing),
        notes=tuple(dict.fromkeys(n for ns in row_notes for n in ns)),
    )


# --------------------------------------------------------------------------- trend


def build_monthly_trend(ctx: BuildContext, item: Mapping, title: str, months: int) -> tuple[Figure, Picture] | str:
    """A quarter or month bulletin's trend of a monthly item: the ``months`` months up to the period's end as
    bars (months without a value are left out, never drawn as 0) and the period's figure; the sentence that
    says so (recorded as a gap) when the period has no value."""
    period = ctx.period
    year, month = period.year, period.month_numbers[-1]
    labels = []
    for _ in range(months):
        labels.append(f"{year}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    labels.reverse()
    source = monthly_source(item)
    codes, _ = _item_codes(ctx, item)
    rows = []
    for m in labels:
        value, _, unit, _ = _period_value(source, codes, (m,))
        if value is not None:
            rows.append((m, value, unit))
    figure = build_period_figure(ctx, item, title)
    first, last = labels[0], labels[-1]
    if not rows or figure.value is None:
        sentence = f"{figure.label}: {ctx.t('no_monthly_data', period=ctx.period_text)}"
        if figure.value is not None:
            ctx.gap(title, sentence)
        return sentence
    unit = rows[0][2]
    unit_label = data.load_unit_names().get(unit, {}).get(ctx.lang, unit or "") if unit else ""
    notes = figure.notes
    texts = ImageTexts(
        figure.label,
        f"{ctx.area_name} · {first} – {last} ({unit_label})",
        ctx.source_line(notes),
        data.load_data_version(),
        "",
    )
    shown = pd.DataFrame({"period": [r[0] for r in rows], "value": [float(r[1]) for r in rows]})
    images = build_static_chart_images(shown, texts, ctx.lang, unit_label, mark="bar")
    alt = "; ".join(f"{p}: {ctx.number(v)}" for p, v in zip(shown["period"], shown["value"]))
    caption = ctx.t("trend_caption", label=figure.label, first=first, last=last)
    return figure, Picture("chart", caption, alt, images["png"].data, images["svg"].data, notes, "")


def build_trend_section(ctx: BuildContext, spec: Mapping) -> Section:
    """Each item over the last ``years`` years up to the bulletin year: a chart and the latest figure,
    or a sentence when the area has no value in those years."""
    title = spec["title"][ctx.lang]
    years = int(spec.get("years", 6))
    first = ctx.year - years + 1
    figures, pictures, missing, annual_only = [], [], [], []
    for item in spec["items"]:
        if not applies(ctx, item):
            continue
        if ctx.sub_annual and monthly_source(item) is not None:
            found = build_monthly_trend(ctx, item, title, int(spec.get("months", 12)))
            if isinstance(found, str):
                missing.append(found)
                continue
            figure, picture = found
            figures.append(figure)
            pictures.append(picture)
            continue
        series = compute_item_series(ctx, item)
        if ctx.sub_annual:
            annual_only.append(series.label)
        frame = series.frame
        inside = frame[frame["period"].map(lambda p: first <= period_span(p)[0] <= ctx.year)]
        if inside.empty:
            missing.append(
                ctx.gap(
                    title, ctx.t("trend_missing", label=series.label, area=ctx.area_name, first=first, last=ctx.year)
                )
            )
            continue
        notes = ctx.note(";".join(sorted({d for x in inside["dataset_id"] for d in str(x).split(";")})))
        figure = build_figure(ctx, series, title)
        if ctx.sub_annual and figure.value is not None:
            remark = ctx.t("annual_only_figure", year=figure.period, period=ctx.period_text)
            figure = replace(figure, remark="; ".join(r for r in (remark, figure.remark) if r))
        figures.append(figure)
        caption = ctx.t("trend_caption", label=series.label, first=first, last=ctx.year)
        texts = ImageTexts(
            series.label,
            f"{ctx.area_name} · {first}–{ctx.year} ({series.unit_label})",
            ctx.source_line(notes),
            data.load_data_version(),
            series.url,
        )
        shown = pd.DataFrame(
            {"period": [ctx.period_label(p) for p in inside["period"]], "value": inside["value"].astype(float)}
        )
        mark = "bar" if series.kind == "flow" else "line"
        images = build_static_chart_images(shown, texts, ctx.lang, series.unit_label, mark=mark)
        alt = "; ".join(f"{p}: {ctx.number(v, series.decimals)}" for p, v in zip(shown["period"], shown["value"]))
        pictures.append(Picture("chart", caption, alt, images["png"].data, images["svg"].data, notes, series.url))
    figures = [f for f in figures if f.value is not None]
    paragraphs = ()
    if annual_only:
        paragraphs = (ctx.t("annual_only_views", views="; ".join(annual_only), year=ctx.year, period=ctx.period_text),)
    return Section(
        spec["id"],
        "trend",
        title,
        paragraphs=paragraphs,
        figures=tuple(figures),
        pictures=tuple(pictures),
        missing=tuple(missing),
        notes=tuple(dict.fromkeys(n for p in pictures for n in p.notes)),
    )


# --------------------------------------------------------------------------- country table


def build_country_table_section(ctx: BuildContext, spec: Mapping) -> Section:
    """One row per network country, one column per indicator (value for the year or the nearest within the
    indicator's window, with its period when it differs); a dash where there is none."""
    import indicators

    title = spec["title"][ctx.lang]
    catalogue = indicators.load_catalogue()
    inds = [catalogue.get(i) for i in spec["indicators"]]
    columns = (
        ctx.t("country"),
        *(
            i.name(ctx.lang)
            if i.unit_label(ctx.lang) in i.name(ctx.lang)
            else f"{i.name(ctx.lang)} ({i.unit_label(ctx.lang)})"
            for i in inds
        ),
    )
    rows, row_notes = [], []
    column_notes: list[list[int]] = [[] for _ in columns]
    for code in ctx.codes:
        cells, notes = [ctx.name(code)], []
        for ind in inds:
            frame = data.load_indicator(ind.id, "country")
            mine = frame[frame["geo_code"].eq(code) & frame["value"].notna()]
            period = choose_period(list(mine["period"]), ctx.year, ind.window)
            if period is None:
                cells.append(NO_DATA)
                ctx.gap(title, f"{ctx.name(code)}: {ind.name(ctx.lang)}")
                continue
            row = mine[mine["period"] == period].iloc[0]
            suffix = "" if period_span(period)[0] == ctx.year else f" ({ctx.period_label(period)})"
            cells.append(ctx.number(float(row["value"]), ind.decimals) + suffix)
            found = ctx.note(row["dataset_id"])
            notes.extend(found)
            column = column_notes[1 + inds.index(ind)]
            column.extend(n for n in found if n not in column)
        rows.append(tuple(cells))
        row_notes.append(tuple(dict.fromkeys(notes)))
    table = Table(
        columns,
        tuple(rows),
        tuple(row_notes),
        ctx.t("country_table_note"),
        tuple(tuple(sorted(c)) for c in column_notes),
    )
    return Section(
        spec["id"],
        "country_table",
        title,
        tables=(table,),
        notes=tuple(dict.fromkeys(n for ns in row_notes for n in ns)),
    )


# --------------------------------------------------------------------------- gaps


def build_gaps_section(ctx: BuildContext, spec: Mapping) -> Section:
    """The "data gaps" box: every section and figure above that had no data, in words."""
    title = spec["title"][ctx.lang]
    if not ctx.gaps:
        return Section(
            spec["id"], "gaps", title, paragraphs=(ctx.t("no_gaps", area=ctx.area_name, period=ctx.period_text),)
        )
    lines = tuple(what if what.startswith(section) else f"{section}: {what}" for section, what in ctx.gaps)
    return Section(
        spec["id"],
        "gaps",
        title,
        paragraphs=(ctx.t("gaps_intro", area=ctx.area_name, period=ctx.period_text),),
        missing=lines,
    )


SECTION_BUILDERS: dict[str, Callable[[BuildContext, Mapping], Section]] = {
    "headline": build_headline_section,
    "map": build_map_section,
    "flows": build_flows_section,
    "corridors": build_corridors_section,
    "trend": build_trend_section,
    "country_table": build_country_table_section,
    "gaps": build_gaps_section,
}
