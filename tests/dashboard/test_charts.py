"""The charts: every bar carries its value (tooltip and a label shown on hover and focus) and links
to its messages; the 2012 baseline is named in a legend; a spike can be drawn on a log or clipped
scale; platforms as small multiples on one scale; the baseline table beside the period's figures."""

import re

import pytest

from dashboard import charts, selectors
from dashboard.filters import parse
from dashboard.tables import Column, Table
from users import roles

from .factories import known_messages


def spike_table():
    values = [10, 12, 9, 448, 11, 8]
    return Table("hourly", "시간별", [Column("hour", "시각", numeric=False), Column("received", "유입")],
                 [[f"{i}시", v] for i, v in enumerate(values)])


def heights(svg: str) -> list[float]:
    return [float(h) for h in re.findall(r'class="bar[^"]*" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"', svg)]


def test_a_spike_no_longer_flattens_the_rest_on_log_or_clipped_scale():
    table = spike_table()
    assert charts.spiky(table.column("received"))
    linear, log, clip = (heights(charts.bars(table, "received", "hour", "c", scale=s)) for s in ("", "log", "clip"))
    assert max(linear[i] for i in (0, 1, 2, 4, 5)) < 0.05 * linear[3]  # flattened
    assert min(log[i] for i in (0, 1, 2, 4, 5)) > 0.3 * log[3]
    assert clip[3] == max(clip) and min(clip[i] for i in (0, 1, 2, 4, 5)) > 0.5 * clip[3]
    svg = charts.bars(table, "received", "hour", "c", scale="clip")
    assert 'class="bar clipped"' in svg and ">448<" in svg  # the cut bar says its real value


def test_every_bar_has_its_value_and_its_link():
    table = spike_table()
    links = [f"/dashboard/messages/?hour={i}" for i in range(6)]
    svg = charts.bars(table, "received", "hour", "c", links)
    points = re.findall(r'<a class="pt" href="([^"]+)" aria-label="([^"]+)"><title>([^<]+)</title>', svg)
    assert [p[0] for p in points] == links
    assert points[3][1] == points[3][2] == "3시: 448"
    assert svg.count('class="val"') == 6


def test_the_baseline_legend_names_2012(seeded):
    known_messages()
    types = next(t for t in selectors.overview(parse({}))["tables"] if t.key == "types")
    svg = charts.chart_for(types, 0)
    assert "2012년 시장 계정 (기준)" in svg and 'class="legend"' in svg
    assert "(2012년 76.3%)" in svg


def test_baseline_beside_the_period_with_its_daily_average(seeded):
    known_messages()
    table = next(t for t in selectors.overview(parse({"period": "30"}))["tables"] if t.key == "baseline")
    rows = {r[0]: r[1:] for r in table.rows}
    assert rows["메시지 수 (건)"] == [119_268, 1000]
    assert rows["하루 평균 (건)"] == [800, round(1000 / 30, 1)]
    assert rows["격려·응원 비율 (%)"] == [76.3, 76.3] and rows["교통 비율 (%)"] == [32.4, 32.4]
    seven = next(t for t in selectors.overview(parse({"period": "7"}))["tables"] if t.key == "baseline")
    assert {r[0]: r[2] for r in seven.rows}["하루 평균 (건)"] == round(1000 / 7, 1)


def test_platforms_as_small_multiples_on_one_scale(seeded, client, make_staff):
    known_messages()
    client.force_login(make_staff("mayor", roles.MAYORS_OFFICE))
    page = client.get("/dashboard/?scale=log").content.decode()
    block = page.split('id="block-platform_daily"', 1)[1].split("</section>", 1)[0]
    assert block.count('<div class="multiple">') == 2  # the mayor's two platforms with inflow
    assert block.count("(로그 눈금)") >= 2
    assert client.get("/dashboard/?scale=huge").status_code == 400


@pytest.mark.parametrize("scale", ["", "log", "clip"])
def test_an_empty_series_draws(scale):
    table = Table("t", "빈", [Column("d", "날짜", numeric=False), Column("n", "수")], [["a", 0], ["b", 0]])
    assert "<svg" in charts.bars(table, "n", "d", "e", scale=scale)
