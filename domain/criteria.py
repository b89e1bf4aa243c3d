"""The statutory tests for a case review: what five facts about a case require.

`assess(criteria, <the five facts>)` answers "required", "discretionary" or "none". `criteria`
names the test, one of `domain.framework.CRITERIA`:

"regulation-5-2-2006": Regulation 5(2) of the LSCB Regulations 2006 (Working Together 2013).

    died in custody or detained (Mental Health Act)             -> required
    abuse or neglect known or suspected AND
        (child died, suicide included, OR
         child seriously harmed AND concern about joint working) -> required
    abuse or neglect known or suspected, the test otherwise not
        met (no death; harm without concern; no harm)            -> discretionary
    no abuse or neglect, no death in custody                    -> none

  "discretionary": the criteria for a serious case review are not met, but agencies may still
  commission a critical incident or best practice review (seed 5.8). Without abuse or neglect
  the 2006 test concerns nothing, whatever else happened: "none".

"serious-child-safeguarding-case-2023": Working Together 2023's serious child safeguarding case.

    died in custody or detained                                 -> required
    abuse or neglect known or suspected AND
        (child died OR child seriously harmed)                  -> required (a rapid review)
    otherwise any abuse or neglect, death or serious harm       -> discretionary
    nothing of these                                            -> none

  Concern about joint working does not enter the 2023 test.
"""

from __future__ import annotations

from collections.abc import Callable

REQUIRED = "required"
DISCRETIONARY = "discretionary"
NONE = "none"
OUTCOMES = (REQUIRED, DISCRETIONARY, NONE)

FACTS = (
    "abuse_or_neglect_known_or_suspected",
    "child_died",
    "child_seriously_harmed",
    "concern_about_joint_working",
    "died_in_custody_or_detained",
)


def _regulation_5_2_2006(
    abuse: bool, died: bool, harmed: bool, concern: bool, in_custody: bool
) -> str:
    if in_custody or (abuse and (died or (harmed and concern))):
        return REQUIRED
    return DISCRETIONARY if abuse else NONE


def _serious_child_safeguarding_case_2023(
    abuse: bool, died: bool, harmed: bool, concern: bool, in_custody: bool
) -> str:
    if in_custody or (abuse and (died or harmed)):
        return REQUIRED
    return DISCRETIONARY if (abuse or died or harmed) else NONE


_TESTS: dict[str, Callable[[bool, bool, bool, bool, bool], str]] = {
    "regulation-5-2-2006": _regulation_5_2_2006,
    "serious-child-safeguarding-case-2023": _serious_child_safeguarding_case_2023,
}


def assess(
    criteria: str,
    *,
    abuse_or_neglect_known_or_suspected: bool,
    child_died: bool,
    child_seriously_harmed: bool,
    concern_about_joint_working: bool,
    died_in_custody_or_detained: bool,
) -> str:
    """What `criteria` requires of a case with these facts; ValueError for unknown criteria."""
    try:
        test = _TESTS[criteria]
    except KeyError:
        known = ", ".join(_TESTS)
        raise ValueError(
            f"unknown review criteria '{criteria}'; expected one of: {known}"
        ) from None
    return test(
        abuse_or_neglect_known_or_suspected,
        child_died,
        child_seriously_harmed,
        concern_about_joint_working,
        died_in_custody_or_detained,
    )
