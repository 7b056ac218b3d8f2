"""A server-rendered SVG bar chart: readable without JavaScript, with a text alternative."""

from django.utils.html import escape

WIDTH = 640
BAR = 28
GAP = 10
LABEL = 200


def bar_chart(rows, *, title: str, highlight=frozenset()) -> str:
    """Horizontal bars for (label, value) rows; highlighted rows (the elected) are darker."""
    if not rows:
        return ""
    top = max((value for _, value in rows), default=0) or 1
    height = len(rows) * (BAR + GAP) + GAP + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    span = WIDTH - LABEL - 80
    for i, (label, value) in enumerate(rows):
        y = 24 + GAP + i * (BAR + GAP)
        length = int(span * value / top) if value > 0 else 0
        fill = "#0b5d1e" if label in highlight else "#6b7f99"
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        mark = " (elected)" if label in highlight else ""
        parts.append(
            f'<text x="0" y="{y + BAR * 0.65:.0f}" font-size="13">{escape(label)}</text>'
            f'<rect x="{LABEL}" y="{y}" width="{length}" height="{BAR}" fill="{fill}">'
            f'<title>{escape(label)}: {shown}{mark}</title></rect>'
            f'<text x="{LABEL + length + 6}" y="{y + BAR * 0.65:.0f}" font-size="13">'
            f'{shown}{mark}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
