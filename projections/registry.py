"""The views a store keeps, in the order the projector applies them. Importing this module
registers every view's tables on `schema.metadata`."""

from __future__ import annotations

from typing import Any

from domain.audit import Audit, AuditProgramme
from domain.case_review import CaseReview
from domain.framework import Framework
from domain.indicator import Indicator
from domain.working_days import WorkingDays
from projections.documents import View
from projections.views.audit_trail import AuditTrailView, subgroup_named
from projections.views.audits import AuditView
from projections.views.case_reviews import CaseReviewView
from projections.views.indicators import IndicatorView
from projections.views.items import ItemSummaryView
from projections.views.reminders import ReminderLogView


def default_views(framework: Framework, working_days: WorkingDays) -> list[View]:
    reviews = framework.case_reviews.subgroup if framework.case_reviews else None
    audits = framework.audits.subgroup if framework.audits else None
    # Streams whose events name no subgroup belong to the subgroup that keeps them.
    owners: tuple[tuple[type, str | None], ...] = (
        (CaseReview.Event, reviews),
        (Audit.Event, audits),
        (AuditProgramme.Event, audits),
        (Indicator.Event, audits),
    )

    def subgroup_of(event: Any) -> str | None:
        owner = next((owner for kind, owner in owners if isinstance(event, kind)), None)
        return subgroup_named(event) or owner

    return [
        ItemSummaryView(),
        CaseReviewView(framework, working_days),
        AuditView(),
        ReminderLogView(),
        IndicatorView(),
        AuditTrailView(subgroup_of),
    ]
