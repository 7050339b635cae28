"""Charts as server-rendered SVG: no script, nothing inline the CSP would refuse (colours come
from dashboard.css by class). Each chart is drawn from a Table, which the page shows beside it.

Every bar is a link to its messages (so it takes keyboard focus) and carries its value: a tooltip
on hover (<title>) and a label that dashboard.css shows on hover and on focus. One spike can flatten
the rest: the "log" scale or the "clip" scale (bars above the cap are cut, marked and labelled)."""

import math
from statistics import median

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .tables import Table

WIDTH, HEIGHT, PAD = 720, 220, 36
SCALES = ("", "log", "clip")
# A series is "spiky" when its top is this many times its next-highest value.
SPIKE = 3.0


def _fmt(value) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def spiky(values: list) -> bool:
    ordered = sorted((v or 0 for v in values), reverse=True)
    return len(ordered) > 2 and ordered[0] > SPIKE * max(ordered[1], 1)


def clip_cap(values: list) -> float:
    """The cap of the clipped scale: a little above the highest value that is not a spike."""
    ordered = sorted((v or 0 for v in values), reverse=True)
    rest = [v for v in ordered if v * SPIKE < ordered[0]] or ordered
    return max(rest[0] * 1.2, median(ordered) or 1, 1)


def _height(value: float, top: float, scale: str, span: float) -> float:
    if value <= 0:
        return 0.0
    if scale == "log":
        return span * math.log10(1 + value) / math.log10(1 + top)
    return span * min(value, top) / top


def _point(href: str | None, label: str, value, inner: str) -> str:
    """One bar: a link to its messages (focusable), its value as a tooltip and a label."""
    name = escape(f"{label}: {_fmt(value)}")
    if href:
        return f'<a class="pt" href="{escape(href)}" aria-label="{name}"><title>{name}</title>{inner}</a>'
    return f'<g class="pt" tabindex="0" aria-label="{name}"><title>{name}</title>{inner}</g>'


def bars(table: Table, value_key: str, label_key: str, chart_id: str, links: list | None = None,
         scale: str = "", width: int = WIDTH, height: int = HEIGHT, top: float | None = None,
         title: str | None = None) -> str:
    """Vertical bars of one series (time on the x axis), about eight labels shown."""
    labels, values = table.column(label_key), [v or 0 for v in table.column(value_key)]
    links = links or [None] * len(values)
    if top is None:
        top = clip_cap(values) if scale == "clip" else (max(values, default=0) or 1)
    top = top or 1
    n = max(len(values), 1)
    pad = PAD if width >= WIDTH else 8
    step = (width - pad * 2) / n
    span = height - pad
    scale_name = {"log": " " + _("(로그 눈금)"), "clip": " " + _("(잘린 눈금)")}.get(scale, "")
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height + 30}" role="group" '
             f'aria-labelledby="{chart_id}-t" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-t">{escape(title or table.title)}{scale_name}</title>',
             f'<line class="axis" x1="{pad}" y1="{height}" x2="{width - pad}" y2="{height}"/>',
             f'<text class="tick" x="{pad}" y="12">{"≥ " if scale == "clip" else ""}{_fmt(top)}'
             f'{scale_name}</text>']
    every = max(1, n // 8)
    for i, (label, value, href) in enumerate(zip(labels, values, links, strict=True)):
        h = _height(value, top, scale, span)
        x = pad + i * step
        clipped = scale == "clip" and value > top
        inner = (f'<rect class="bar{" clipped" if clipped else ""}" x="{x + step * 0.1:.1f}" y="{height - h:.1f}" '
                 f'width="{max(step * 0.8, 1):.1f}" height="{h:.1f}"/>')
        if clipped:  # the cut: a white band across the top of the bar, and its value always shown
            inner += (f'<rect class="cut" x="{x:.1f}" y="{height - h + 6:.1f}" width="{step:.1f}" height="3"/>'
                      f'<text class="tick" x="{x + step / 2:.1f}" y="{height - h - 4:.1f}" '
                      f'text-anchor="middle">{_fmt(value)}</text>')
        inner += (f'<text class="val" x="{min(x + step / 2, width - 40):.1f}" y="{max(height - h - 6, 24):.1f}" '
                  f'text-anchor="middle">{escape(label)}: {_fmt(value)}</text>')
        parts.append(_point(href, str(label), value, inner))
        if i % every == 0:
            parts.append(f'<text class="tick" x="{x + step / 2:.1f}" y="{height + 16}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _legend(y: int, baseline: bool) -> str:
    items = [("bar", _("이번 기간"))]
    if baseline:
        items.append(("bar base", _("2012년 시장 계정 (기준)")))
    out, x = [], 10
    for cls, text in items:
        out.append(f'<rect class="{cls}" x="{x}" y="{y}" width="14" height="10"/>'
                   f'<text class="tick" x="{x + 18}" y="{y + 9}">{text}</text>')
        x += 40 + len(text) * 12
    return f'<g class="legend">{"".join(out)}</g>'


def hbars(table: Table, value_key: str, label_key: str, chart_id: str, compare_key: str | None = None,
          links: list | None = None) -> str:
    """Horizontal bars of shares (percent); a second, thinner red bar for the 2012 baseline, named
    in the legend."""
    labels = table.column(label_key)
    values = [v or 0 for v in table.column(value_key)]
    compare = list(table.column(compare_key)) if compare_key else [None] * len(values)
    links = links or [None] * len(values)
    row_h = 26
    legend_h = 22
    height = row_h * len(values) + 10 + legend_h
    label_w = 170
    span = WIDTH - label_w - 70
    top = max([*values, *[c or 0 for c in compare]], default=0) or 1
    unit = "%" if value_key == "share" else ""
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="group" aria-labelledby="{chart_id}-t" '
             f'xmlns="http://www.w3.org/2000/svg">', f'<title id="{chart_id}-t">{escape(table.title)}</title>',
             _legend(4, compare_key is not None)]
    for i, (label, value, base, href) in enumerate(zip(labels, values, compare, links, strict=True)):
        y = legend_h + 5 + i * row_h
        w = span * value / top
        inner = (f'<text class="tick" x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
                 f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="14"/>'
                 f'<text class="tick" x="{label_w + w + 4:.1f}" y="{y + 15}">{_fmt(value)}{unit}</text>')
        name = f"{label}: {_fmt(value)}{unit}"
        if base is not None:
            inner += (f'<rect class="bar base" x="{label_w}" y="{y + 18}" width="{span * base / top:.1f}" '
                      f'height="4"/>')
            name += " " + _("(2012년 %(share)s%%)") % {"share": base}
        parts.append(_hpoint(href, name, inner))
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _hpoint(href: str | None, name: str, inner: str) -> str:
    name = escape(name)
    if href:
        return f'<a class="pt" href="{escape(href)}" aria-label="{name}"><title>{name}</title>{inner}</a>'
    return f'<g class="pt"><title>{name}</title>{inner}</g>'


def multiples(table: Table, chart_id: str, cell_links: dict | None = None, scale: str = "") -> str:
    """Small multiples: one small bar chart per numeric column (a platform), on one shared scale
    so they compare; each bar opens its day's messages on that platform."""
    values = [v or 0 for c in table.columns[1:] for v in table.column(c.key)]
    top = (clip_cap(values) if scale == "clip" else max(values, default=0)) or 1
    out = []
    for j, column in enumerate(table.columns[1:], start=1):
        sub = Table(table.key, column.label, [table.columns[0], column],
                    [[row[0], row[j]] for row in table.rows])
        chart = bars(sub, column.key, table.columns[0].key, f"{chart_id}-{j}", (cell_links or {}).get(column.key),
                     scale, width=340, height=110, top=top, title=f"{column.label}: {table.title}")
        out.append(f'<div class="multiple">{chart}</div>')
    return mark_safe(f'<div class="multiples">{"".join(out)}</div>')


def chart_for(table: Table, index: int, links: list | None = None, scale: str = "",
              cell_links: dict | None = None) -> str:
    chart_id = f"chart-{table.key}-{index}"
    keys = [c.key for c in table.columns]
    if table.chart == "bars":
        return bars(table, keys[1], keys[0], chart_id, links, scale)
    if table.chart == "hbars":
        value = "share" if "share" in keys else keys[1]
        return hbars(table, value, keys[0], chart_id, "share_2012" if "share_2012" in keys else None, links)
    if table.chart == "multiples":
        return multiples(table, chart_id, cell_links, scale)
    return ""
