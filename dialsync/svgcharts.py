"""Hand-written SVG charts for the HTML report: no library, no network, no script needed to draw.

Every data point is an element with class `mark` (a bar `rect` or a point `circle`) and a
`<title>` tooltip, so a browser shows values on hover and a test can count what was drawn.
All text goes through `html.escape`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

PALETTE = ("#2f6db5", "#e08a1e", "#3a9a5b", "#c0392b", "#7d5ba6", "#8c6d31", "#d45f9f", "#5f7f8c")
LIMIT_COLOR = "#c0392b"
Fmt = Callable[[float], str]


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 or float(v).is_integer() else f"{v:,.2f}"


def _nice_max(v: float) -> float:
    """A round axis top at or above v (1, 2, 2.5, 5 × 10^k)."""
    if v <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(v))
    for step in (1, 2, 2.5, 5, 10):
        if step * mag >= v:
            return step * mag
    return 10 * mag


def _svg(chart_id: str, width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _text(x: float, y: float, s: str, *, anchor: str = "start", cls: str = "lbl", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{cls}"{extra}>{escape(s)}</text>'


def _y_axis(x0: float, x1: float, top: float, bottom: float, vmax: float, fmt: Fmt, *,
            right: bool = False) -> list[str]:
    lead = round(vmax / 10 ** math.floor(math.log10(vmax)), 6)
    ticks = 4 if lead == 2 else 5  # round tick values: 1, 2.5, 5, 10 split in 5; 2 in 4
    out = []
    for i in range(ticks + 1):
        v = vmax * i / ticks
        y = bottom - (bottom - top) * i / ticks
        if not right:
            out.append(f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(_text(x1 + 6 if right else x0 - 6, y + 4, fmt(v), anchor="start" if right else "end"))
    return out


def bars_and_line(chart_id: str, labels: Sequence[str], bars: Sequence[float], line: Sequence[float], *,
                  bar_name: str, line_name: str, width: int = 760, height: int = 260) -> str:
    """Bars on the left axis (e.g. calls) and a line with points on the right axis (e.g. sales)."""
    left, right, top, bottom = 60, width - 60, 30, height - 40
    bmax, lmax = _nice_max(max(bars, default=0)), _nice_max(max(line, default=0))
    n = max(len(labels), 1)
    slot = (right - left) / n
    body = [*_y_axis(left, right, top, bottom, bmax, _num), *_y_axis(left, right, top, bottom, lmax, _num, right=True)]
    points = []
    every = max(1, n // 12)  # at most ~12 day labels under the axis
    for i, (lab, b, v) in enumerate(zip(labels, bars, line, strict=True)):
        x = left + slot * i
        h = (bottom - top) * (b / bmax)
        body.append(f'<rect class="mark bar" x="{x + slot * 0.15:.1f}" y="{bottom - h:.1f}" '
                    f'width="{slot * 0.7:.1f}" height="{max(h, 0.5 if b else 0):.1f}" fill="{PALETTE[0]}">'
                    f"<title>{escape(f'{lab}: {_num(b)} {bar_name}')}</title></rect>")
        points.append((x + slot / 2, bottom - (bottom - top) * (v / lmax), lab, v))
        if i % every == 0:
            body.append(_text(x + slot / 2, bottom + 16, lab, anchor="middle"))
    if points:
        body.append('<polyline class="line" fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
            PALETTE[1], " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)))
    for x, y, lab, v in points:
        body.append(f'<circle class="mark point" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{PALETTE[1]}">'
                    f"<title>{escape(f'{lab}: {_num(v)} {line_name}')}</title></circle>")
    body += _legend(left, 16, [(bar_name, PALETTE[0]), (line_name, PALETTE[1])])
    return _svg(chart_id, width, height, body, f"{bar_name} (bars, left axis) and {line_name} (line, right axis)")


def hbars(chart_id: str, rows: Sequence[tuple[str, float]], *, name: str, fmt: Fmt = _num, width: int = 760,
          bar_height: int = 18) -> str:
    """One horizontal bar per row (e.g. an agent's sales per hour), longest scale = largest value."""
    left, right, top = 150, width - 80, 10
    vmax = max((v for _, v in rows), default=0) or 1.0
    body = []
    for i, (lab, v) in enumerate(rows):
        y = top + i * (bar_height + 6)
        w = (right - left) * (v / vmax)
        body.append(_text(left - 8, y + bar_height * 0.75, lab[:22], anchor="end"))
        body.append(f'<rect class="mark bar" x="{left}" y="{y}" width="{max(w, 1.0 if v else 0):.1f}" '
                    f'height="{bar_height}" fill="{PALETTE[0]}"><title>{escape(f"{lab}: {fmt(v)} {name}")}</title>'
                    "</rect>")
        body.append(_text(left + w + 6, y + bar_height * 0.75, fmt(v)))
    height = top + len(rows) * (bar_height + 6) + 10
    return _svg(chart_id, width, height, body, name)


def funnel(chart_id: str, groups: Sequence[tuple[str, Sequence[float]]], stages: Sequence[str], *,
           width: int = 760) -> str:
    """Per group (campaign) one bar per stage, all on one scale, each labelled with its share of the first."""
    left, right, top, bh = 170, width - 120, 34, 14
    vmax = max((vals[0] for _, vals in groups if vals), default=0) or 1.0
    body = _legend(left, 16, list(zip(stages, PALETTE, strict=False)))
    y = top
    for name, vals in groups:
        body.append(_text(left - 8, y + bh * 0.8, name[:24], anchor="end", cls="lbl strong"))
        for j, v in enumerate(vals):
            w = (right - left) * (v / vmax)
            share = f" ({v / vals[0]:.1%} of {stages[0]})" if j and vals[0] else ""
            body.append(f'<rect class="mark bar" x="{left}" y="{y}" width="{max(w, 1.0 if v else 0):.1f}" '
                        f'height="{bh}" fill="{PALETTE[j % len(PALETTE)]}">'
                        f"<title>{escape(f'{name}: {_num(v)} {stages[j]}{share}')}</title></rect>")
            body.append(_text(left + w + 6, y + bh * 0.8, _num(v) + (f" · {v / vals[0]:.1%}" if j and vals[0] else "")))
            y += bh + 2
        y += 12
    return _svg(chart_id, width, y + 4, body, "funnel: " + " → ".join(stages))


def lines_with_limit(chart_id: str, series: Sequence[tuple[str, Sequence[tuple[str, float]]]], x_labels: Sequence[str],
                     *, limit: float, limit_name: str, fmt: Fmt, width: int = 760, height: int = 280) -> str:
    """One line with points per series over shared x labels, and a dashed horizontal limit."""
    left, right, top, bottom = 60, width - 170, 30, height - 40
    vmax = _nice_max(max([limit * 1.25, *(v for _, pts in series for _, v in pts)]))
    idx = {lab: i for i, lab in enumerate(x_labels)}
    n = max(len(x_labels) - 1, 1)

    def xy(lab: str, v: float) -> tuple[float, float]:
        x = left + (right - left) * (idx[lab] / n if len(x_labels) > 1 else 0.5)
        return x, bottom - (bottom - top) * (v / vmax)

    body = _y_axis(left, right, top, bottom, vmax, fmt)
    every = max(1, len(x_labels) // 10)
    for i, lab in enumerate(x_labels):
        if i % every == 0:
            body.append(_text(xy(lab, 0)[0], bottom + 16, lab, anchor="middle"))
    ly = bottom - (bottom - top) * (limit / vmax)
    body.append(f'<line class="limit" x1="{left}" x2="{right}" y1="{ly:.1f}" y2="{ly:.1f}" stroke="{LIMIT_COLOR}" '
                'stroke-width="1.5" stroke-dasharray="6 4"/>')
    body.append(_text(left + 4, ly - 5, f"{limit_name} {fmt(limit)}", extra=f' fill="{LIMIT_COLOR}"'))
    legend = []
    for k, (name, pts) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        coords = [(*xy(lab, v), lab, v) for lab, v in pts if lab in idx]
        if len(coords) > 1:
            body.append('<polyline class="line" fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
                color, " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in coords)))
        for x, y, lab, v in coords:
            over = " — over the limit" if v > limit else ""
            body.append(f'<circle class="mark point" cx="{x:.1f}" cy="{y:.1f}" r="{5 if v > limit else 3.5}" '
                        f'fill="{color}"{" stroke=" + chr(34) + LIMIT_COLOR + chr(34) if v > limit else ""}>'
                        f"<title>{escape(f'{name} {lab}: {fmt(v)}{over}')}</title></circle>")
        legend.append((name, color))
    for k, (name, color) in enumerate(legend[:12]):
        y = top + 8 + k * 16
        body.append(f'<rect x="{right + 6}" y="{y - 9}" width="10" height="10" fill="{color}"/>')
        body.append(_text(right + 20, y, name[:20]))
    return _svg(chart_id, width, height, body, f"lines per series against the {limit_name}")


def _legend(x: float, y: float, items: Sequence[tuple[str, str]]) -> list[str]:
    out = []
    for name, color in items:
        out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{color}"/>')
        out.append(_text(x + 14, y, name))
        x += 24 + 7 * len(name)
    return out
