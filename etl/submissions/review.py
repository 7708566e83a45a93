"""What an administrator sees before publishing a version: metadata, a sample, totals compared with before.

``compute_review`` is pure (frames in, a ``Review`` out); ``Registry.review`` (below, as
``load_review``) reads the version and the submission's latest *published* version and calls it.

Totals by period and territory. A submission may hold totals beside their parts (``_T`` rows for
sex, nationality, ...); adding every row would count people twice. For each (measure, period,
territory), the rows with the most ``_T`` dimensions — the most aggregated rows the file has — are
added up: the published total when the file gives one, else the sum of the detailed rows. The
previous published version is summarised the same way, so like is compared with like. A total that
changed by more than ``tolerance`` (share of the previous), appeared or disappeared is flagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from etl.textsafe import escape_markdown, plain_text

BREAKDOWN = ("counterpart_area", "sex", "age", "dim_1", "dim_2", "dim_3", "dim_4", "dim_5")
TOTAL_CODE = "_T"
KEY = ["measure", "time_period", "ref_area"]
STATUS_NAMES = {
    "same": {"es": "igual", "en": "same"},
    "changed": {"es": "cambió", "en": "changed"},
    "large_change": {"es": "cambio grande", "en": "large change"},
    "new": {"es": "nuevo", "en": "new"},
    "missing": {"es": "ya no está", "en": "no longer there"},
}
SUMMARY_COLUMNS = [*KEY, "value", "previous", "difference", "change", "status", "flagged"]


@dataclass(frozen=True)
class Review:
    """One version as the administrator should see it before the publish button."""

    submission_id: str
    version: int
    metadata: dict[str, str]
    sample: pd.DataFrame  # the first ``sample_rows`` observations (no internal columns)
    summary: pd.DataFrame  # SUMMARY_COLUMNS, flagged rows first
    rows: int
    previous_version: int | None  # the latest published version compared with (None: first publication)
    totals: dict[str, float] = field(default_factory=dict)  # grand total now / before (per measure)

    @property
    def flagged(self) -> pd.DataFrame:
        return self.summary[self.summary.flagged]

    def status_label(self, status: str, lang: str) -> str:
        return STATUS_NAMES[status][lang]


def compute_totals(observations: pd.DataFrame) -> pd.DataFrame:
    """``measure, time_period, ref_area, value``: per key, the sum of its most aggregated rows (see module)."""
    if observations.empty:
        return pd.DataFrame(columns=[*KEY, "value"])
    obs = observations[observations["value"].notna()].copy()
    present = [c for c in BREAKDOWN if c in obs.columns]
    obs["_level"] = sum((obs[c] == TOTAL_CODE).astype(int) for c in present) if present else 0
    top = obs.groupby(KEY)["_level"].transform("max")
    kept = obs[obs["_level"] == top]
    return kept.groupby(KEY, as_index=False)["value"].sum()


def compare_totals(current: pd.DataFrame, previous: pd.DataFrame | None, tolerance: float = 0.1) -> pd.DataFrame:
    """The totals side by side with a status: same, changed, large_change (> ``tolerance``), new or missing."""
    before = previous if previous is not None else pd.DataFrame(columns=[*KEY, "value"])
    merged = current.merge(before.rename(columns={"value": "previous"}), on=KEY, how="outer")
    merged["value"] = merged["value"].astype("float64")
    merged["previous"] = merged["previous"].astype("float64")
    merged["difference"] = merged["value"] - merged["previous"]
    merged["change"] = merged["difference"] / merged["previous"].where(merged["previous"] != 0)
    status = pd.Series("same", index=merged.index)
    status[merged["difference"].fillna(0) != 0] = "changed"
    status[merged["change"].abs() > tolerance] = "large_change"
    if previous is not None:
        status[merged["previous"].isna()] = "new"
    status[merged["value"].isna()] = "missing"
    merged["status"] = status
    merged["flagged"] = merged["status"] != "same"
    order = {"missing": 0, "large_change": 1, "new": 2, "changed": 3, "same": 4}
    merged["_order"] = merged["status"].map(order)
    if previous is None:
        merged["flagged"] = False
    out = merged.sort_values(["_order", *KEY]).drop(columns="_order").reset_index(drop=True)
    return out[SUMMARY_COLUMNS]


def compute_review(
    submission_id: str,
    version: int,
    metadata: dict[str, str],
    observations: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    previous_version: int | None = None,
    sample_rows: int = 20,
    tolerance: float = 0.1,
) -> Review:
    """The review of one version (pure). ``previous``: the observations of the latest published version, if any."""
    sample_columns = [
        c
        for c in [
            "measure",
            "ref_area",
            "counterpart_area",
            "time_period",
            "sex",
            "age",
            "dim_1",
            "dim_2",
            "dim_3",
            "dim_4",
            "dim_5",
            "value",
            "unit",
            "obs_status",
        ]
        if c in observations.columns and (c not in BREAKDOWN or observations[c].notna().any())
    ]
    now = compute_totals(observations)
    before = compute_totals(previous) if previous is not None else None
    summary = compare_totals(now, before, tolerance)
    totals = {f"{m}": float(v) for m, v in now.groupby("measure")["value"].sum().items()}
    if before is not None:
        totals.update(
            {f"{m} (v{previous_version})": float(v) for m, v in before.groupby("measure")["value"].sum().items()}
        )
    return Review(
        submission_id,
        version,
        dict(metadata),
        observations[sample_columns].head(sample_rows).reset_index(drop=True),
        summary,
        len(observations),
        previous_version,
        totals,
    )


def load_review(registry, submission_id: str, version: int, sample_rows: int = 20, tolerance: float = 0.1) -> Review:
    """The review of a stored version against the submission's latest published version (other than itself)."""
    versions = registry.versions()
    mine = versions[(versions.submission_id == submission_id)]
    published = mine[(mine.status == "published") & (mine.version != version)]
    previous_version = int(published.version.max()) if len(published) else None
    observations = registry.load_version(submission_id, version)
    previous = registry.load_version(submission_id, previous_version) if previous_version is not None else None
    return compute_review(
        submission_id,
        version,
        registry.version_metadata(submission_id, version),
        observations,
        previous,
        previous_version,
        sample_rows,
        tolerance,
    )


def describe_metadata(
    metadata: Mapping[str, str], lang: str, markdown: bool = False, max_length: int | None = 4000
) -> list[tuple[str, str]]:
    """``(label in lang, value)`` for each metadata field, in the template's order, safe to show.

    Values are untrusted (they come from a focal point's file): controls and bidi overrides are
    dropped (``plain_text``); ``markdown=True`` also escapes them for widgets that render Markdown
    (``st.markdown``, ``st.caption``, ``st.info``), so a link or an image in a title stays text.
    Fields the spec does not know are listed last under their own id.
    """
    from etl.submissions.spec import load_spec

    fields = load_spec().metadata
    show = (lambda v: escape_markdown(v, max_length)) if markdown else (lambda v: plain_text(v, max_length))
    out = [(f.label(lang), show(metadata[fid])) for fid, f in fields.items() if fid in metadata]
    out += [(show(k), show(v)) for k, v in metadata.items() if k not in fields]
    return out
