"""The framework file: the packaged default mirrors Appendix 2, and a broken file says where."""

import pytest

from adapters.framework.loader import FrameworkError, load_framework
from domain.framework import Framework, Option

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
