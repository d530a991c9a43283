"""Server-side charts as inline SVG: no JavaScript, CSP-safe (classes and presentation attributes, no style=).

Each chart is a ``<figure class="chart">``: a caption, the SVG (``role="img"`` named by its ``<title>``
and described by a ``<desc>`` listing the data in words) and a visually hidden table with the same
numbers, for screen readers and for copying. Colours live in static/css/site.css under "/* Charts */".
Labels are user text (course and module titles), so every one goes through ``Markup.format``, which
escapes its arguments.
"""

from __future__ import annotations

import uuid

from markupsafe import Markup

__all__ = ["bar_chart", "funnel_chart"]

# Geometry in viewBox units. The SVG scales to its container and its text scales with it: a narrow
# viewBox keeps 14-unit text legible on a 360px phone, and .chart's max-width stops it growing on desktop.
_WIDTH = 400
_ROW = 46  # one row: label line, bar, gap
_BAR_Y = 21  # bar top within a row, below the label baseline (15)
_BAR_H = 16
_CHAR_W = 8  # rough average glyph width at font-size 14, to place values and truncate labels
_MAX_LABEL = 40  # characters drawn in the SVG, leaving room for the value; <desc> and table keep all


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _with_unit(value: float, unit: str) -> str:
    return f"{value:.0f}%" if unit == "%" else f"{_num(value)} {unit}".rstrip()


def _short(label: str) -> str:
    return label if len(label) <= _MAX_LABEL else label[: _MAX_LABEL - 1] + "…"


def _fraction(value: float, top: float) -> float:
    return min(max(value / top, 0.0), 1.0)  # negative or over-the-top values must not escape the track


def _empty(message: str) -> Markup:
    return Markup('<p class="empty">{}</p>').format(message)


def _figure(title: str, desc: list[str], body: list[Markup], rows: int, table: list[Markup]) -> Markup:
    # A fresh id per call: several charts on one page must not share title/desc ids.
    uid = f"chart-{uuid.uuid4().hex[:8]}"
    return Markup(
        '<figure class="chart"><figcaption>{title}</figcaption>'
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{uid}-title"'
        ' aria-describedby="{uid}-desc" viewBox="0 0 {w} {h}" width="100%"'
        ' preserveAspectRatio="xMidYMin meet" font-size="14">'
        '<title id="{uid}-title">{title}</title><desc id="{uid}-desc">{desc}</desc>{body}</svg>'
        '<table class="visually-hidden"><caption>{title}</caption><tbody>{table}</tbody></table></figure>'
    ).format(
        title=title,
        uid=uid,
        w=_WIDTH,
        h=rows * _ROW - (_ROW - _BAR_Y - _BAR_H),  # no trailing gap under the last bar
        desc="; ".join(desc) + ".",
        body=Markup("").join(body),
        table=Markup("").join(table),
    )


def bar_chart(
    rows: list[tuple[str, float]],
    *,
    title: str,
    unit: str = "%",
    max_value: float | None = None,
    empty: str = "No data yet.",
) -> Markup:
    """Horizontal bars, one per (label, value), label above each bar and the value at its end."""
    if not rows:
        return _empty(empty)
    goal = max_value is not None or unit == "%"  # the default "largest value" max is no target reached
    if max_value is None:
        max_value = 100.0 if unit == "%" else max(1.0, *(value for _, value in rows))
    if max_value <= 0:
        raise ValueError("max_value must be positive")
    body, desc, table = [], [], []
    for i, (label, value) in enumerate(rows):
        y, width, text = i * _ROW, _WIDTH * _fraction(value, max_value), _with_unit(value, unit)
        # The value goes after the bar end; a bar too long to leave room for it carries it inside.
        inside = width + 6 + len(text) * _CHAR_W > _WIDTH
        body.append(
            Markup(
                '<text class="chart-label" x="0" y="{ly}">{label}</text>'
                '<rect class="chart-track" x="0" y="{by}" width="{track}" height="{bh}" rx="3"/>'
                '<rect class="{bar}" x="0" y="{by}" width="{width:.1f}" height="{bh}" rx="3"/>'
                '<text class="{cls}" x="{vx:.1f}" y="{vy}" text-anchor="{anchor}">{text}</text>'
            ).format(
                label=_short(label),
                ly=y + 15,
                by=y + _BAR_Y,
                bh=_BAR_H,
                track=_WIDTH,
                width=width,
                bar="chart-bar chart-bar-done" if goal and value >= max_value else "chart-bar",
                cls="chart-value chart-value-in" if inside else "chart-value",
                vx=width - 4 if inside else width + 6,
                vy=y + _BAR_Y + 12.5,
                anchor="end" if inside else "start",
                text=text,
            )
        )
        desc.append(f"{label}: {text}")
        table.append(Markup('<tr><th scope="row">{}</th><td>{}</td></tr>').format(label, text))
    return _figure(title, desc, body, len(rows), table)


def funnel_chart(steps: list[tuple[str, int]], *, title: str, empty: str = "No data yet.") -> Markup:
    """Centred bars sized by each step's count relative to the first step, e.g. enrolled -> certified."""
    if not steps:
        return _empty(empty)
    base = max(steps[0][1], 1)  # percentages are of the first step; max() avoids dividing by zero
    body, desc, table = [], [], []
    for i, (label, count) in enumerate(steps):
        y, width, pct = i * _ROW, _WIDTH * _fraction(count, base), f"{100 * count / base:.0f}%"
        body.append(
            Markup(
                '<text class="chart-label" x="0" y="{ly}">{label}</text>'
                '<text class="chart-value" x="{w}" y="{ly}" text-anchor="end">{count} · {pct}</text>'
                '<rect class="chart-bar" x="{x:.1f}" y="{by}" width="{width:.1f}" height="{bh}" rx="3"/>'
            ).format(
                label=_short(label),
                ly=y + 15,
                w=_WIDTH,
                count=count,
                pct=pct,
                x=(_WIDTH - width) / 2,
                by=y + _BAR_Y,
                width=width,
                bh=_BAR_H,
            )
        )
        desc.append(f"{label}: {count}" + (f" ({pct})" if i else ""))
        table.append(
            Markup('<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>').format(label, count, pct)
        )
    return _figure(title, desc, body, len(steps), table)
