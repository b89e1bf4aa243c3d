"""The annual report renders from its dict in JSON, Markdown, HTML and PDF; the charts draw.

The sample (fixtures/annual_report.json) is a realistic year; the empty years are an honest empty
report, in two shapes: no subgroups at all, and the framework's subgroups with nothing recorded.
"""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops

from adapters.reports import CONTENT_TYPES, FORMATS, render
from adapters.reports.charts import FUNNEL_COLOURS, RAG
from adapters.reports.trend import SERIES

pytestmark = pytest.mark.filterwarnings("ignore:HarfBuzz-Subset:DeprecationWarning")

FIXTURE = Path(__file__).parent / "fixtures" / "annual_report.json"
SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def report() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def empty_year(subgroups: list[dict]) -> dict:
    return {
        "partnership": "Windsor and Maidenhead Safeguarding Children Partnership",
        "framework": "Windsor and Maidenhead LSCB Learning and Improvement Framework",
        "year": 2027,
        "label": "2027/28",
        "period": {"from": "2027-04-01", "to": "2028-03-31"},
        "as_at_position": 0,
        "generated_at": "2027-04-02T08:00:00Z",
        "totals": {
            "needs_identified": 0,
            "actions_chosen": 0,
            "actions_completed": 0,
            "actions_overdue": 0,
            "measures_defined": 0,
            "evidence": {"met": 0, "partly_met": 0, "not_met": 0},
            "closed_with_evidence": 0,
            "closed_by_override": 0,
        },
        "subgroups": subgroups,
        "impact": [],
        "little_progress": [],
        "case_reviews": {
            "notified": 0,
            "decided": 0,
            "published": 0,
            "departures": [],
            "clocks": {"met": 0, "missed": 0, "running": 0},
            "reviews": [],
        },
        "audits": {
            "multi_agency_case_audits": 0,
            "limit": 4,
            "completed": 0,
            "by_kind": {},
            "audits": [],
        },
        "dataset": {"highlights": []},
    }


def idle_subgroup(slug: str, name: str) -> dict:
    return {
        "slug": slug,
        "name": name,
        "scope": "local",
        "needs_identified": 0,
        "sources": [],
        "actions": {
            "chosen": 0,
            "completed": 0,
            "overdue": 0,
            "by_rag": {"green": 0, "amber": 0, "red": 0, "complete": 0},
        },
        "measures_defined": 0,
        "evidence": {"met": 0, "partly_met": 0, "not_met": 0},
        "closed_with_evidence": 0,
        "closed_by_override": 0,
        "override_reasons": [],
        "loop": {"identification": 0, "improvement": 0, "effectiveness": 0, "closed": 0},
    }


EMPTY_YEARS = [
    pytest.param(empty_year([]), id="no-subgroups"),
    pytest.param(
        empty_year([idle_subgroup("board", "The Board"), idle_subgroup("training", "Training")]),
        id="idle-subgroups",
    ),
]
EMPTY_SENTENCES = (
    "Built from the event log up to position 0.",
    "1 April 2027 to 31 March 2028",
    "Nothing was recorded in the event log for 2027/28: this report is empty.",
    "No items were closed with evidence of impact (met) in 2027/28.",
    "No open items showed little or no progress in 2027/28.",
    "No case reviews were notified in 2027/28.",
    "No decision in 2027/28 departed from the criteria.",
    "No audits were recorded in 2027/28.",
    "No dataset indicators were highlighted for 2027/28.",
)


class Page(HTMLParser):
    """Collects what the tests look at: each <svg> (its attributes, <title>, <desc>, <text>s),
    table captions, tags seen and every text node."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.svgs: list[dict] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.captions: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        if tag == "svg":
            self.svgs.append(
                {"attrs": dict(attrs), "title": "", "desc": "", "texts": [], "ids": []}
            )
        if self.svgs and "svg" in [*self._in, tag] and dict(attrs).get("id"):
            self.svgs[-1]["ids"].append(dict(attrs)["id"])
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        where = self._in[-1] if self._in else ""
        if "svg" in self._in:
            if where == "text":
                self.svgs[-1]["texts"].append(data)
            elif where in ("title", "desc"):
                self.svgs[-1][where] += data
        elif where == "caption":
            self.captions.append(data)

    def charts(self, kind: str) -> list[dict]:
        return [s for s in self.svgs if f"chart-{kind}" in s["attrs"].get("class", "").split()]


def parse(html: bytes) -> Page:
    page = Page()
    page.feed(html.decode("utf-8"))
    page.close()
    return page


def words(text: str) -> str:
    return " ".join(text.split())


def pdf_text(pdf: pdfium.PdfDocument) -> list[str]:
    return [words(pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]


def pixels_near(image: Image.Image, colour: str, tolerance: int = 24) -> int:
    """How many pixels of the page are this colour, each channel within the tolerance."""
    target = Image.new("RGB", image.size, colour)
    red, green, blue = ImageChops.difference(image.convert("RGB"), target).split()
    distance = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return distance.point(lambda v: 255 if v <= tolerance else 0).histogram()[255]


def page_image(pdf: pdfium.PdfDocument, index: int) -> Image.Image:
    return pdf[index].render(scale=1).to_pil()


@pytest.fixture(scope="module")
def sample_pdf() -> pdfium.PdfDocument:
    data = render(json.loads(FIXTURE.read_text(encoding="utf-8")), "pdf")
    assert data.startswith(b"%PDF")
    return pdfium.PdfDocument(data)


# --- JSON -------------------------------------------------------------------------------------


def test_json_round_trips(report: dict) -> None:
    data = render(report, "json")
    assert json.loads(data.decode("utf-8")) == report
    assert data.startswith(b'{\n  "partnership"')


def test_json_keeps_text_as_written(report: dict) -> None:
    title = "Réunion \u2013 \u201chidden men\u201d"
    report["impact"][0]["items"][0]["title"] = title
    assert title.encode("utf-8") in render(report, "json")


def test_every_format_has_a_content_type_and_others_are_refused(report: dict) -> None:
    assert set(FORMATS) == set(CONTENT_TYPES) == {"json", "md", "html", "pdf"}
    with pytest.raises(ValueError, match="docx"):
        render(report, "docx")


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_states_its_position_period_and_totals(report: dict) -> None:
    text = render(report, "md").decode("utf-8")
    assert text.startswith("# Annual learning and improvement report 2026/27\n")
    assert "**Built from the event log up to position 1873.**" in text
    assert "1 April 2026 to 31 March 2027" in text
    for row in (
        "| Needs identified | 18 |",
        "| Actions chosen | 27 |",
        "| Actions completed | 11 |",
        "| Actions overdue | 5 |",
        "| Measures defined | 15 |",
        "| Evidence recorded: met | 6 |",
        "| Evidence recorded: partly met | 4 |",
        "| Evidence recorded: not met | 2 |",
        "| Items closed with evidence | 6 |",
        "| Items closed by override | 2 |",
    ):
        assert row in text


def test_markdown_tabulates_each_subgroup(report: dict) -> None:
    text = render(report, "md").decode("utf-8")
    scr = text.split("### Serious Case Review Subgroup (Local)")[1].split("\n### ")[0]
    assert "| Actions chosen | 11 |" in scr
    assert "| Evidence recorded: not met | 1 |" in scr
    assert "| Learning from homicide reviews | 1 |" in scr
    assert "| Identification | 6 | ████████████████████ |" in scr
    assert "| Closed | 4 |" in scr
    assert "| LI\\-2026\\-0031 |" not in scr  # hyphens are not markup: left alone
    assert "| LI-2026-0031 | Escalation of concerns between health visitors and GPs |" in scr
    assert "### Training Subgroup (Pan-Berkshire)" in text
    assert "| Monitoring and Evaluation Subgroup | 1 | 1 | 2 | 1 | 5 |" in text
    assert "| Subgroup | Green | Amber | Red | Complete | Total |" in text


def test_markdown_tells_the_impact_story(report: dict) -> None:
    text = render(report, "md").decode("utf-8")
    impact = text.split("## Impact")[1].split("## Case reviews")[0]
    assert "### Serious Case Review Subgroup" in impact
    assert "#### LI-2026-0012: Professional curiosity about men in the household" in impact
    assert (
        "**The need** (Learning from Windsor and Maidenhead serious case reviews, SCR-2025-02)"
        in (impact)
    )
    assert "- Implementation of recommendations: Assessment templates amended" in impact
    assert "- **Partly met**, Evaluation workshop: Practitioners reported confidence" in impact
    assert "Closed on 9 January 2027." in impact
    assert "| LI-2026-0029 | Private fostering awareness | The Board | Identification |" in impact


def test_markdown_covers_reviews_audits_and_the_dataset(report: dict) -> None:
    text = render(report, "md").decode("utf-8")
    for row in (
        "| Notified | 4 |",
        "| Decided | 3 |",
        "| Published | 1 |",
        "| Clocks met | 6 |",
        "| Clocks missed | 1 |",
        "| CR-2026-03 | Learning review | Serious case review | The Board chair judged",
        "| CR-2025-07 | Serious case review | Published | 3 October 2025 | 18 September 2026 | 4 |",
        "4 multi-agency case audits in 2026/27, against the limit of 4 a year.",
        "| Multi-agency case audit | 4 |",
        "| Single-agency audit | Health visitor record keeping | 2027-01 | Planned | 0 |",
        "| 2026-Q3 | 19.1 | 23.9 | +25.1% |",
        "| 2026-Q4 | 24.4 | \u2013 | 22 |",  # an en dash: no figure
        "Lower is better. Trend over the year: worsening.",
        "better than statistical neighbours (38.6) and better than England (42.1)",
    ):
        assert row in text
    assert "No case reviews were notified" not in text


def test_markdown_escapes_text_that_would_be_markup(report: dict) -> None:
    report["little_progress"][0]["title"] = f"{SCRIPT} | *bold* [link](x)"
    text = render(report, "md").decode("utf-8")
    assert SCRIPT not in text
    row = next(line for line in text.splitlines() if "alert" in line)
    assert row.count(" | ") == 5  # six cells: the title's pipe does not split it
    assert "\\<script\\>" in row and "\\*bold\\*" in row and "\\[link\\]" in row


# --- HTML -------------------------------------------------------------------------------------


def test_html_is_one_self_contained_page(report: dict) -> None:
    html = render(report, "html")
    page = parse(html)
    assert html.startswith(b"<!DOCTYPE html>")
    assert page.tags.count("html") == 1 and page.tags.count("style") == 1
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert not re.search(rb'(src|href)="(?!#)', html)
    text = words(" ".join(page.text))
    assert "Built from the event log up to position 1873." in text
    assert "1 April 2026 to 31 March 2027" in text


def test_html_draws_one_funnel_per_subgroup_with_its_counts(report: dict) -> None:
    page = parse(render(report, "html"))
    funnels = page.charts("funnel")
    assert [f["attrs"]["data-subgroup"] for f in funnels] == [
        g["slug"] for g in report["subgroups"]
    ]
    for funnel, group in zip(funnels, report["subgroups"], strict=True):
        loop = group["loop"]
        counts = [
            str(loop[k]) for k in ("identification", "improvement", "effectiveness", "closed")
        ]
        labels = [t for t in funnel["texts"] if not t.endswith("%")]
        assert labels == [
            "Identification", counts[0], "Improvement", counts[1],
            "Effectiveness", counts[2], "Closed", counts[3],
        ]  # fmt: skip
        assert funnel["title"] == f"{group['name']}: the learning loop as a funnel"
        assert f"Identification: {counts[0]}, Improvement: {counts[1]}" in funnel["desc"]
        assert funnel["attrs"]["role"] == "img"
        assert funnel["attrs"]["aria-labelledby"].split() == funnel["ids"]


def test_html_draws_actions_by_rag_with_text_labels_and_a_data_table(report: dict) -> None:
    page = parse(render(report, "html"))
    [rag] = page.charts("rag")
    assert {"G 3", "A 1", "R 2", "C 5", "11"} <= set(rag["texts"])  # the SCR subgroup's bar
    assert "G = Green" in rag["texts"] and "R = Red" in rag["texts"]
    assert "Serious Case Review Subgroup: green 3, amber 1, red 2, complete 5" in rag["desc"]
    assert "Data for the chart: actions by RAG rating" in page.captions


def test_html_draws_each_highlight_against_its_comparators(report: dict) -> None:
    page = parse(render(report, "html"))
    trends = page.charts("trend")
    assert [t["attrs"]["data-code"] for t in trends] == ["CPP-RATE", "RE-REF", "ASSESS-45"]
    cpp = trends[0]
    assert {"Local", "Statistical neighbours", "England", "2026-Q1", "2026-Q4"} <= set(cpp["texts"])
    assert {"46.2", "44.8", "37.1", "35.6"} <= set(cpp["texts"])
    assert "2026-Q3: Local 37.1, Statistical neighbours 39, England 42" in cpp["desc"]
    assert "2026-Q4: Local 24.4, Statistical neighbours no data" in trends[1]["desc"]
    assert sum(c.startswith("Data for the chart: ") for c in page.captions) == 1 + 4 + 3


def test_html_escapes_every_piece_of_text(report: dict) -> None:
    report["subgroups"][0]["name"] = SCRIPT  # drawn in the funnel's title and the RAG chart
    report["impact"][0]["items"][0]["title"] = SCRIPT
    report["little_progress"][0]["reason"] = SCRIPT
    report["dataset"]["highlights"][0]["name"] = SCRIPT
    html = render(report, "html")
    page = parse(html)
    assert b"<script" not in html
    assert b"&lt;script&gt;" in html
    assert "script" not in page.tags
    assert page.charts("funnel")[0]["title"].startswith(SCRIPT)
    assert SCRIPT in page.charts("rag")[0]["texts"]


def test_html_and_markdown_are_the_same_bytes_for_the_same_report(report: dict) -> None:
    for fmt in ("json", "md", "html"):
        assert render(report, fmt) == render(copy.deepcopy(report), fmt)


# --- PDF --------------------------------------------------------------------------------------


def test_pdf_has_pages_and_says_where_it_was_built_from(sample_pdf: pdfium.PdfDocument) -> None:
    assert len(sample_pdf) >= 2
    pages = pdf_text(sample_pdf)
    whole = " ".join(pages)
    assert "Built from the event log up to position 1873." in pages[0]
    assert "1 April 2026 to 31 March 2027" in pages[0]
    assert "Needs identified 18" in pages[0]
    assert f"Page 1 of {len(sample_pdf)}" in pages[0]
    assert "LI-2026-0012 Professional curiosity about men in the household" in whole
    assert "4 multi-agency case audits in 2026/27" in whole


def test_pdf_draws_the_charts(sample_pdf: pdfium.PdfDocument, report: dict) -> None:
    pages = pdf_text(sample_pdf)

    def page_with(text: str) -> Image.Image:
        return page_image(sample_pdf, next(i for i, p in enumerate(pages) if text in p))

    for group in report["subgroups"]:  # the funnel's bars, in their colours
        image = page_with(f"{group['name']}: items at each stage of the learning loop")
        for colour in FUNNEL_COLOURS:  # flat fills: each stage's bar drawn in its colour
            assert pixels_near(image, colour, 6) > 1_000, (group["slug"], colour)
    rag = page_with("Actions chosen in 2026/27 by RAG rating")
    for _, _, name, fill, _ in RAG:
        assert pixels_near(rag, fill, 6) > 500, name
    for highlight in report["dataset"]["highlights"]:  # the local line, the comparators' markers
        image = page_with(f"{highlight['name']} ({highlight['unit']}), local figure against")
        local, neighbours = SERIES[0][2], SERIES[1][2]
        assert pixels_near(image, local, 40) > 400, highlight["code"]
        assert pixels_near(image, neighbours, 40) > 150, highlight["code"]
    text_only = page_image(sample_pdf, 0)  # the summary: tables, no chart
    assert all(pixels_near(text_only, colour, 6) == 0 for colour in FUNNEL_COLOURS[1:])


# --- The empty year ---------------------------------------------------------------------------


@pytest.mark.parametrize("empty", EMPTY_YEARS)
def test_an_empty_year_is_an_honest_empty_report(empty: dict) -> None:
    assert json.loads(render(empty, "json")) == empty
    markdown = render(empty, "md").decode("utf-8")
    page = parse(render(empty, "html"))
    html_text = words(" ".join(page.text))
    pdf = pdfium.PdfDocument(render(empty, "pdf"))
    pdf_words = " ".join(pdf_text(pdf))
    for sentence in EMPTY_SENTENCES:
        assert sentence in markdown
        assert sentence in html_text
        assert sentence in pdf_words
    assert "| Needs identified | 0 |" in markdown
    assert page.charts("funnel") == page.charts("rag") == page.charts("trend") == []
    if empty["subgroups"]:
        assert "No actions were chosen in 2027/28." in markdown
        for sentence in ("No actions were chosen in 2027/28.", "No item of Training entered"):
            assert sentence in html_text
    else:
        assert "No subgroup recorded any learning in 2027/28." in pdf_words
    for i in range(len(pdf)):  # no chart drawn
        assert pixels_near(page_image(pdf, i), FUNNEL_COLOURS[3]) == 0
