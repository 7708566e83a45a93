"""Review before publish (issue 15): metadata, a sample, totals by period and territory against the last publication."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.submissions.registry import Registry
from etl.submissions.review import compute_review, compute_totals

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "submissions" / "valid"
PASSWORD = "correct horse battery staple"


def obs(rows):
    return pd.DataFrame(rows, columns=["measure", "time_period", "ref_area", "sex", "counterpart_area", "value"])


def test_totals_add_the_most_aggregated_rows_only():
    frame = obs(
        [
            ("m", "2024", "GTM", "_T", "_T", 100.0),
            ("m", "2024", "GTM", "F", "_T", 40.0),
            ("m", "2024", "GTM", "M", "_T", 60.0),  # a total and its parts: 100, not 200
            ("m", "2024", "GT-01", "F", "HND", 3.0),
            ("m", "2024", "GT-01", "M", "HND", 4.0),
        ]
    )  # parts only: 7
    totals = compute_totals(frame).set_index("ref_area")["value"]
    assert totals.to_dict() == {"GT-01": 7.0, "GTM": 100.0}


def test_changes_against_the_previous_publication_are_flagged_first():
    before = obs(
        [
            ("m", "2023", "GTM", "_T", "_T", 100.0),
            ("m", "2024", "GTM", "_T", "_T", 100.0),
            ("m", "2022", "GTM", "_T", "_T", 50.0),
            ("m", "2021", "GTM", "_T", "_T", 10.0),
        ]
    )
    now = obs(
        [
            ("m", "2023", "GTM", "_T", "_T", 100.0),
            ("m", "2024", "GTM", "_T", "_T", 150.0),
            ("m", "2025", "GTM", "_T", "_T", 80.0),
            ("m", "2021", "GTM", "_T", "_T", 10.5),
        ]
    )
    review = compute_review("sub_x", 2, {"title": "=evil"}, now, before, previous_version=1, sample_rows=2)
    by_period = review.summary.set_index("time_period")
    assert by_period.status.to_dict() == {
        "2022": "missing",
        "2024": "large_change",
        "2025": "new",
        "2021": "changed",
        "2023": "same",
    }
    assert list(review.summary.time_period) == ["2022", "2024", "2025", "2021", "2023"]  # flagged first
    assert by_period.loc["2024", "difference"] == 50 and by_period.loc["2024", "change"] == 0.5
    assert review.flagged.shape[0] == 4 and len(review.sample) == 2 and review.rows == 4
    assert review.metadata == {"title": "=evil"} and review.status_label("missing", "es") == "ya no está"


def test_a_first_publication_flags_nothing(tmp_path):
    now = obs([("m", "2024", "GTM", "_T", "_T", 1.0)])
    review = compute_review("sub_x", 1, {}, now)
    assert review.previous_version is None and not review.summary.flagged.any()
    assert review.summary.status.tolist() == ["same"] and review.summary.previous.isna().all()


def test_the_registry_reviews_a_version_against_the_latest_published_one(tmp_path, registry_env):  # both back ends
    reg = Registry(tmp_path / "registry")
    reg.add_account("ana.gtm", PASSWORD, "focal_point", "GTM")
    reg.add_account("admin", PASSWORD, "regional_admin")
    ana, admin = reg.account("ana.gtm"), reg.account("admin")
    first = reg.ingest((FIXTURES / "gtm_returns_igm_2020_2023_es.csv").read_bytes(), "v1.csv", "GTM", ana)
    reg.publish(first.submission_id, 1, admin)
    second = reg.ingest(
        (FIXTURES / "gtm_returns_igm_en.xlsx").read_bytes(), "v2.xlsx", "GTM", ana, submission_id=first.submission_id
    )
    review = reg.review(first.submission_id, second.version)
    assert review.previous_version == 1 and review.rows == 1101
    assert review.metadata["country"] == "GTM" and review.metadata["period_end"] == "2025-04"
    new = review.summary[review.summary.status == "new"]
    assert set(new.time_period) == {f"2024-{m:02d}" for m in range(1, 13)} | {f"2025-0{m}" for m in range(1, 5)}
    assert (review.summary[review.summary.time_period < "2024"].status != "missing").all()


def test_metadata_is_described_as_plain_text_for_pages():
    from markdown_it import MarkdownIt

    from etl.submissions.review import describe_metadata

    meta = {
        "title": "Entradas ![x](https://evil.example/p.png) [aquí](https://evil.example)\u202e",
        "country": "GTM",
        "odd_field": "<b>x</b>",
    }
    plain = dict(describe_metadata(meta, "es"))
    assert plain["Título"] == "Entradas ![x](https://evil.example/p.png) [aquí](https://evil.example)"
    assert list(plain)[:2] == ["País", "Título"] and plain["odd_field"] == "<b>x</b>"
    html = MarkdownIt("commonmark").render(" ".join(v for _, v in describe_metadata(meta, "en", markdown=True)))
    assert "<a " not in html and "<img" not in html and "<b>" not in html
