"""Server-drawn SVG charts: no script, no external library, readable by screen readers.

Every chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>`; the templates put a table
with the same figures beside it. Colours come from classes styled in dashboard.css (the Content-Security-
Policy forbids inline styles; SVG presentation attributes such as `x` and `font-size` are not styles). All
text is escaped here, since the result is marked safe.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
LABEL_WIDTH = 180
VALUE_WIDTH = 90
ROW = 26
LABEL_CHARS = 26


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    target: float | None = None
    text: str = ""  # shown after the bar; the value itself when empty
    tone: str = ""  # a class modifier: under, met, full, side


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    tone: str  # a class modifier: a, b, c


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _frame(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> SafeString:
    cid = escape(chart_id)
    head = (
        f'<svg class="chart" role="img" aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {WIDTH} {height}" '
        f'preserveAspectRatio="xMinYMin meet" focusable="false" id="{cid}">'
        f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308  # every piece is escaped above or below


def bar_chart(*, chart_id: str, title: str, desc: str, bars: Sequence[Bar]) -> SafeString:
    """Horizontal bars, one row per item, with an optional target mark (a line across the row)."""
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max([bar.value for bar in bars] + [bar.target or 0 for bar in bars] + [1])
    body = []
    for index, bar in enumerate(bars):
        y = 6 + index * ROW
        length = plot * bar.value / top
        tone = f" chart-bar-{escape(bar.tone)}" if bar.tone else ""
        body.append(
            f"<g><title>{escape(bar.label)}: {escape(bar.text or _number(bar.value))}</title>"
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + ROW / 2 - 3}" text-anchor="end" '
            f'dominant-baseline="middle" font-size="13">{escape(_short(bar.label))}</text>'
            f'<rect class="chart-track" x="{LABEL_WIDTH}" y="{y}" width="{plot}" height="{ROW - 8}" rx="3"/>'
            f'<rect class="chart-bar{tone}" x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{ROW - 8}" rx="3"/>'
        )
        if bar.target is not None:
            x = LABEL_WIDTH + plot * bar.target / top
            body.append(f'<line class="chart-target" x1="{x:.1f}" x2="{x:.1f}" y1="{y - 3}" y2="{y + ROW - 5}"/>')
        body.append(
            f'<text class="chart-value" x="{LABEL_WIDTH + plot + 8}" y="{y + ROW / 2 - 3}" '
            f'dominant-baseline="middle" font-size="13">{escape(bar.text or _number(bar.value))}</text></g>'
        )
    return _frame(chart_id, title, desc, 12 + len(bars) * ROW, body)


def _legend(series: Sequence[Series]) -> list[str]:
    items, x = [], 44
    for item in series:
        items.append(
            f'<rect class="chart-series-{escape(item.tone)}" x="{x}" y="4" width="12" height="12" rx="2"/>'
            f'<text class="chart-label" x="{x + 16}" y="14" font-size="12">{escape(item.name)}</text>'
        )
        x += 28 + 7 * len(item.name)
    return items


def _axis(top: float, plot_top: int, plot_bottom: int, fmt: Callable[[float], str]) -> list[str]:
    lines = []
    for fraction in (0.0, 0.5, 1.0):
        y = plot_bottom - (plot_bottom - plot_top) * fraction
        lines.append(
            f'<line class="chart-grid" x1="40" x2="{WIDTH - 4}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart-label" x="36" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{escape(fmt(top * fraction))}</text>"
        )
    return lines


def column_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    label_every: int = 1,
    fmt: Callable[[float], str] = _number,
) -> SafeString:
    """Grouped columns over a category axis (weeks, hours), with a legend and three gridlines."""
    height, plot_top, plot_bottom = 220, 28, 190
    top = max([value for item in series for value in item.values] + [0]) or 1
    slot = (WIDTH - 48) / max(1, len(labels))
    width = slot * 0.8 / max(1, len(series))
    body = _legend(series) + _axis(top, plot_top, plot_bottom, fmt)
    for index, label in enumerate(labels):
        x0 = 44 + index * slot + slot * 0.1
        names = ", ".join(f"{item.name} {fmt(item.values[index])}" for item in series)
        body.append(f"<g><title>{escape(label)}: {escape(names)}</title>")
        for number, item in enumerate(series):
            h = (plot_bottom - plot_top) * item.values[index] / top
            body.append(
                f'<rect class="chart-series-{escape(item.tone)}" x="{x0 + number * width:.1f}" '
                f'y="{plot_bottom - h:.1f}" width="{max(width - 1, 1):.1f}" height="{h:.1f}"/>'
            )
        body.append("</g>")
        if index % label_every == 0:
            body.append(
                f'<text class="chart-label" x="{x0 + slot * 0.4:.1f}" y="{plot_bottom + 16}" text-anchor="middle" '
                f'font-size="11">{escape(label)}</text>'
            )
    return _frame(chart_id, title, desc, height, body)
