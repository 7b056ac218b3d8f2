"""A server-rendered SVG bar chart: readable without JavaScript, with a text alternative.

Each name sits on its own line above its bar, so the chart is narrow enough to keep its text
readable on a phone (390 px wide) while it scales to the width it is given (viewBox, 100%).
"""

from django.utils.html import escape

WIDTH = 400
BAR = 22
NAME = 20  # the line above each bar that holds the candidate's name
GAP = 12
FONT = 15


def bar_chart(rows, *, title: str, highlight=frozenset()) -> str:
    """Horizontal bars for (label, value) rows; highlighted rows (the elected) are darker."""
    if not rows:
        return ""
    top = max((value for _, value in rows), default=0) or 1
    step = NAME + BAR + GAP
    height = 28 + len(rows) * step
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<text x="0" y="18" font-size="{FONT + 1}" font-weight="bold">{escape(title)}</text>',
    ]
    span = WIDTH - 90  # room after the longest bar for its number
    for i, (label, value) in enumerate(rows):
        y = 28 + i * step
        length = int(span * value / top) if value > 0 else 0
        fill = "#0b5d1e" if label in highlight else "#5b6e87"
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        mark = " (elected)" if label in highlight else ""
        parts.append(
            f'<text x="0" y="{y + NAME - 5}" font-size="{FONT}">{escape(label)}{mark}</text>'
            f'<rect x="0" y="{y + NAME}" width="{length}" height="{BAR}" fill="{fill}">'
            f'<title>{escape(label)}: {shown}{mark}</title></rect>'
            f'<text x="{length + 6}" y="{y + NAME + BAR - 6}" font-size="{FONT}">{shown}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
