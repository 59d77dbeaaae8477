"""The server-rendered trend chart."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from navigator_console.charts import GAD7_BANDS, PHQ9_BANDS, trend_chart

T0 = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)


def _points(svg: str) -> list[tuple[float, float]]:
    match = re.search(r'<polyline[^>]* points="([^"]+)"', svg)
    assert match is not None
    return [(float(x), float(y)) for x, y in (p.split(",") for p in match.group(1).split())]


def test_the_chart_shades_every_severity_band() -> None:
    """Each PHQ-9 band is a shaded rectangle with its name beside it."""
    svg = str(trend_chart("PHQ-9 total", [(T0, 10)], PHQ9_BANDS))
    assert svg.count('<rect class="band') == 5
    for name in ("minimal", "mild", "moderate", "moderately severe", "severe"):
        assert f">{name}</text>" in svg


def test_points_run_left_to_right_in_time_and_higher_scores_sit_higher() -> None:
    """Totals are plotted oldest first; a higher total is drawn nearer the top."""
    svg = str(
        trend_chart(
            "GAD-7 total",
            [(T0 + timedelta(days=14), 5), (T0, 15), (T0 + timedelta(days=7), 10)],
            GAD7_BANDS,
        )
    )
    points = _points(svg)
    assert [x for x, _ in points] == sorted(x for x, _ in points)
    assert points[0][1] < points[1][1] < points[2][1]
    assert svg.count("<circle") == 3


def test_a_chart_without_results_says_so() -> None:
    """With nothing recorded yet, the chart shows the bands and 'no results yet'."""
    svg = str(trend_chart("PHQ-9 total", [], PHQ9_BANDS))
    assert "no results yet" in svg
    assert "<polyline" not in svg


def test_the_title_is_escaped() -> None:
    """Text placed in the SVG cannot inject markup."""
    svg = str(trend_chart("<script>x</script>", [(T0, 3)], PHQ9_BANDS))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_dates_are_shown_in_the_clinics_time_zone() -> None:
    """A result late in the UTC day is labelled with the clinic's local date."""
    late = datetime(2027, 3, 2, 3, 0, tzinfo=UTC)  # March 1, 21:00 in Chicago
    svg = str(trend_chart("PHQ-9 total", [(late, 4)], PHQ9_BANDS, "America/Chicago"))
    assert "Mar 01" in svg
    assert "Mar 02" not in svg
