"""The framework file: the packaged default mirrors Appendix 2, and a broken file says where."""

import pathlib

import pytest

import adapters.framework
from adapters.framework.loader import FrameworkError, load_framework
from domain.framework import AuditRules, ClockRule, Framework, Option
from domain.reminder_rules import ReminderRule

BODIES = (
    "board",
    "serious-case-review",
    "training",
    "policy-and-procedures",
    "prevention",
    "monitoring-and-evaluation",
    "child-death-overview",
    "section-11",
)
PACKAGED = pathlib.Path(adapters.framework.__file__).parent
PAN_BERKSHIRE = {"training", "policy-and-procedures", "child-death-overview", "section-11"}

# Bullets per body in Appendix 2: identification sources, means of improvement, measures.
BULLETS = {
    "board": (5, 4, 5),
    "serious-case-review": (6, 5, 3),
    "training": (5, 4, 6),
    "policy-and-procedures": (2, 3, 2),
    "prevention": (1, 3, 1),
    "monitoring-and-evaluation": (5, 4, 5),
    "child-death-overview": (2, 4, 3),
    "section-11": (2, 1, 3),
}


@pytest.fixture(scope="module")
def default() -> Framework:
    return load_framework()


def slugs(options: tuple[Option, ...]) -> list[str]:
    return [option.slug for option in options]


def test_the_default_names_the_partnership_and_its_time_zone(default: Framework) -> None:
    assert default.name == "Windsor and Maidenhead LSCB Learning and Improvement Framework"
    assert default.timezone == "Europe/London"


def test_the_default_has_the_eight_bodies_of_appendix_2_in_order(default: Framework) -> None:
    assert tuple(subgroup.slug for subgroup in default.subgroups) == BODIES


@pytest.mark.parametrize("slug", BODIES)
def test_each_body_has_its_scope_and_one_option_per_bullet(default: Framework, slug: str) -> None:
    subgroup = default.subgroup(slug)
    assert subgroup.scope == ("pan-berkshire" if slug in PAN_BERKSHIRE else "local")
    assert subgroup.restricted is (slug == "child-death-overview")
    lists = (
        subgroup.identification_sources,
        subgroup.means_of_improvement,
        subgroup.measures_of_effectiveness,
    )
    assert tuple(len(options) for options in lists) == BULLETS[slug]
    for options in lists:
        assert isinstance(options, tuple)
        assert len(set(slugs(options))) == len(options)
        assert all(option.label for option in options)


def test_serious_case_review_options(default: Framework) -> None:
    scr = default.subgroup("serious-case-review")
    assert slugs(scr.identification_sources) == [
        "local_serious_case_review",
        "other_local_review",
        "good_example_review",
        "serious_case_review_elsewhere",
        "safeguarding_adult_review",
        "homicide_review",
    ]
    assert "implementation_of_recommendations" in slugs(scr.means_of_improvement)
    assert scr.measures_of_effectiveness[:2] == (
        Option("evaluation_workshop", "Evaluation workshop"),
        Option("targeted_audit_questions", "Targeted questions in audits"),
    )


def test_the_truncated_training_bullet_is_completed(default: Framework) -> None:
    measures = {m.slug: m.label for m in default.subgroup("training").measures_of_effectiveness}
    assert measures["practitioner_questions"] == (
        "Including questions of practitioners on the effectiveness of training in reviews and "
        "audits"
    )


def test_the_default_names_its_agencies_once_each(default: Framework) -> None:
    agency_slugs = [agency.slug for agency in default.agencies]
    assert agency_slugs and len(set(agency_slugs)) == len(agency_slugs)
    assert {"thames-valley-police", "rbwm-childrens-services", "cafcass"} <= set(agency_slugs)


MINIMAL = """\
name = "Test framework"
timezone = "Europe/London"

[[agencies]]
slug = "cafcass"
name = "Cafcass"

[[subgroups]]
slug = "board"
name = "The Board"
scope = "local"
identification_sources = [{ slug = "jsna", label = "Issues emerging from the JSNA" }]
means_of_improvement = [{ slug = "board_challenge", label = "Challenge by the Board" }]
measures_of_effectiveness = [{ slug = "multi_agency_audits", label = "Multi-agency audits" }]
"""
MEANS = 'means_of_improvement = [{ slug = "board_challenge", label = "Challenge by the Board" }]\n'
AGENCY = '[[agencies]]\nslug = "cafcass"\nname = "Cafcass"\n'
SUBGROUP = MINIMAL[MINIMAL.index("[[subgroups]]") :]


def test_a_minimal_file_loads_from_a_string_path(tmp_path) -> None:
    path = tmp_path / "framework.toml"
    path.write_text(MINIMAL)
    framework = load_framework(str(path))
    assert framework.subgroup("board").means_of_improvement == (
        Option("board_challenge", "Challenge by the Board"),
    )
    assert [agency.slug for agency in framework.agencies] == ["cafcass"]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        pytest.param(MINIMAL + 'colour = "blue"\n', "subgroups[0].colour", id="unknown-key"),
        pytest.param('timezon = "UTC"\n' + MINIMAL, "timezon", id="unknown-top-level-key"),
        pytest.param(
            MINIMAL.replace(MEANS, ""), "subgroups[0].means_of_improvement", id="missing-means"
        ),
        pytest.param(
            MINIMAL.replace(MEANS, "means_of_improvement = []\n"),
            "subgroups[0].means_of_improvement",
            id="empty-means",
        ),
        pytest.param(
            MINIMAL.replace('slug = "board_challenge", ', ""),
            "subgroups[0].means_of_improvement[0].slug",
            id="missing-option-slug",
        ),
        pytest.param(
            MINIMAL.replace('"local"', '"berkshire"'), "subgroups[0].scope", id="bad-scope"
        ),
        pytest.param(MINIMAL.replace('"board"', '"The Board"'), "subgroups[0].slug", id="bad-slug"),
        pytest.param(
            MINIMAL.replace('scope = "local"', 'scope = "local"\nrestricted = "yes"'),
            "subgroups[0].restricted",
            id="restricted-not-boolean",
        ),
        pytest.param(
            MINIMAL + SUBGROUP, "subgroups: duplicate slug 'board'", id="duplicate-subgroup"
        ),
        pytest.param(
            MINIMAL.replace(AGENCY, AGENCY + AGENCY),
            "agencies: duplicate slug 'cafcass'",
            id="duplicate-agency",
        ),
        pytest.param(
            MINIMAL.replace(
                '[{ slug = "jsna", label = "Issues emerging from the JSNA" }]',
                '[{ slug = "jsna", label = "JSNA" }, { slug = "jsna", label = "JSNA again" }]',
            ),
            "subgroups[0].identification_sources: duplicate slug 'jsna'",
            id="duplicate-option",
        ),
        pytest.param(
            MINIMAL.replace('"Challenge by the Board"', '"  "'),
            "subgroups[0].means_of_improvement[0].label",
            id="empty-label",
        ),
        pytest.param(
            MINIMAL.replace("Europe/London", "Europe/Windsor"), "timezone", id="bad-timezone"
        ),
        pytest.param(MINIMAL[: MINIMAL.index("[[agencies]]")], "subgroups", id="no-subgroups"),
        pytest.param(
            MINIMAL.replace('name = "Cafcass"', "name = "), "line 6, column 8", id="malformed-toml"
        ),
    ],
)
def test_a_broken_file_is_refused_naming_the_field(tmp_path, text: str, field: str) -> None:
    path = tmp_path / "framework.toml"
    path.write_text(text)
    with pytest.raises(FrameworkError) as refused:
        load_framework(path)
    assert field in str(refused.value)
    assert str(path) in str(refused.value)


def test_a_missing_file_is_refused_naming_it(tmp_path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(FrameworkError) as refused:
        load_framework(path)
    assert str(path) in str(refused.value)


REVIEW_TYPES = [
    "serious_case_review",
    "critical_incident_review",
    "best_practice_review",
    "learning_review",
    "no_review",
]
METHODS = [
    "scie_learning_together",
    "root_cause_analysis",
    "child_practice_review",
    "silp",
    "appreciative_inquiry",
    "other",
]


def test_the_default_case_reviews_follow_working_together_2013(default: Framework) -> None:
    rules = default.case_reviews
    assert rules is not None
    assert rules.subgroup == "serious-case-review"
    assert rules.criteria == "regulation-5-2-2006"
    assert rules.required_name == "serious_case_review"
    assert rules.satisfies_requirement == ("serious_case_review",)
    assert rules.independent_lead_for == ("serious_case_review",)
    assert rules.response_before_publication_for == ("serious_case_review",)
    assert slugs(rules.review_types) == REVIEW_TYPES
    assert slugs(rules.methods) == METHODS
    assert rules.review_types[0] == Option("serious_case_review", "Serious case review")
    assert "ofsted_notified" in slugs(rules.milestones)
    rules.check_review_type("best_practice_review")
    rules.check_method("silp")
    rules.check_milestone("ofsted_notified")


def test_the_default_clocks(default: Framework) -> None:
    assert default.case_reviews is not None
    clocks = {clock.name: clock for clock in default.case_reviews.clocks}
    assert list(clocks) == [
        "notification_to_ofsted",
        "scr_decision",
        "scr_completion",
        "publication",
    ]
    assert clocks["notification_to_ofsted"] == ClockRule(
        name="notification_to_ofsted",
        label=clocks["notification_to_ofsted"].label,
        starts_on="notified",
        length=5,
        unit="working_days",
        met_by="milestone:ofsted_notified",
    )
    decision = clocks["scr_decision"]
    assert (decision.starts_on, decision.length, decision.unit, decision.met_by) == (
        "notified",
        30,
        "calendar_days",
        "decided",
    )
    assert decision.applies(None) and decision.applies("no_review")
    completion = clocks["scr_completion"]
    assert (completion.starts_on, completion.length, completion.unit, completion.met_by) == (
        "decided",
        182,
        "calendar_days",
        "final_report_received",
    )
    assert completion.applies_to == ("serious_case_review",)
    assert not completion.applies("learning_review") and not completion.applies(None)
    publication = clocks["publication"]
    assert (publication.starts_on, publication.met_by) == ("board_response_agreed", "published")
    assert publication.applies_to == ("serious_case_review",)


def test_the_default_allows_four_multi_agency_case_audits_a_year(default: Framework) -> None:
    assert default.audits == AuditRules(
        subgroup="monitoring-and-evaluation", multi_agency_case_audits_per_year=4
    )


@pytest.mark.parametrize("name", ["working-together-2023", "working-together-2023.toml"])
def test_the_2023_framework_is_packaged_and_selected_by_name(name: str) -> None:
    framework = load_framework(name)
    assert framework.name == "Working Together 2023 multi-agency safeguarding arrangements"


@pytest.fixture(scope="module")
def wt2023() -> Framework:
    return load_framework(PACKAGED / "working-together-2023.toml")


def test_the_2023_framework_keeps_the_bodies_under_the_partners_executive(
    default: Framework, wt2023: Framework
) -> None:
    assert tuple(subgroup.slug for subgroup in wt2023.subgroups) == BODIES
    assert wt2023.subgroup("board").name == "Safeguarding partners' executive"
    assert [a.slug for a in wt2023.agencies] == [a.slug for a in default.agencies]
    assert wt2023.audits == default.audits


def test_the_2023_framework_runs_rapid_reviews(wt2023: Framework) -> None:
    rules = wt2023.case_reviews
    assert rules is not None
    assert rules.criteria == "serious-child-safeguarding-case-2023"
    assert rules.required_name == "rapid_review"
    assert slugs(rules.review_types) == [
        "local_child_safeguarding_practice_review",
        "learning_review",
        "no_review",
    ]
    assert rules.satisfies_requirement == ("local_child_safeguarding_practice_review", "no_review")
    assert rules.independent_lead_for == ("local_child_safeguarding_practice_review",)
    assert rules.response_before_publication_for == ("local_child_safeguarding_practice_review",)
    assert slugs(rules.methods) == METHODS
    assert slugs(rules.milestones) == ["panel_notified", "rapid_review_completed"]
    clocks = {c.name: (c.starts_on, c.length, c.unit, c.met_by, c.applies_to) for c in rules.clocks}
    assert clocks == {
        "panel_notification": ("notified", 5, "working_days", "milestone:panel_notified", ()),
        "rapid_review": ("notified", 15, "working_days", "milestone:rapid_review_completed", ()),
        "lcspr_publication": (
            "decided",
            182,
            "calendar_days",
            "published",
            ("local_child_safeguarding_practice_review",),
        ),
    }


CASE_REVIEWS = """
[case_reviews]
subgroup = "board"
criteria = "regulation-5-2-2006"
required_name = "serious_case_review"
satisfies_requirement = ["serious_case_review"]
independent_lead_for = ["serious_case_review"]
response_before_publication_for = ["serious_case_review"]
review_types = [
    { slug = "serious_case_review", label = "Serious case review" },
    { slug = "no_review", label = "No review" },
]
methods = [{ slug = "other", label = "Other" }]
milestones = [{ slug = "ofsted_notified", label = "Ofsted notified" }]

[[case_reviews.clocks]]
name = "notification"
label = "Ofsted notified within 5 working days"
starts_on = "notified"
length = 5
unit = "working_days"
met_by = "milestone:ofsted_notified"

[[case_reviews.clocks]]
name = "completion"
label = "Completed within six months"
starts_on = "decided"
length = 182
unit = "calendar_days"
met_by = "final_report_received"
applies_to = ["serious_case_review"]

[audits]
subgroup = "board"
multi_agency_case_audits_per_year = 4
"""
FULL = MINIMAL + CASE_REVIEWS
SECOND_MET_BY = 'met_by = "final_report_received"'


def test_case_reviews_and_audits_are_optional(tmp_path) -> None:
    path = tmp_path / "framework.toml"
    path.write_text(MINIMAL)
    framework = load_framework(path)
    assert framework.case_reviews is None and framework.audits is None


def test_a_file_with_case_reviews_and_audits_loads(tmp_path) -> None:
    path = tmp_path / "framework.toml"
    path.write_text(FULL.replace("multi_agency_case_audits_per_year = 4\n", ""))
    framework = load_framework(path)
    assert framework.audits == AuditRules(subgroup="board", multi_agency_case_audits_per_year=4)
    assert framework.case_reviews is not None
    assert [clock.name for clock in framework.case_reviews.clocks] == [
        "notification",
        "completion",
    ]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        pytest.param(
            FULL.replace('"regulation-5-2-2006"', '"children-act-1989"'),
            "case_reviews.criteria",
            id="unknown-criteria",
        ),
        pytest.param(
            FULL.replace(SECOND_MET_BY, 'met_by = "milestone:x"'),
            "case_reviews.clocks[1].met_by: unknown step 'milestone:x'",
            id="unknown-milestone",
        ),
        pytest.param(
            FULL.replace('starts_on = "notified"', 'starts_on = "incident"'),
            "case_reviews.clocks[0].starts_on: unknown step 'incident'",
            id="unknown-step",
        ),
        pytest.param(
            FULL.replace('unit = "working_days"', 'unit = "weeks"'),
            "case_reviews.clocks[0].unit",
            id="unit-weeks",
        ),
        pytest.param(
            FULL.replace("length = 5", "length = 0"), "case_reviews.clocks[0].length", id="zero"
        ),
        pytest.param(
            FULL.replace("length = 5", 'length = "5"'),
            "case_reviews.clocks[0].length",
            id="length-not-integer",
        ),
        pytest.param(
            FULL.replace('name = "completion"', 'name = "notification"'),
            "case_reviews.clocks: duplicate name 'notification'",
            id="duplicate-clock",
        ),
        pytest.param(
            FULL.replace(SECOND_MET_BY, 'met_by = "decided"'),
            "case_reviews.clocks[1].met_by: 'decided' is also the step that starts the clock",
            id="met-by-its-start",
        ),
        pytest.param(
            FULL.replace(SECOND_MET_BY, 'met_by = "notified"'),
            "case_reviews.clocks[1].met_by: 'notified' comes before 'decided'",
            id="met-before-it-starts",
        ),
        pytest.param(
            FULL.replace(
                'satisfies_requirement = ["serious_case_review"]', 'satisfies_requirement = ["scr"]'
            ),
            "case_reviews.satisfies_requirement[0]: unknown review type 'scr'",
            id="unknown-satisfying-type",
        ),
        pytest.param(
            FULL.replace(
                'satisfies_requirement = ["serious_case_review"]', "satisfies_requirement = []"
            ),
            "case_reviews.satisfies_requirement",
            id="nothing-satisfies",
        ),
        pytest.param(
            FULL.replace(
                'independent_lead_for = ["serious_case_review"]', 'independent_lead_for = ["lcspr"]'
            ),
            "case_reviews.independent_lead_for[0]: unknown review type 'lcspr'",
            id="unknown-independent-type",
        ),
        pytest.param(
            FULL.replace(
                'subgroup = "board"\ncriteria', 'subgroup = "serious-case-review"\ncriteria'
            ),
            "case_reviews.subgroup: unknown subgroup 'serious-case-review'",
            id="unknown-case-review-subgroup",
        ),
        pytest.param(
            FULL.replace('applies_to = ["serious_case_review"]', 'applies_to = ["rapid_review"]'),
            "case_reviews.clocks[1].applies_to[0]: unknown review type 'rapid_review'",
            id="unknown-applies-to",
        ),
        pytest.param(
            FULL.replace('methods = [{ slug = "other", label = "Other" }]', "methods = []"),
            "case_reviews.methods",
            id="no-methods",
        ),
        pytest.param(
            FULL.replace(
                '{ slug = "no_review", label = "No review" }',
                '{ slug = "serious_case_review", label = "Again" }',
            ),
            "case_reviews.review_types: duplicate slug 'serious_case_review'",
            id="duplicate-review-type",
        ),
        pytest.param(
            FULL.replace('required_name = "serious_case_review"\n', ""),
            "case_reviews.required_name",
            id="missing-required-name",
        ),
        pytest.param(
            FULL.replace(
                'criteria = "regulation-5-2-2006"', 'criteria = "regulation-5-2-2006"\nchair = "x"'
            ),
            "case_reviews.chair",
            id="unknown-case-review-key",
        ),
        pytest.param(
            FULL + "deep_dives_per_year = 4\n", "audits.deep_dives_per_year", id="unknown-audit-key"
        ),
        pytest.param(
            FULL.replace(
                "multi_agency_case_audits_per_year = 4", "multi_agency_case_audits_per_year = 0"
            ),
            "audits.multi_agency_case_audits_per_year",
            id="no-audits-a-year",
        ),
        pytest.param(
            FULL.replace('[audits]\nsubgroup = "board"', '[audits]\nsubgroup = "audit"'),
            "audits.subgroup: unknown subgroup 'audit'",
            id="unknown-audit-subgroup",
        ),
    ],
)
def test_a_broken_case_review_or_audit_table_is_refused_naming_the_field(
    tmp_path, text: str, field: str
) -> None:
    path = tmp_path / "framework.toml"
    path.write_text(text)
    with pytest.raises(FrameworkError) as refused:
        load_framework(path)
    assert field in str(refused.value)
    assert str(path) in str(refused.value)


def test_every_cross_field_problem_is_reported_at_once(tmp_path) -> None:
    path = tmp_path / "framework.toml"
    path.write_text(
        FULL.replace(SECOND_MET_BY, 'met_by = "milestone:x"').replace(
            '[audits]\nsubgroup = "board"', '[audits]\nsubgroup = "audit"'
        )
    )
    with pytest.raises(FrameworkError) as refused:
        load_framework(path)
    assert "case_reviews.clocks[1].met_by" in str(refused.value)
    assert "audits.subgroup" in str(refused.value)


# name: (target, offset_days, repeat_days, escalate); negative offsets are days before the due date
DEFAULT_REMINDERS = {
    "action_due_in_14_days": ("action", -14, None, False),
    "action_due_tomorrow": ("action", -1, None, False),
    "action_overdue": ("action", 1, 7, False),
    "measure_review_due": ("measure", 0, None, False),
    "action_escalated_to_board": ("action", 28, None, True),
    "clock_due_in_2_days": ("clock", -2, None, False),
    "clock_overdue": ("clock", 1, 7, False),
    "audit_due": ("audit", 0, None, False),
}


@pytest.mark.parametrize("name", ["default", "working-together-2023"])
def test_the_packaged_frameworks_have_the_default_reminder_rules(name: str) -> None:
    rules = load_framework(name).reminders
    assert isinstance(rules, tuple)
    assert {r.name: (r.target, r.offset_days, r.repeat_days, r.escalate) for r in rules} == (
        DEFAULT_REMINDERS
    )
    assert list(DEFAULT_REMINDERS) == [rule.name for rule in rules]
    labels = [rule.label for rule in rules]
    assert all(labels) and len(set(labels)) == len(labels)


REMINDER = """
[[reminders]]
name = "action_overdue"
label = "Action overdue"
target = "action"
days_after_due = 1
repeat_every_days = 7

[[reminders]]
name = "action_due_soon"
label = "Action due in 14 days"
target = "action"
days_before_due = 14
"""
WITH_REMINDERS = MINIMAL + REMINDER
SECOND_BEFORE = "days_before_due = 14\n"


def test_reminder_rules_load_with_their_offsets(tmp_path) -> None:
    path = tmp_path / "framework.toml"
    path.write_text(
        WITH_REMINDERS.replace(SECOND_BEFORE, SECOND_BEFORE + "escalate = true\n")
        + '[[reminders]]\nname = "on_the_day"\nlabel = "Due today"\ntarget = "audit"\n'
        + "days_before_due = 0\n"
    )
    assert load_framework(path).reminders == (
        ReminderRule("action_overdue", "Action overdue", "action", offset_days=1, repeat_days=7),
        ReminderRule(
            "action_due_soon", "Action due in 14 days", "action", offset_days=-14, escalate=True
        ),
        ReminderRule("on_the_day", "Due today", "audit", offset_days=0),
    )


def test_reminder_rules_are_optional(tmp_path) -> None:
    path = tmp_path / "framework.toml"
    path.write_text(MINIMAL)
    assert load_framework(path).reminders == ()


@pytest.mark.parametrize(
    ("text", "field"),
    [
        pytest.param(
            WITH_REMINDERS.replace(
                'target = "action"\ndays_before', 'target = "item"\ndays_before'
            ),
            "reminders[1].target",
            id="unknown-target",
        ),
        pytest.param(
            WITH_REMINDERS.replace(SECOND_BEFORE, "days_before_due = -14\n"),
            "reminders[1].days_before_due: Input should be greater than or equal to 0",
            id="negative-days-before",
        ),
        pytest.param(
            WITH_REMINDERS.replace("days_after_due = 1", "days_after_due = -1"),
            "reminders[0].days_after_due: Input should be greater than or equal to 0",
            id="negative-days-after",
        ),
        pytest.param(
            WITH_REMINDERS.replace(SECOND_BEFORE, SECOND_BEFORE + "days_after_due = 0\n"),
            "reminders[1]: give days_before_due or days_after_due, not both",
            id="both-days",
        ),
        pytest.param(
            WITH_REMINDERS.replace(SECOND_BEFORE, ""),
            "reminders[1]: give days_before_due or days_after_due (0 for on the day)",
            id="neither-days",
        ),
        pytest.param(
            WITH_REMINDERS.replace("repeat_every_days = 7", "repeat_every_days = 0"),
            "reminders[0].repeat_every_days",
            id="repeat-every-0-days",
        ),
        pytest.param(
            WITH_REMINDERS.replace('"action_due_soon"', '"action_overdue"'),
            "reminders: duplicate name 'action_overdue'",
            id="duplicate-rule",
        ),
        pytest.param(
            WITH_REMINDERS.replace(SECOND_BEFORE, SECOND_BEFORE + "days_before = 7\n"),
            "reminders[1].days_before",
            id="unknown-reminder-key",
        ),
        pytest.param(
            WITH_REMINDERS.replace(SECOND_BEFORE, 'days_before_due = "14"\n'),
            "reminders[1].days_before_due",
            id="days-not-integer",
        ),
        pytest.param(
            WITH_REMINDERS.replace(SECOND_BEFORE, SECOND_BEFORE + 'escalate = "yes"\n'),
            "reminders[1].escalate",
            id="escalate-not-boolean",
        ),
        pytest.param(
            WITH_REMINDERS.replace('"action_due_soon"', '"Action due soon"'),
            "reminders[1].name",
            id="name-not-a-slug",
        ),
        pytest.param(
            WITH_REMINDERS.replace('label = "Action overdue"\n', ""),
            "reminders[0].label",
            id="missing-label",
        ),
    ],
)
def test_a_broken_reminder_rule_is_refused_naming_the_field(
    tmp_path, text: str, field: str
) -> None:
    path = tmp_path / "framework.toml"
    path.write_text(text)
    with pytest.raises(FrameworkError) as refused:
        load_framework(path)
    assert field in str(refused.value)
    assert str(path) in str(refused.value)
