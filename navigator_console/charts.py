"""Server-rendered SVG trend charts with the instrument's severity bands shaded.
Pure: points in, markup out; no JavaScript library."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    name: str


PHQ9_BANDS = (Band(0, 4, "minimal"), Band(5, 9, "mild"), Band(10, 14, "moderate"),
              Band(15, 19, "moderately severe"), Band(20, 27, "severe"))
GAD7_BANDS = (Band(0, 4, "minimal"), Band(5, 9, "mild"), Band(10, 14, "moderate"),
              Band(15, 21, "severe"))

WIDTH, HEIGHT = 560, 200
LEFT, RIGHT, TOP, BOTTOM = 36, 110, 12, 26


def trend_chart(title: str, points: Sequence[tuple[datetime, int]], bands: Sequence[Band],
                timezone: str = "UTC") -> Markup:
    """A line of totals over time on top of the shaded severity bands."""
    maximum = bands[-1].high
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(score: float) -> float:
        return TOP + plot_h * (1 - score / maximum)

    ordered = sorted(points)
    if ordered:
        start = ordered[0][0].timestamp()
        span = ordered[-1][0].timestamp() - start
    else:
        start, span = 0.0, 0.0

    def x(moment: datetime) -> float:
        if span == 0:
            return LEFT + plot_w / 2
        return LEFT + plot_w * (moment.timestamp() - start) / span

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, band in enumerate(bands):
        top = y(band.high + (1 if index < len(bands) - 1 else 0))
        bottom = y(band.low)
        parts.append(
            f'<rect class="band band-{index}" x="{LEFT}" y="{top:.1f}" width="{plot_w}" '
            f'height="{bottom - top:.1f}"><title>{escape(band.name)} '
            f"{band.low}–{band.high}</title></rect>"
        )
        parts.append(f'<text class="band-label" x="{LEFT + plot_w + 6}" '
                     f'y="{(top + bottom) / 2 + 4:.1f}">{escape(band.name)}</text>')
    for tick in (0, maximum // 2, maximum):
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" '
                     f'text-anchor="end">{tick}</text>')
    if not ordered:
        parts.append(f'<text class="empty" x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" '
                     'text-anchor="middle">no results yet</text>')
    else:
        zone = ZoneInfo(timezone)
        line = " ".join(f"{x(moment):.1f},{y(score):.1f}" for moment, score in ordered)
        parts.append(f'<polyline class="trend" fill="none" points="{line}"/>')
        for moment, score in ordered:
            when = moment.astimezone(zone).strftime("%b %d")
            parts.append(f'<circle class="point" cx="{x(moment):.1f}" cy="{y(score):.1f}" r="4">'
                         f"<title>{escape(when)}: {score}</title></circle>")
        for moment in (ordered[0][0], ordered[-1][0]):
            parts.append(f'<text class="tick" x="{x(moment):.1f}" y="{HEIGHT - 8}" '
                         f'text-anchor="middle">{moment.astimezone(zone):%b %d}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
