"""How the dataset import reads a row's cells into a command, before any rule is checked."""

import pytest

from adapters.cli.dataset_file import command, number
from domain.commands.indicator import CorrectValue, SubmitValue
from domain.errors import InvalidField

ROW = {"indicator": "CP-01", "period": " 2026-Q1 ", "agency": "police", "value": "38"}


def test_a_number_is_finite_and_written_as_a_number_or_its_text():
    assert number(3, "value") == 3.0
    assert isinstance(number(3, "value"), float)
    assert number(" 12.5 ", "value") == 12.5
    for bad in (True, "twelve", "12,5", "", None, "nan", float("inf"), [1]):
        with pytest.raises(InvalidField) as raised:
            number(bad, "value")
        assert raised.value.field == "value"


def test_a_row_is_a_submission_with_its_quarter_and_numbers_read():
    assert command({**ROW, "england": 41}) == SubmitValue(
        indicator="CP-01", period="2026-Q1", agency="police", value=38.0, england=41.0
    )


def test_a_row_with_a_reason_is_a_correction():
    corrected = command({**ROW, "correction_reason": "Late returns"})
    assert isinstance(corrected, CorrectValue)
    assert corrected.reason == "Late returns"


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ({"period": "2026-Q5"}, "period"),
        ({"value": "n/a"}, "value"),
        ({"statistical_neighbours": "about 40"}, "statistical_neighbours"),
    ],
)
def test_a_cell_that_cannot_be_read_names_its_column(cells, field):
    with pytest.raises(InvalidField) as raised:
        command({**ROW, **cells})
    assert raised.value.field == field
