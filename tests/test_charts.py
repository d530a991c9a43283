"""Inline SVG charts: well-formed, proportional, escaped, accessible and free of style= attributes."""

import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from lms.charts import bar_chart, funnel_chart

SVG = "{http://www.w3.org/2000/svg}"
FUNNEL = [("Enrolled", 120), ("Started", 95), ("Half done", 60), ("Completed", 41), ("Certified", 38)]


def parse(markup: Markup) -> ET.Element:
    """The whole figure must be well-formed XML, so a strict XML parser reads it."""
    assert isinstance(markup, Markup)
    return ET.fromstring(str(markup))  # noqa: S314 - our own output, not untrusted XML


def bars(figure: ET.Element) -> list[ET.Element]:
    return [r for r in figure.iter(f"{SVG}rect") if "chart-bar" in r.get("class", "").split()]


def texts(figure: ET.Element, cls: str) -> list[str]:
    return [t.text for t in figure.iter(f"{SVG}text") if cls in t.get("class", "").split()]


def test_bar_chart_draws_one_bar_per_row_with_proportional_widths():
    figure = parse(bar_chart([("Full", 100), ("Half", 50), ("None", 0), ("Quarter", 25)], title="Progress"))
    widths = [float(b.get("width")) for b in bars(figure)]
    assert len(widths) == 4
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.1)
    assert widths[3] == pytest.approx(widths[0] / 4, abs=0.1)
    assert widths[2] == 0
    assert texts(figure, "chart-value") == ["100%", "50%", "0%", "25%"]
    # Only the finished row gets the "done" colour.
    assert ["chart-bar-done" in b.get("class") for b in bars(figure)] == [True, False, False, False]


def test_bar_chart_scales_to_max_value_and_rounds_values():
    figure = parse(bar_chart([("A", 3), ("B", 6), ("C", 73.5)], title="Hours", unit="h"))
    widths = [float(b.get("width")) for b in bars(figure)]
    assert widths[1] == pytest.approx(widths[0] * 2, abs=0.2)  # default max is the largest value
    assert texts(figure, "chart-value") == ["3 h", "6 h", "73.5 h"]
    # The largest value fills the track but is no goal reached, so it is not coloured "done".
    assert not any("chart-bar-done" in b.get("class") for b in bars(figure))
    figure = parse(bar_chart([("A", 73.5), ("B", 150)], title="Scores", max_value=200))
    assert [float(b.get("width")) for b in bars(figure)] == pytest.approx([147, 300], abs=0.1)
    assert texts(figure, "chart-value") == ["74%", "150%"]
    assert ["chart-bar-done" in b.get("class") for b in bars(figure)] == [False, False]
    figure = parse(bar_chart([("Lessons", 10)], title="Lessons", unit="lessons", max_value=10))
    assert "chart-bar-done" in bars(figure)[0].get("class")


def test_bar_chart_clamps_values_outside_the_track():
    figure = parse(bar_chart([("Over", 130), ("Under", -5)], title="Odd data"))
    track = float(next(r for r in figure.iter(f"{SVG}rect") if r.get("class") == "chart-track").get("width"))
    assert [float(b.get("width")) for b in bars(figure)] == [track, 0]


def test_funnel_widths_and_percentages_are_relative_to_the_first_step():
    figure = parse(funnel_chart(FUNNEL, title="Completion funnel"))
    found = bars(figure)
    assert len(found) == len(FUNNEL)
    first = float(found[0].get("width"))
    for bar, (_, count) in zip(found, FUNNEL, strict=True):
        assert float(bar.get("width")) == pytest.approx(first * count / 120, abs=0.1)
        # Centred: equal margins on both sides of every bar.
        assert float(bar.get("x")) * 2 + float(bar.get("width")) == pytest.approx(first, abs=0.2)
    assert texts(figure, "chart-value") == ["120 · 100%", "95 · 79%", "60 · 50%", "41 · 34%", "38 · 32%"]
    desc = figure.find(f".//{SVG}desc").text
    assert desc == (
        "Enrolled: 120; Started: 95 (79%); Half done: 60 (50%); Completed: 41 (34%); Certified: 38 (32%)."
    )


def test_funnel_with_zero_first_step_does_not_divide_by_zero():
    figure = parse(funnel_chart([("Enrolled", 0), ("Started", 0)], title="Nobody yet"))
    assert [float(b.get("width")) for b in bars(figure)] == [0, 0]
    assert texts(figure, "chart-value") == ["0 · 0%", "0 · 0%"]


@pytest.mark.parametrize("chart", [bar_chart, funnel_chart])
def test_labels_are_escaped(chart):
    evil = "<script>alert(1)</script>"
    markup = chart([(evil, 1), ('Tom & "Jerry"', 1)], title="<b>Title</b>")
    out = str(markup)
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    figure = parse(markup)
    assert not list(figure.iter("script")) and not list(figure.iter(f"{SVG}script"))
    # Escaped, not mangled: the parsed text is the user's label again.
    assert texts(figure, "chart-label") == [evil, 'Tom & "Jerry"']
    assert [th.text for th in figure.iter("th")] == [evil, 'Tom & "Jerry"']


@pytest.mark.parametrize("chart", [bar_chart, funnel_chart])
def test_no_inline_styles(chart):
    out = chart([("Module 1: Know your customer", 73), ("Module 2", 20)], title="Progress")
    assert "style=" not in out
    assert all("style" not in el.attrib for el in parse(out).iter())


@pytest.mark.parametrize("chart", [bar_chart, funnel_chart])
def test_svg_is_labelled_and_described(chart):
    figure = parse(chart([("Module 1", 40), ("Module 2", 20)], title="Module progress"))
    svg = figure.find(f"{SVG}svg")
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert title.text == "Module progress"
    assert svg.get("aria-labelledby") == title.get("id")
    assert svg.get("aria-describedby") == desc.get("id")
    assert desc.text.startswith("Module 1: 40")
    assert figure.find("figcaption").text == "Module progress"
    # Responsive: scales with its container.
    assert svg.get("width") == "100%" and svg.get("viewBox").startswith("0 0 ")
    assert svg.get("preserveAspectRatio")


def test_ids_are_unique_per_call():
    rows = [("A", 1)]
    ids = {parse(bar_chart(rows, title="T")).find(f"{SVG}svg/{SVG}title").get("id") for _ in range(5)}
    assert len(ids) == 5


def test_height_grows_with_rows():
    def height(n):
        svg = parse(bar_chart([(f"M{i}", 10) for i in range(n)], title="T")).find(f"{SVG}svg")
        return float(svg.get("viewBox").split()[3])

    assert height(1) < height(2) < height(8)


@pytest.mark.parametrize("chart", [bar_chart, funnel_chart])
def test_greek_and_cyrillic_labels_are_preserved(chart):
    labels = ["Ενότητα 1: Γνωρίστε τον πελάτη", "Модуль 2: Маркетинг"]
    figure = parse(chart([(label, 10) for label in labels], title="Πρόοδος"))
    assert texts(figure, "chart-label") == labels
    assert figure.find("figcaption").text == "Πρόοδος"


def test_long_labels_are_truncated_in_the_svg_only():
    label = "Ενότητα " * 20
    figure = parse(bar_chart([(label, 10)], title="T"))
    drawn = texts(figure, "chart-label")[0]
    assert drawn.endswith("…") and len(drawn) < len(label)
    assert figure.find(".//th").text == label
    assert label in figure.find(f".//{SVG}desc").text


@pytest.mark.parametrize("chart", [bar_chart, funnel_chart])
def test_hidden_table_has_one_row_per_data_row(chart):
    figure = parse(chart(FUNNEL, title="Funnel"))
    table = figure.find("table")
    assert table.get("class") == "visually-hidden"
    rows = table.findall("tbody/tr")
    assert [r.find("th").text for r in rows] == [label for label, _ in FUNNEL]


def test_funnel_table_lists_count_and_percentage():
    rows = parse(funnel_chart(FUNNEL, title="Funnel")).findall("table/tbody/tr")
    assert [[td.text for td in r.findall("td")] for r in rows][3] == ["41", "34%"]


@pytest.mark.parametrize("chart", [bar_chart, funnel_chart])
def test_empty_input_gives_the_empty_message(chart):
    assert chart([], title="T") == Markup('<p class="empty">No data yet.</p>')
    assert chart([], title="T", empty="Κανένα <δεδομένο>") == Markup(
        '<p class="empty">Κανένα &lt;δεδομένο&gt;</p>'
    )


def test_bar_chart_rejects_non_positive_max_value():
    with pytest.raises(ValueError, match="max_value"):
        bar_chart([("A", 1)], title="T", max_value=0)
