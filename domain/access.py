"""Who may do what: the contract's roles as pure rules."""

from __future__ import annotations

from collections.abc import Iterable

from domain.actor import BUSINESS_MANAGER, CHAIR, CONTRIBUTOR, INSPECTOR, SYSTEM, Actor
from domain.framework import Subgroup


def may_read_learning(actor: Actor) -> bool:
    """Everyone but the admin, who manages users and reads no learning content."""
    return actor.role in (CONTRIBUTOR, CHAIR, BUSINESS_MANAGER, INSPECTOR)


def may_write(actor: Actor, subgroup: str) -> bool:
    if actor.role == BUSINESS_MANAGER:
        return True
    return actor.role in (CONTRIBUTOR, CHAIR) and subgroup in actor.subgroups


def may_close(actor: Actor, subgroup: str) -> bool:
    """Closing and reopening are a chair's (in its subgroups) or a business manager's."""
    if actor.role == BUSINESS_MANAGER:
        return True
    return actor.role == CHAIR and subgroup in actor.subgroups


def may_withdraw_item(actor: Actor, subgroup: str) -> bool:
    """Withdrawing a whole learning item (a duplicate, say) is for those who close items; an
    action or a measure is withdrawn by anyone who writes in the subgroup."""
    return may_close(actor, subgroup)


def may_keep_dataset(actor: Actor, subgroup: str) -> bool:
    """The dataset is kept by those who write in its subgroup, and by learnloop itself (an
    import, evidence the values produce)."""
    return actor.role == SYSTEM or may_write(actor, subgroup)


def may_import(actor: Actor, subgroup: str) -> bool:
    """An imported file's records are written by someone who may write in their subgroup, or
    by learnloop itself on behalf of the person who ran the import."""
    return actor.role == SYSTEM or may_write(actor, subgroup)


def may_override_closure(actor: Actor) -> bool:
    """Closing an item without 'met' evidence, giving an override reason, is the business
    manager's alone."""
    return actor.role == BUSINESS_MANAGER


def may_read_subgroup(actor: Actor, subgroup: Subgroup) -> bool:
    """A subgroup's learning content: anyone who reads learning, unless the framework marks the
    subgroup restricted (the Child Death Overview Panel by default); then only its members,
    business managers and inspectors."""
    if not may_read_learning(actor):
        return False
    if not subgroup.restricted:
        return True
    if actor.role in (BUSINESS_MANAGER, INSPECTOR):
        return True
    return subgroup.slug in actor.subgroups


def hidden_subgroups(actor: Actor, subgroups: Iterable[Subgroup]) -> frozenset[str]:
    """The slugs of the subgroups among `subgroups` whose learning `actor` may not read."""
    return frozenset(s.slug for s in subgroups if not may_read_subgroup(actor, s))
