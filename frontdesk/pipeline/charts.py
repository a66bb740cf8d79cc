"""Server-rendered bar charts (SVG with presentation attributes only: no inline styles
or scripts, so they pass the Content-Security-Policy)."""

from __future__ import annotations

from typing import Any

BAR_HEIGHT, GAP, LABEL_WIDTH, WIDTH = 22, 8, 140, 560


def bars(rows: list[tuple[str, int]]) -> dict[str, Any]:
    """``[(label, value)]`` → geometry for ``pipeline/partials/_bars.svg.html``."""
    top = max((v for _, v in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 60
    out = []
    for i, (label, value) in enumerate(rows):
        y = i * (BAR_HEIGHT + GAP)
        width = round(span * value / top) if value else 0
        out.append(
            {
                "label": label,
                "value": value,
                "y": y,
                "text_y": y + BAR_HEIGHT - 6,
                "width": max(width, 1 if value else 0),
                "value_x": LABEL_WIDTH + width + 6,
            }
        )
    return {
        "rows": out,
        "width": WIDTH,
        "height": max(len(rows) * (BAR_HEIGHT + GAP), BAR_HEIGHT),
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "label_x": LABEL_WIDTH - 8,
    }
