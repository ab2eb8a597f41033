"""Tiny server-side SVG charts: bars and a line, with axes, labels, a title and a description.

No script, no external asset, no inline CSS (the CSP forbids it): colours are presentation
attributes. Each chart is an ``<svg role="img">`` with ``<title>`` and ``<desc>`` so that a screen
reader announces what it shows; the page also shows the same numbers as a table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

INK = "#111111"
MUTED = "#4a4a4a"
GRID = "#d0d0d0"
BAR = "#1a1a1a"
ACCENT = "#ffe600"
FONT = "Noto Sans, DejaVu Sans, sans-serif"


def _nice_ceiling(value: float, ticks: int = 4) -> tuple[float, float]:
    """A round upper bound and tick step covering ``value`` (1, 2, 2.5 or 5 × 10^n steps)."""
    if value <= 0:
        return 1.0, 1.0 / ticks
    raw = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= raw:
            break
    if step < 1:
        step = 1.0
    return step * math.ceil(value / step), step


def _text(x: float, y: float, content: str, **attributes: str) -> str:
    extra = " ".join(f'{key.replace("_", "-")}="{escape(val)}"' for key, val in attributes.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" {extra}>{escape(content)}</text>'


def _frame(width: int, height: int, title: str, description: str, uid: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{uid}-t {uid}-d" class="chart" '
        f'font-family="{FONT}" font-size="12" fill="{INK}">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        f'<desc id="{uid}-d">{escape(description)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        _text(width / 2, 20, title, text_anchor="middle", font_size="15", font_weight="bold"),
    ]


def _y_axis(
    parts: list[str],
    top: float,
    bottom: float,
    left: float,
    right: float,
    ceiling: float,
    step: float,
    fmt: Callable[[int], str],
) -> None:
    value = 0.0
    while value <= ceiling + 1e-9:
        y = bottom - (bottom - top) * value / ceiling
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y + 4, fmt(int(value)), text_anchor="end", fill=MUTED))
        value += step
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="{INK}"/>')
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{INK}"/>')


def bar_chart(
    items: Sequence[tuple[str, int]],
    *,
    title: str,
    description: str,
    uid: str = "bars",
    fmt: Callable[[int], str] = str,
    width: int = 560,
) -> str:
    """Horizontal bars, one per (label, value), the value written at the end of each bar."""
    bar_height, gap, top, left, right_pad = 22, 8, 36, 200, 64
    height = top + max(len(items), 1) * (bar_height + gap) + 30
    right = width - right_pad
    parts = _frame(width, height, title, description, uid)
    ceiling, step = _nice_ceiling(max((value for _, value in items), default=0))
    bottom = height - 24
    for tick in range(int(ceiling // step) + 1):
        value = tick * step
        x = left + (right - left) * value / ceiling
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"/>')
        parts.append(_text(x, bottom + 16, fmt(int(value)), text_anchor="middle", fill=MUTED))
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="{INK}"/>')
    for index, (label, value) in enumerate(items):
        y = top + index * (bar_height + gap) + gap / 2
        length = (right - left) * value / ceiling
        shown = label if len(label) <= 28 else label[:27] + "…"
        parts.append(_text(left - 8, y + bar_height * 0.7, shown, text_anchor="end"))
        parts.append(
            f'<rect x="{left}" y="{y:.1f}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{BAR}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
        )
        parts.append(_text(left + length + 6, y + bar_height * 0.7, fmt(value), font_weight="bold"))
    parts.append("</svg>")
    return "\n".join(parts)


def line_chart(
    points: Sequence[tuple[str, int]],
    *,
    title: str,
    description: str,
    uid: str = "line",
    fmt: Callable[[int], str] = str,
    width: int = 720,
    height: int = 280,
    label_every: int = 5,
) -> str:
    """A line with dots over ordered points (days), every ``label_every``-th x label shown."""
    top, bottom, left, right = 36, height - 36, 60, width - 16
    parts = _frame(width, height, title, description, uid)
    ceiling, step = _nice_ceiling(max((value for _, value in points), default=0))
    _y_axis(parts, top, bottom, left, right, ceiling, step, fmt)
    count = max(len(points) - 1, 1)
    coordinates = []
    for index, (label, value) in enumerate(points):
        x = left + (right - left) * index / count
        y = bottom - (bottom - top) * value / ceiling
        coordinates.append((x, y, label, value))
        if index % label_every == 0 or index == len(points) - 1:
            # The first and last labels align inward so that they are never cut at the edges.
            anchor = "start" if index == 0 else "end" if index == len(points) - 1 else "middle"
            parts.append(_text(x, bottom + 16, label, text_anchor=anchor, fill=MUTED))
    if coordinates:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in coordinates)
        area = f"{left},{bottom} {path} {coordinates[-1][0]:.1f},{bottom}"
        parts.append(f'<polygon points="{area}" fill="{ACCENT}" fill-opacity="0.45"/>')
        parts.append(f'<polyline points="{path}" fill="none" stroke="{INK}" stroke-width="2"/>')
        for x, y, label, value in coordinates:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{INK}">'
                f"<title>{escape(label)}: {escape(fmt(value))}</title></circle>"
            )
    parts.append("</svg>")
    return "\n".join(parts)
