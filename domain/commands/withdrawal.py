"""Withdrawing a record entered by mistake (a duplicate item, an audit that will not happen, a
review opened twice): the record keeps its history and leaves boards, counts, clocks and
reminders. One command per part withdrawn; `on` is the day it was withdrawn (default today)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.commands.base import Command


@dataclass(frozen=True, kw_only=True)
class Withdraw(Command):
    """Withdraws a whole learning item, case review or audit."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class WithdrawAction(Withdraw):
    action_id: str


@dataclass(frozen=True, kw_only=True)
class WithdrawMeasure(Withdraw):
    measure_id: str
