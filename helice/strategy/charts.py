"""Charts drawn on the server as SVG (no chart library, nothing to download):
a trend line against the baseline and the target. Each chart has a title and a
description for screen readers, and the page shows the values as a table beside it."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_Y = 640, 260, 56, 16, 24


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
    return text


def trend_svg(
    *,
    points: list[tuple[datetime.date, Decimal]],
    baseline: Decimal | None,
    target: Decimal | None,
    title: str,
    description: str,
    labels: dict[str, str],
) -> SafeString:
    """A line of the values over time, with dashed lines for the baseline and the
    target (each labelled in text, never by colour alone)."""
    values = [v for _, v in points] + [v for v in (baseline, target) if v is not None]
    if not points:
        return mark_safe("")
    low, high = min(values), max(values)
    if low == high:
        low, high = low - 1, high + 1
    span = high - low
    low, high = low - span * Decimal("0.05"), high + span * Decimal("0.05")
    first, last = points[0][0], points[-1][0]
    days = max((last - first).days, 1)

    def x(day: datetime.date) -> float:
        return PAD_LEFT + (WIDTH - PAD_LEFT - PAD_RIGHT) * ((day - first).days / days if len(points) > 1 else 0.5)

    def y(value: Decimal) -> float:
        return float(PAD_Y + (HEIGHT - 2 * PAD_Y) * (1 - (value - low) / (high - low)))

    polyline = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points)
    # Dates and numbers only (no text from users): built with plain formatting, fast for long series.
    dots = mark_safe(  # noqa: S308
        "".join(
            f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="3" class="chart-dot"><title>{d.isoformat()} : {_fmt(v)}</title></circle>'
            for d, v in points
        )
    )
    guides = []
    for key, value in (("baseline", baseline), ("target", target)):
        if value is not None:
            guides.append(
                format_html(
                    '<line x1="{l}" x2="{r}" y1="{y}" y2="{y}" class="chart-{k}" stroke-dasharray="{dash}"/>'
                    '<text x="{r}" y="{ty}" text-anchor="end" class="chart-label">{label} {v}</text>',
                    l=PAD_LEFT,
                    r=WIDTH - PAD_RIGHT,
                    y=f"{y(value):.1f}",
                    ty=f"{y(value) - 4:.1f}",
                    k=key,
                    dash="6 4" if key == "target" else "2 3",
                    label=labels[key],
                    v=_fmt(value),
                )
            )
    axis_labels = format_html(
        '<text x="{}" y="{}" class="chart-label">{}</text><text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
        '<text x="4" y="{}" class="chart-label">{}</text><text x="4" y="{}" class="chart-label">{}</text>',
        PAD_LEFT,
        HEIGHT - 4,
        first.isoformat()[:7],
        WIDTH - PAD_RIGHT,
        HEIGHT - 4,
        last.isoformat()[:7],
        f"{y(high) + 10:.1f}",
        _fmt(high.quantize(Decimal("0.01"))),
        f"{y(low):.1f}",
        _fmt(low.quantize(Decimal("0.01"))),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="chart-title chart-desc" focusable="false">'
        '<title id="chart-title">{title}</title><desc id="chart-desc">{desc}</desc>'
        '<line x1="{l}" x2="{l}" y1="{p}" y2="{b}" class="chart-axis"/>'
        '<line x1="{l}" x2="{r}" y1="{b}" y2="{b}" class="chart-axis"/>'
        '{guides}<polyline points="{line}" class="chart-line" fill="none"/>{dots}{axis_labels}</svg>',
        w=WIDTH,
        h=HEIGHT,
        title=title,
        desc=description,
        l=PAD_LEFT,
        r=WIDTH - PAD_RIGHT,
        p=PAD_Y,
        b=HEIGHT - PAD_Y,
        guides=mark_safe("".join(guides)),  # noqa: S308 - built by format_html
        line=polyline,
        dots=dots,
        axis_labels=axis_labels,
    )
