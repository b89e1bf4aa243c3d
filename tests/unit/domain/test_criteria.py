from collections import Counter
from itertools import product

import pytest

from domain.criteria import DISCRETIONARY, FACTS, NONE, REQUIRED, assess
from domain.framework import CRITERIA

TRUTH_TABLE = list(product((False, True), repeat=len(FACTS)))


def facts(row: tuple[bool, ...]) -> dict[str, bool]:
    return dict(zip(FACTS, row, strict=True))


def regulation_5_2(abuse, died, harmed, concern, in_custody):
    """Seed 5.8, read case by case."""
    if in_custody:
        return REQUIRED
    if not abuse:
        return NONE
    if died:
        return REQUIRED
    if harmed and concern:
        return REQUIRED
    return DISCRETIONARY


def serious_child_safeguarding_case(abuse, died, harmed, concern, in_custody):
    """Working Together 2023, read case by case."""
    if in_custody:
        return REQUIRED
    if abuse and died:
        return REQUIRED
    if abuse and harmed:
        return REQUIRED
    if abuse or died or harmed:
        return DISCRETIONARY
    return NONE


ORACLES = {
    "regulation-5-2-2006": regulation_5_2,
    "serious-child-safeguarding-case-2023": serious_child_safeguarding_case,
}


def test_every_criteria_the_framework_names_has_a_test():
    assert set(ORACLES) == set(CRITERIA)


@pytest.mark.parametrize("row", TRUTH_TABLE, ids=lambda row: "".join("TF"[not v] for v in row))
@pytest.mark.parametrize("criteria", CRITERIA)
def test_the_whole_truth_table(criteria, row):
    assert assess(criteria, **facts(row)) == ORACLES[criteria](*row)


@pytest.mark.parametrize(
    ("criteria", "counts"),
    [
        ("regulation-5-2-2006", {REQUIRED: 21, DISCRETIONARY: 3, NONE: 8}),
        ("serious-child-safeguarding-case-2023", {REQUIRED: 22, DISCRETIONARY: 8, NONE: 2}),
    ],
)
def test_how_the_thirty_two_cases_fall(criteria, counts):
    assert Counter(assess(criteria, **facts(row)) for row in TRUTH_TABLE) == counts


NOTHING = dict.fromkeys(FACTS, False)


@pytest.mark.parametrize(
    ("case", "outcome"),
    [
        ({"abuse_or_neglect_known_or_suspected": True, "child_died": True}, REQUIRED),
        (
            {
                "abuse_or_neglect_known_or_suspected": True,
                "child_seriously_harmed": True,
                "concern_about_joint_working": True,
            },
            REQUIRED,
        ),
        (
            {"abuse_or_neglect_known_or_suspected": True, "child_seriously_harmed": True},
            DISCRETIONARY,
        ),
        ({"abuse_or_neglect_known_or_suspected": True}, DISCRETIONARY),
        ({"died_in_custody_or_detained": True}, REQUIRED),
        ({"child_died": True}, NONE),
        ({"child_seriously_harmed": True, "concern_about_joint_working": True}, NONE),
        ({}, NONE),
    ],
)
def test_regulation_5_2_in_the_seeds_words(case, outcome):
    assert assess("regulation-5-2-2006", **{**NOTHING, **case}) == outcome


@pytest.mark.parametrize(
    ("case", "outcome"),
    [
        ({"abuse_or_neglect_known_or_suspected": True, "child_seriously_harmed": True}, REQUIRED),
        ({"died_in_custody_or_detained": True}, REQUIRED),
        ({"child_died": True}, DISCRETIONARY),
        ({"concern_about_joint_working": True}, NONE),
    ],
)
def test_working_together_2023_needs_no_concern_about_joint_working(case, outcome):
    assert assess("serious-child-safeguarding-case-2023", **{**NOTHING, **case}) == outcome


def test_unknown_criteria_are_a_value_error():
    with pytest.raises(ValueError, match="unknown review criteria 'working-together-1999'"):
        assess("working-together-1999", **NOTHING)
