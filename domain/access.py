"""Who may do what: the contract's roles as pure rules."""

from __future__ import annotations

from domain.actor import BUSINESS_MANAGER, CHAIR, CONTRIBUTOR, INSPECTOR, Actor


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
