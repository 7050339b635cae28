"""Charts as server-rendered SVG: no script, nothing inline the CSP would refuse (colours come
from dashboard.css by class). Each chart is drawn from a Table, which the page shows beside it."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .tables import Table

WIDTH, HEIGHT, PAD = 720, 220, 36


def _fmt(value) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def bars(table: Table, value_key: str, label_key: str, chart_id: str) -> str:
    """Vertical bars of one series (time on the x axis), every fifth label shown."""
    labels, values = table.column(label_key), [v or 0 for v in table.column(value_key)]
    top = max(values, default=0) or 1
    n = max(len(values), 1)
    step = (WIDTH - PAD * 2) / n
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT + 30}" role="img" '
             f'aria-labelledby="{chart_id}-t" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-t">{escape(table.title)}</title>',
             f'<line class="axis" x1="{PAD}" y1="{HEIGHT}" x2="{WIDTH - PAD}" y2="{HEIGHT}"/>',
             f'<text class="tick" x="{PAD - 4}" y="{PAD - 6}" text-anchor="end">{_fmt(top)}</text>']
    every = max(1, n // 8)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = (HEIGHT - PAD) * value / top
        x = PAD + i * step
        parts.append(f'<rect class="bar" x="{x + step * 0.1:.1f}" y="{HEIGHT - h:.1f}" '
                     f'width="{max(step * 0.8, 1):.1f}" height="{h:.1f}"><title>{escape(label)}: '
                     f'{_fmt(value)}</title></rect>')
        if i % every == 0:
            parts.append(f'<text class="tick" x="{x + step / 2:.1f}" y="{HEIGHT + 16}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def hbars(table: Table, value_key: str, label_key: str, chart_id: str, compare_key: str | None = None) -> str:
    """Horizontal bars of shares (percent); a second, thinner bar for the 2012 baseline."""
    labels = table.column(label_key)
    values = [v or 0 for v in table.column(value_key)]
    compare = [v for v in table.column(compare_key)] if compare_key else [None] * len(values)
    row_h = 26
    height = row_h * len(values) + 10
    label_w = 170
    span = WIDTH - label_w - 70
    top = max([*values, *[c or 0 for c in compare]], default=0) or 1
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{chart_id}-t" '
             f'xmlns="http://www.w3.org/2000/svg">', f'<title id="{chart_id}-t">{escape(table.title)}</title>']
    for i, (label, value, base) in enumerate(zip(labels, values, compare, strict=True)):
        y = 5 + i * row_h
        w = span * value / top
        parts.append(f'<text class="tick" x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="14">'
                     f'<title>{escape(label)}: {_fmt(value)}</title></rect>')
        parts.append(f'<text class="tick" x="{label_w + w + 4:.1f}" y="{y + 15}">{_fmt(value)}</text>')
        if base is not None:
            parts.append(f'<rect class="bar base" x="{label_w}" y="{y + 18}" width="{span * base / top:.1f}" '
                         f'height="4"><title>2012: {base}%</title></rect>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def chart_for(table: Table, index: int) -> str:
    chart_id = f"chart-{table.key}-{index}"
    keys = [c.key for c in table.columns]
    if table.chart == "bars":
        return bars(table, keys[1], keys[0], chart_id)
    if table.chart == "hbars":
        value = "share" if "share" in keys else keys[1]
        return hbars(table, value, keys[0], chart_id, "share_2012" if "share_2012" in keys else None)
    return ""
