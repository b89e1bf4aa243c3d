"""Clean text (issue 12 item 8): one rule in the domain, applied by every command."""

import pytest

from domain.commands.audit import PlanAudit
from domain.commands.case_review import NotifyReview
from domain.commands.learning_item import IdentifyNeed, ReportProgress
from domain.errors import InvalidField
from domain.text import multi_line, single_line


@pytest.mark.parametrize(
    "bad",
    [
        "nul\x00",
        "line\nbreak",
        "carriage\rreturn",
        "tab\there",
        "escape\x1b[31m",
        "delete\x7f",
        "c1\x85",
        "\u202eevil",  # right-to-left override
        "isolate\u2066",
        "mark\u200f",
        "zero\u200bwidth",
        "joiner\u200d",
        "bom\ufeff",
    ],
)
def test_one_line_refuses_controls_bidi_and_zero_width(bad):
    with pytest.raises(InvalidField) as raised:
        single_line(bad, "title")
    assert raised.value.field == "title"
    assert "U+" in raised.value.message


def test_text_is_nfc_normalised():
    decomposed = "Cafe\u0301 Nai\u0308ve"
    assert single_line(decomposed, "title") == "Caf\u00e9 Na\u00efve"
    assert multi_line(decomposed, "note") == "Caf\u00e9 Na\u00efve"


def test_many_lines_keep_tab_and_newline_and_read_cr_as_newline():
    assert multi_line("a\tb\r\nc\rd\ne", "note") == "a\tb\nc\nd\ne"


@pytest.mark.parametrize("bad", ["nul\x00", "bell\x07", "\u202eevil", "vt\x0b"])
def test_many_lines_refuse_other_controls_and_bidi_overrides(bad):
    with pytest.raises(InvalidField) as raised:
        multi_line(bad, "description")
    assert raised.value.field == "description"


def test_ordinary_text_passes_unchanged():
    text = "Children's Services: 9/10 cases — “timely” (Welsh: ŵ, ŷ)"
    assert single_line(text, "title") == text


def test_every_command_cleans_its_text_naming_the_field():
    with pytest.raises(InvalidField) as raised:
        IdentifyNeed(subgroup="s", title="T\x00", description="", source_kind="k")
    assert raised.value.field == "title"
    with pytest.raises(InvalidField) as raised:
        IdentifyNeed(subgroup="s", title="T", description="", source_kind="k", themes=("a\u200b",))
    assert raised.value.field == "themes"
    with pytest.raises(InvalidField) as raised:
        NotifyReview(
            case_reference="CR/1", notified_on=None, notifying_agency="p", summary="\u202e"
        )
    assert raised.value.field == "summary"
    with pytest.raises(InvalidField) as raised:
        PlanAudit(kind="single_agency_audit", theme="Neglect\n", planned_for=None)
    assert raised.value.field == "theme"


def test_a_multi_line_field_of_a_command_keeps_its_lines():
    command = ReportProgress(action_id="a", status="on_track", note="Line one\r\nLine two")
    assert command.note == "Line one\nLine two"
