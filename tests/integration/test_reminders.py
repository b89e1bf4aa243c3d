"""Follow-up reminders end to end on each store: sweeps issue what is owed exactly once, delivery
sends it by SMTP to a real server on loopback (aiosmtpd), and faults (SMTP down, refusing or
slow; two sweeps at once; a restart; downtime; a clock moved backwards) neither lose nor double a
reminder. The clock is the shared test clock; nothing here sleeps on the wall clock."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any
from uuid import UUID

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from adapters.bootstrap import Learnloop
from adapters.http.app import create_app
from domain.commands.learning_item import (
    AmendAction,
    ChooseMeans,
    CloseItem,
    DefineMeasure,
    IdentifyNeed,
    RecordEvidence,
    ReportProgress,
)
from domain.reminder import CANCELLED, CLAIMED, DELIVERED, FAILED, PENDING, Reminder
from services.reminders import Sweep

HOST = "127.0.0.1"
SCR = "serious-case-review"
TRAINING = "training"
SOURCE = "local_serious_case_review"
MEANS = "implementation_of_recommendations"
MEASURE = "evaluation_workshop"

SENDER = "learnloop@example.org"
BOARD = "board@example.org"
OWNER = "owner@agency.example"
NEW_OWNER = "dana@agency.example"
CHAIR = "chair@example.org"
OTHER_CHAIR = "training-chair@example.org"
MANAGER = "manager@example.org"

IN_14_DAYS = "action_due_in_14_days"
TOMORROW = "action_due_tomorrow"
OVERDUE = "action_overdue"
ESCALATED = "action_escalated_to_board"
MEASURE_DUE = "measure_review_due"


# -- a real SMTP server on loopback -------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Mailbox:
    """Accepts (keeping each envelope), refuses every recipient with 550, or is slower than the
    client's timeout, as `mode` says at the moment a message arrives."""

    def __init__(self) -> None:
        self.mode = "accept"
        self.envelopes: list[Any] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.mode == "refuse":
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.mode == "slow":
            await asyncio.sleep(2.0)  # the client gave up long before; cancelled at stop
            return "451 4.3.0 Too slow"
        self.envelopes.append(envelope)
        return "250 OK"


@dataclass
class Smtp:
    port: int = field(default_factory=free_port)
    mailbox: Mailbox = field(default_factory=Mailbox)
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname=HOST, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "smtp_host": HOST,
            "smtp_port": self.port,
            "smtp_from": SENDER,
            "board_recipients": BOARD,
        }

    def messages(self) -> list[tuple[EmailMessage, list[str]]]:
        return [
            (email.message_from_bytes(e.content, policy=default_policy), sorted(e.rcpt_tos))
            for e in self.mailbox.envelopes
        ]  # type: ignore[misc]


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    server.start()
    yield server
    server.stop()


# -- the store, its people and items ------------------------------------------------------------


@dataclass(frozen=True)
class People:
    contributor: Any
    chair: Any
    manager: Any


def add_people(ll: Learnloop) -> People:
    known = {s.slug for s in ll.framework.subgroups}
    add = ll.users.add
    add("Tara Chair", "chair", [TRAINING], known, email=OTHER_CHAIR)  # never a recipient here
    add("Ines Inspector", "inspector", [], known, email="inspector@example.org")
    return People(
        contributor=add("Cara Contributor", "contributor", [SCR], known).actor,
        chair=add("Chidi Chair", "chair", [SCR], known, email=CHAIR).actor,
        manager=add("Bea Manager", "business_manager", [], known, email=MANAGER).actor,
    )


@pytest.fixture
def mailing(open_learnloop: Callable[..., Learnloop], smtp: Smtp) -> Learnloop:
    """An instance that sends reminders to the loopback server."""
    return open_learnloop(**smtp.settings)


@pytest.fixture
def people(mailing: Learnloop) -> People:
    return add_people(mailing)


def new_item(ll: Learnloop, people: People, title: str = "Neglect signs were missed") -> UUID:
    return ll.learning.identify(
        people.contributor,
        IdentifyNeed(
            subgroup=SCR,
            title=title,
            description="Health and school concerns were not shared",
            source_kind=SOURCE,
        ),
    )


def add_action(
    ll: Learnloop,
    people: People,
    item_id: UUID,
    due: date,
    owner_email: str | None = None,
    description: str = "Agree an information-sharing protocol",
) -> str:
    return ll.learning.choose_means(
        item_id,
        people.contributor,
        ChooseMeans(
            means=MEANS,
            description=description,
            owner="Head of Early Help",
            owner_email=owner_email,
            due=due,
        ),
    )


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def rows(ll: Learnloop) -> list[dict[str, Any]]:
    """Every reminder issued, as `GET /reminders` lists it."""
    found, _ = ll.read_models.reminders(0, 1000)
    return found


def keyed(ll: Learnloop) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Reminders by (rule, target, occurrence); asserts none is there twice."""
    found = rows(ll)
    keys = Counter((r["rule"], r["target_id"], r["occurrence"]) for r in found)
    assert all(n == 1 for n in keys.values()), keys
    return {(r["rule"], r["target_id"], r["occurrence"]): r for r in found}


def message_ids(smtp: Smtp) -> list[str]:
    return [str(m["Message-ID"]) for m, _ in smtp.messages()]


def assert_each_message_once(smtp: Smtp) -> None:
    ids = Counter(message_ids(smtp))
    assert all(n == 1 for n in ids.values()), ids


def one_line(subject: Any) -> str:
    return " ".join(str(subject).split())


# -- the quarter --------------------------------------------------------------------------------


def test_a_quarter_day_by_day_delivers_every_owed_reminder_once(
    mailing: Learnloop, people: People, smtp: Smtp, clock: Any
):
    ll = mailing
    start = clock().date()  # 2026-05-01
    item = new_item(ll, people)
    a1 = add_action(ll, people, item, date(2026, 5, 25), owner_email=OWNER)
    a2 = add_action(ll, people, item, date(2026, 6, 10), description="Train practitioners")
    m = ll.learning.define_measure(
        item,
        people.contributor,
        DefineMeasure(
            kind=MEASURE, description="Practitioners' workshop", review_due=date(2026, 7, 1)
        ),
    )
    completed_on, met_on, closed_on, end = (
        date(2026, 6, 5),
        date(2026, 7, 20),
        date(2026, 7, 27),
        date(2026, 7, 31),
    )

    delivered_on: dict[str, date] = {}  # Message-ID -> the local date it arrived
    issued_total = 0
    day = start
    while day < end:
        clock.advance(days=1)
        day = clock().date()
        if day == completed_on:
            ll.learning.report_progress(
                item,
                people.contributor,
                ReportProgress(action_id=a1, status="complete", note="Protocol signed"),
            )
        if day == met_on:
            ll.learning.record_evidence(
                item,
                people.contributor,
                RecordEvidence(
                    measure_id=m, outcome="met", summary="9 of 10 used it", reference=None
                ),
            )
        if day == closed_on:
            # "Train practitioners" is still open: closed by a business manager's override
            ll.learning.close_item(
                item,
                people.manager,
                CloseItem(summary="Protocol in use", override_reason="Training moved to 2027"),
            )
        seen = len(smtp.mailbox.envelopes)
        swept = ll.reminders.sweep()
        delivered = ll.reminders.deliver()
        assert swept.cancelled == 0, day
        assert delivered == swept.issued == len(smtp.mailbox.envelopes) - seen, day
        issued_total += swept.issued
        for message, _ in smtp.messages()[seen:]:
            delivered_on[str(message["Message-ID"])] = day

    assert day == end and (end - start).days == 91
    expected = {
        (IN_14_DAYS, a1, date(2026, 5, 11)): [OWNER],
        (TOMORROW, a1, date(2026, 5, 24)): [OWNER],
        (OVERDUE, a1, date(2026, 5, 26)): [OWNER],
        (OVERDUE, a1, date(2026, 6, 2)): [OWNER],  # completed on 5 June: none on the 9th
        (IN_14_DAYS, a2, date(2026, 5, 27)): [CHAIR],
        (TOMORROW, a2, date(2026, 6, 9)): [CHAIR],
        **{(OVERDUE, a2, date(2026, 6, 11) + timedelta(weeks=w)): [CHAIR] for w in range(7)},
        (ESCALATED, a2, date(2026, 7, 8)): sorted([BOARD, MANAGER]),
        (MEASURE_DUE, m, date(2026, 7, 1)): [CHAIR],
    }  # a2's overdue of 30 July: the item closed on the 27th
    assert (OVERDUE, a2, date(2026, 7, 23)) in expected

    by_id = {f"<{r['id']}@learnloop>": r for r in rows(ll)}
    assert_each_message_once(smtp)
    assert len(smtp.mailbox.envelopes) == len(by_id) == issued_total == len(expected)
    got = {}
    for message, recipients in smtp.messages():
        reminder = by_id[str(message["Message-ID"])]
        assert reminder["delivery"] == DELIVERED and reminder["attempts"] == 1
        assert recipients == sorted(reminder["recipients"])
        assert str(message["From"]) == SENDER
        occurrence = date.fromisoformat(reminder["occurrence"])
        assert delivered_on[str(message["Message-ID"])] == occurrence  # sent the day it is owed
        got[(reminder["rule"], reminder["target_id"], occurrence)] = recipients
        if reminder["rule"] == ESCALATED:
            assert one_line(message["Subject"]).startswith("[learnloop] Escalated to the Board:")
    assert got == expected
    assert OTHER_CHAIR not in {r for _, rs in smtp.messages() for r in rs}

    # nothing is owed after the quarter: the action is complete, the item closed
    for _ in range(30):
        clock.advance(days=1)
        assert ll.reminders.sweep() == Sweep(0, 0)
        assert ll.reminders.deliver() == 0
    assert len(smtp.mailbox.envelopes) == len(expected)


# -- exactly once: concurrent sweeps, restarts, downtime ------------------------------------


def overdue_actions(ll: Learnloop, people: People, clock: Any, count: int = 4) -> list[str]:
    """`count` actions, each of a different age, on one item; the clock then on 2026-07-15."""
    item = new_item(ll, people)
    actions = [
        add_action(ll, people, item, date(2026, 6, 1) + timedelta(days=9 * n), owner_email=OWNER)
        for n in range(count)
    ]
    clock.now = at(date(2026, 7, 15))
    return actions


def test_two_sweeps_at_once_issue_each_reminder_once_and_deliver_it_once(
    open_learnloop: Callable[..., Learnloop], mailing: Learnloop, people: People, smtp: Smtp, clock
):
    overdue_actions(mailing, people, clock)
    other = open_learnloop(**smtp.settings)  # a second worker on the same store
    instances = [mailing, other]

    def at_once(job: Callable[[Learnloop], Any]) -> list[Any]:
        barrier = threading.Barrier(len(instances))
        results: list[Any] = [None] * len(instances)
        errors: list[BaseException] = []

        def run(index: int) -> None:
            try:
                barrier.wait(timeout=10)
                results[index] = job(instances[index])
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(instances))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        return results

    sweeps = at_once(lambda ll: ll.reminders.sweep())
    issued = keyed(mailing)
    assert sum(s.issued for s in sweeps) == len(issued) > 4
    assert sum(s.cancelled for s in sweeps) == 0

    delivered = at_once(lambda ll: ll.reminders.deliver())
    assert sum(delivered) == len(issued)
    assert_each_message_once(smtp)
    assert sorted(message_ids(smtp)) == sorted(f"<{r['id']}@learnloop>" for r in issued.values())
    assert {r["delivery"] for r in rows(mailing)} == {DELIVERED}
    assert at_once(lambda ll: ll.reminders.sweep()) == [Sweep(0, 0), Sweep(0, 0)]


def test_a_sweep_after_a_restart_issues_nothing_new(
    open_learnloop: Callable[..., Learnloop], mailing: Learnloop, people: People, smtp: Smtp, clock
):
    overdue_actions(mailing, people, clock)
    first = mailing.reminders.sweep()
    assert first.issued > 0
    pending_before = keyed(mailing)
    mailing.close()

    restarted = open_learnloop(**smtp.settings)
    assert restarted.reminders.sweep() == Sweep(0, 0)
    assert keyed(restarted).keys() == pending_before.keys()
    assert restarted.reminders.deliver() == first.issued
    restarted.close()

    again = open_learnloop(**smtp.settings)
    assert again.reminders.sweep() == Sweep(0, 0)
    assert again.reminders.deliver() == 0
    assert len(smtp.mailbox.envelopes) == first.issued
    assert_each_message_once(smtp)


def test_after_downtime_only_the_latest_overdue_and_the_escalation_are_issued(
    mailing: Learnloop, people: People, smtp: Smtp, clock: Any
):
    ll = mailing
    item = new_item(ll, people)
    action = add_action(ll, people, item, date(2026, 5, 20), owner_email=OWNER)
    for _ in range(19):  # daily to the due date: 14 days before, the day before
        clock.advance(days=1)
        ll.reminders.sweep()
        ll.reminders.deliver()
    assert clock().date() == date(2026, 5, 20) and len(smtp.mailbox.envelopes) == 2
    clock.now = at(date(2026, 6, 19))  # then no sweep for 30 days

    swept = ll.reminders.sweep()

    assert swept == Sweep(issued=2, cancelled=0)
    assert set(keyed(ll)) == {
        (IN_14_DAYS, action, "2026-05-06"),
        (TOMORROW, action, "2026-05-19"),
        (OVERDUE, action, "2026-06-18"),  # 21 May + 4 weeks: the latest missed occurrence only
        (ESCALATED, action, "2026-06-17"),  # due + 28 days
    }
    assert ll.reminders.deliver() == 2
    recipients = sorted(rs for _, rs in smtp.messages()[2:])
    assert recipients == [sorted([BOARD, MANAGER]), [OWNER]]
    assert ll.reminders.sweep() == Sweep(0, 0)
    assert ll.reminders.deliver() == 0
    assert_each_message_once(smtp)


# -- what is owed changes -------------------------------------------------------------------


def test_a_new_due_date_cancels_the_undelivered_reminder_and_owes_a_new_one(
    mailing: Learnloop, people: People, smtp: Smtp, clock: Any
):
    ll = mailing
    item = new_item(ll, people)
    action = add_action(ll, people, item, date(2026, 6, 30), owner_email=OWNER)
    clock.now = at(date(2026, 6, 16))
    assert ll.reminders.sweep() == Sweep(issued=1, cancelled=0)  # 14 days before; not sent yet
    [old] = rows(ll)

    ll.learning.amend_action(
        item,
        people.chair,
        AmendAction(action_id=action, reason="Waiting for the new policy", due=date(2026, 7, 31)),
    )
    assert ll.reminders.sweep() == Sweep(issued=0, cancelled=1)
    assert ll.reminders.deliver() == 0
    assert {r["id"]: r["delivery"] for r in rows(ll)} == {old["id"]: CANCELLED}

    for _ in range(31):  # to 17 July, 14 days before the new date
        clock.advance(days=1)
        ll.reminders.sweep()
        ll.reminders.deliver()

    assert clock().date() == date(2026, 7, 17)
    assert set(keyed(ll)) == {
        (IN_14_DAYS, action, "2026-06-16"),
        (IN_14_DAYS, action, "2026-07-17"),
    }
    [(message, recipients)] = smtp.messages()
    assert recipients == [OWNER]
    assert "due 2026-07-31" in one_line(message["Subject"])
    assert str(message["Message-ID"]) != f"<{old['id']}@learnloop>"


def test_a_new_owner_owes_afresh_and_the_old_owners_undelivered_reminder_is_cancelled(
    mailing: Learnloop, people: People, smtp: Smtp, clock: Any
):
    ll = mailing
    item = new_item(ll, people)
    sent = add_action(ll, people, item, date(2026, 6, 30))  # no owner email: the chair
    unsent = add_action(ll, people, item, date(2026, 7, 1), description="Audit the protocol")
    clock.now = at(date(2026, 6, 16))
    assert ll.reminders.sweep() == Sweep(1, 0)
    assert ll.reminders.deliver() == 1  # `sent`'s 14-day reminder reached the chair
    clock.advance(days=1)
    assert ll.reminders.sweep() == Sweep(1, 0)  # `unsent`'s, not delivered yet

    for action in (sent, unsent):
        ll.learning.amend_action(
            item,
            people.chair,
            AmendAction(
                action_id=action, reason="Handed to Dana", owner="Dana Owner", owner_email=NEW_OWNER
            ),
        )
    assert ll.reminders.sweep() == Sweep(issued=2, cancelled=1)
    assert ll.reminders.deliver() == 2

    assert sorted(rs for _, rs in smtp.messages()) == [[CHAIR], [NEW_OWNER], [NEW_OWNER]]
    states = Counter((r["target_id"], tuple(r["recipients"]), r["delivery"]) for r in rows(ll))
    assert states == Counter(
        {
            (sent, (CHAIR,), DELIVERED): 1,
            (sent, (NEW_OWNER,), DELIVERED): 1,
            (unsent, (CHAIR,), CANCELLED): 1,
            (unsent, (NEW_OWNER,), DELIVERED): 1,
        }
    )
    assert_each_message_once(smtp)
    assert ll.reminders.sweep() == Sweep(0, 0)


# -- a clock moved backwards ----------------------------------------------------------------


def test_a_clock_moved_backwards_neither_doubles_nor_cancels_what_was_delivered(
    mailing: Learnloop, people: People, smtp: Smtp, clock: Any
):
    ll = mailing
    item = new_item(ll, people)
    action = add_action(ll, people, item, date(2026, 5, 31), owner_email=OWNER)
    for _ in range(40):  # to 10 June
        clock.advance(days=1)
        ll.reminders.sweep()
        ll.reminders.deliver()
    before = rows(ll)
    assert set(keyed(ll)) == {
        (IN_14_DAYS, action, "2026-05-17"),
        (TOMORROW, action, "2026-05-30"),
        (OVERDUE, action, "2026-06-01"),
        (OVERDUE, action, "2026-06-08"),
    }
    assert {r["delivery"] for r in before} == {DELIVERED}

    assert ll.reminders.sweep(as_of=at(date(2026, 5, 21))) == Sweep(0, 0)
    clock.now = at(date(2026, 5, 21))  # the clock itself goes back 20 days
    assert ll.reminders.sweep() == Sweep(0, 0)
    assert ll.reminders.deliver() == 0
    assert rows(ll) == before
    assert len(smtp.mailbox.envelopes) == 4

    clock.now = at(date(2026, 6, 15))  # and forward again
    assert ll.reminders.sweep() == Sweep(1, 0)
    assert ll.reminders.deliver() == 1
    assert (OVERDUE, action, "2026-06-15") in keyed(ll)
    assert len(smtp.mailbox.envelopes) == 5
    assert_each_message_once(smtp)


@pytest.mark.parametrize(
    ("first", "then", "first_issued"),
    [
        (date(2026, 6, 10), date(2026, 5, 21), {(OVERDUE, "2026-06-08")}),
        (date(2026, 6, 20), date(2026, 6, 9), {(OVERDUE, "2026-06-15")}),
    ],
    ids=["day-40-then-day-20", "downtime-then-back-a-week"],
)
def test_a_clock_moved_back_after_a_first_sweep_issues_nothing_stale(
    mailing: Learnloop, people: People, smtp: Smtp, clock: Any, first, then, first_issued
):
    """Without daily sweeps before it (downtime), a sweep as at an earlier date must not issue
    what the first sweep already overtook: a 'due in 14 days' for an action already overdue,
    or an older weekly 'overdue' than the one sent."""
    ll = mailing
    item = new_item(ll, people)
    add_action(ll, people, item, date(2026, 5, 31), owner_email=OWNER)
    clock.now = at(first)  # the first sweep since the action was set (e.g. after downtime)
    assert ll.reminders.sweep() == Sweep(1, 0)
    assert ll.reminders.deliver() == 1
    assert {(r["rule"], r["occurrence"]) for r in rows(ll)} == first_issued

    clock.now = at(then)  # the clock goes back
    swept = ll.reminders.sweep()
    ll.reminders.deliver()

    assert {(r["rule"], r["occurrence"]) for r in rows(ll)} == first_issued
    assert swept == Sweep(0, 0)
    assert len(smtp.mailbox.envelopes) == 1

    clock.now = at(date(2026, 6, 22))  # forward again: the next occurrence is owed as usual
    assert ll.reminders.sweep() == Sweep(1, 0)
    assert ll.reminders.deliver() == 1
    assert (OVERDUE, "2026-06-22") in {(r["rule"], r["occurrence"]) for r in rows(ll)}
    assert_each_message_once(smtp)


# -- delivery faults ----------------------------------------------------------------------------


def owe_one(ll: Learnloop, people: People, clock: Any) -> dict[str, Any]:
    """One reminder issued (an action due in 14 days), not yet delivered."""
    item = new_item(ll, people)
    add_action(ll, people, item, date(2026, 5, 29), owner_email=OWNER)
    clock.now = at(date(2026, 5, 15))
    assert ll.reminders.sweep() == Sweep(1, 0)
    assert ll.reminders.sweep() == Sweep(0, 0)
    [reminder] = rows(ll)
    assert (reminder["rule"], reminder["delivery"]) == (IN_14_DAYS, PENDING)
    return reminder


def state(ll: Learnloop, reminder_id: str) -> dict[str, Any]:
    return next(r for r in rows(ll) if r["id"] == reminder_id)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def test_smtp_down_keeps_the_reminder_retries_with_backoff_and_delivers_it_once_back(
    mailing: Learnloop, people: People, smtp: Smtp, clock: Any
):
    ll = mailing
    reminder = owe_one(ll, people, clock)
    smtp.stop()

    assert ll.reminders.deliver() == 0
    first = state(ll, reminder["id"])
    assert first["delivery"] == FAILED and first["attempts"] == 1
    assert first["retry_after"] == iso(clock() + timedelta(minutes=1))
    assert "refused the connection" in first["last_error"]

    assert ll.reminders.deliver() == 0  # not before its backoff
    assert state(ll, reminder["id"])["attempts"] == 1
    assert ll.reminders.sweep() == Sweep(0, 0)  # a sweep meanwhile neither cancels nor re-issues

    clock.advance(seconds=61)
    assert ll.reminders.deliver() == 0
    second = state(ll, reminder["id"])
    assert (second["delivery"], second["attempts"]) == (FAILED, 2)
    assert second["retry_after"] == iso(clock() + timedelta(minutes=2))  # backing off

    smtp.start()
    clock.advance(seconds=60)  # the server is back, but the backoff has not passed
    assert ll.reminders.deliver() == 0
    clock.advance(seconds=61)
    assert ll.reminders.deliver() == 1

    done = state(ll, reminder["id"])
    assert (done["delivery"], done["attempts"]) == (DELIVERED, 3)
    assert message_ids(smtp).count(f"<{reminder['id']}@learnloop>") == 1
    clock.advance(hours=1)
    assert ll.reminders.deliver() == 0
    assert len(rows(ll)) == 1 and len(smtp.mailbox.envelopes) == 1


def test_smtp_down_for_over_a_week_delivers_the_latest_overdue_once_it_is_back(
    mailing: Learnloop, people: People, smtp: Smtp, clock: Any
):
    ll = mailing
    item = new_item(ll, people)
    action = add_action(ll, people, item, date(2026, 5, 31), owner_email=OWNER)
    clock.now = at(date(2026, 6, 1))
    smtp.stop()
    for _ in range(9):  # 1 to 9 June, a sweep and a failed delivery every day
        ll.reminders.sweep()
        assert ll.reminders.deliver() == 0
        clock.advance(days=1)
    by_occurrence = {key[2]: r for key, r in keyed(ll).items() if key[:2] == (OVERDUE, action)}
    assert by_occurrence["2026-06-01"]["delivery"] == CANCELLED  # superseded by the 8 June one
    assert by_occurrence["2026-06-08"]["delivery"] == FAILED

    smtp.start()
    assert ll.reminders.sweep() == Sweep(0, 0)
    assert ll.reminders.deliver() == 1
    latest = state(ll, by_occurrence["2026-06-08"]["id"])
    assert latest["delivery"] == DELIVERED and latest["attempts"] == 3
    assert message_ids(smtp) == [f"<{latest['id']}@learnloop>"]
    assert ll.reminders.deliver() == 0


def test_a_claim_left_by_a_killed_worker_is_delivered_once_after_it_expires(
    mailing: Learnloop, people: People, smtp: Smtp, clock: Any
):
    ll = mailing
    reminder = owe_one(ll, people, clock)
    claimed = ll.log.load(UUID(reminder["id"]), Reminder, "reminder")
    claimed.claim(clock())  # a worker claims it, then dies before sending
    ll.log.record(claimed)
    assert state(ll, reminder["id"])["delivery"] == CLAIMED

    clock.advance(minutes=9)
    assert ll.reminders.deliver() == 0  # the claim still stands
    assert ll.reminders.sweep() == Sweep(0, 0)
    clock.advance(minutes=1)
    assert ll.reminders.deliver() == 1
    done = state(ll, reminder["id"])
    assert (done["delivery"], done["attempts"]) == (DELIVERED, 2)
    assert message_ids(smtp) == [f"<{reminder['id']}@learnloop>"]
    clock.advance(minutes=30)
    assert ll.reminders.deliver() == 0


def test_a_slow_smtp_server_is_a_transient_failure_retried_later(
    open_learnloop: Callable[..., Learnloop], smtp: Smtp, clock: Any
):
    ll = open_learnloop(**smtp.settings, smtp_timeout_seconds=0.3)
    reminder = owe_one(ll, add_people(ll), clock)
    smtp.mailbox.mode = "slow"

    assert ll.reminders.deliver() == 0
    failed = state(ll, reminder["id"])
    assert (failed["delivery"], failed["attempts"]) == (FAILED, 1)
    assert "timed out" in failed["last_error"] and failed["retry_after"] is not None

    smtp.mailbox.mode = "accept"
    clock.advance(minutes=2)
    assert ll.reminders.deliver() == 1
    assert state(ll, reminder["id"])["delivery"] == DELIVERED
    assert message_ids(smtp).count(f"<{reminder['id']}@learnloop>") == 1


def test_recipients_refused_with_550_is_recorded_as_permanent_and_not_retried(
    mailing: Learnloop, people: People, smtp: Smtp, clock: Any
):
    ll = mailing
    reminder = owe_one(ll, people, clock)
    smtp.mailbox.mode = "refuse"

    assert ll.reminders.deliver() == 0
    failed = state(ll, reminder["id"])
    assert (failed["delivery"], failed["attempts"], failed["retry_after"]) == (FAILED, 1, None)
    assert "550 5.1.1 No such mailbox" in failed["last_error"]

    smtp.mailbox.mode = "accept"
    clock.advance(hours=7)  # past any backoff: still no retry
    assert ll.reminders.deliver() == 0
    assert ll.reminders.sweep() == Sweep(0, 0)
    assert state(ll, reminder["id"]) == failed
    assert f"<{reminder['id']}@learnloop>" not in message_ids(smtp)

    app = create_app(ll.settings, clock, learnloop=ll, run_scheduler=False)
    token = ll.users.add("Ivy Inspector", "inspector", [], set()).token
    with TestClient(app) as client:
        response = client.get("/api/v1/reminders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    [listed] = [r for r in response.json()["reminders"] if r["id"] == reminder["id"]]
    assert listed["delivery"] == FAILED and listed["retry_after"] is None
    assert listed["recipients"] == [OWNER] and "550" in listed["last_error"]


def test_without_smtp_configured_reminders_stay_pending_until_it_is(
    open_learnloop: Callable[..., Learnloop], smtp: Smtp, clock: Any
):
    ll = open_learnloop(board_recipients=BOARD)
    assert ll.reminders.notifier is None
    reminder = owe_one(ll, add_people(ll), clock)

    for _ in range(3):
        assert ll.reminders.deliver() == 0
        clock.advance(hours=1)
    assert {(r["delivery"], r["attempts"], r["last_error"]) for r in rows(ll)} == {
        (PENDING, 0, None)
    }
    assert smtp.mailbox.envelopes == []
    ll.close()

    configured = open_learnloop(**smtp.settings)
    assert configured.reminders.deliver() == 1
    assert state(configured, reminder["id"])["delivery"] == DELIVERED
    assert message_ids(smtp) == [f"<{reminder['id']}@learnloop>"]


# -- local dates ----------------------------------------------------------------------------


def test_reminders_fall_on_the_partnerships_local_date(
    mailing: Learnloop, people: People, clock: Any
):
    ll = mailing
    item = new_item(ll, people)
    summer = add_action(ll, people, item, date(2026, 7, 16), owner_email=OWNER)
    winter = add_action(ll, people, item, date(2026, 12, 16), owner_email=OWNER)

    def issued_for(target: str) -> set[tuple[str, str]]:
        return {(r["rule"], r["occurrence"]) for r in rows(ll) if r["target_id"] == target}

    # British Summer Time: 23:30 UTC on 14 July is 00:30 on the 15th in London
    ll.reminders.sweep(as_of=datetime(2026, 7, 14, 22, 59, tzinfo=UTC))
    assert issued_for(summer) == {(IN_14_DAYS, "2026-07-02")}
    ll.reminders.sweep(as_of=datetime(2026, 7, 14, 23, 30, tzinfo=UTC))
    assert issued_for(summer) == {(IN_14_DAYS, "2026-07-02"), (TOMORROW, "2026-07-15")}
    # due at the end of the due day: not overdue at 23:59 London time, overdue at midnight
    assert ll.reminders.sweep(as_of=datetime(2026, 7, 16, 22, 59, tzinfo=UTC)).issued == 0
    assert OVERDUE not in {rule for rule, _ in issued_for(summer)}
    assert ll.reminders.sweep(as_of=datetime(2026, 7, 16, 23, 0, tzinfo=UTC)).issued == 1
    assert (OVERDUE, "2026-07-17") in issued_for(summer)

    # Greenwich Mean Time: 23:30 UTC on 14 December is still the 14th in London
    ll.reminders.sweep(as_of=datetime(2026, 12, 14, 23, 30, tzinfo=UTC))
    assert issued_for(winter) == {(IN_14_DAYS, "2026-12-02")}
    ll.reminders.sweep(as_of=datetime(2026, 12, 15, 0, 0, tzinfo=UTC))
    assert (TOMORROW, "2026-12-15") in issued_for(winter)
