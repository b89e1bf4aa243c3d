"""Reminder e-mail against a real SMTP server on loopback (aiosmtpd): delivered, or failed
as transient (retry later) or permanent, and never with the password in the error."""

from __future__ import annotations

import asyncio
import email
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

import services.errors
from adapters.notifications import (
    DeliveryError,
    NullNotifier,
    SmtpNotifier,
    SmtpSettings,
    notifier_for,
    parse_recipients,
    reminder_message,
)

HOST = "127.0.0.1"
SENDER = "learnloop@partnership.example"
OWNER = "owner@agency.example"
BOARD = "board@partnership.example"
PASSWORD = "s3cret-Pa55word-xyz"
REMINDER_ID = "0b6f1f4e-3d0c-5a57-9a43-2a1d8a4c7e11"
STREAM_ID = "5f1c8d2e-8b7a-4c1e-9d0f-1a2b3c4d5e6f"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Collecting:
    """Accepts everything and keeps each envelope."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


class RefusingRecipients(Collecting):
    def __init__(self, reply: str, refuse: Callable[[str], bool] = lambda address: True):
        super().__init__()
        self.reply = reply
        self.refuse = refuse

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse(address):
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"


class RefusingData(Collecting):
    def __init__(self, reply: str):
        super().__init__()
        self.reply = reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return self.reply


class Slow(Collecting):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(2.0)  # cancelled when the server stops
        return "250 OK"


def authenticator(accept: bool) -> Callable[..., AuthResult]:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (
            accept
            and isinstance(data, LoginPassword)
            and data.login == b"learnloop"
            and data.password == PASSWORD.encode()
        )
        return AuthResult(success=ok, handled=False)

    return check


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., int]]:
    """`smtp_server(handler, **controller_kwargs)` starts a server on a free port; stopped at
    teardown."""
    started: list[Controller] = []

    def _start(handler: Any, **kwargs: Any) -> int:
        port = free_port()
        controller = Controller(handler, hostname=HOST, port=port, **kwargs)
        controller.start()
        started.append(controller)
        return port

    yield _start
    for controller in reversed(started):
        controller.stop()


def notifier(port: int, **settings: Any) -> SmtpNotifier:
    return SmtpNotifier(SmtpSettings(host=HOST, port=port, sender=SENDER, **settings))


def message(**overrides: Any) -> EmailMessage:
    fields: dict[str, Any] = {
        "reminder_id": REMINDER_ID,
        "rule": "action-overdue",
        "escalation": False,
        "target_kind": "action",
        "stream_id": STREAM_ID,
        "title": "Multi-agency chronology practice",
        "description": "Refresh the threshold guidance training",
        "due": date(2027, 1, 31),
        "recipients": [OWNER],
        "sender": SENDER,
        "base_url": "https://learnloop.partnership.example/",
        "today": date(2027, 2, 3),
        "now": datetime(2027, 2, 3, 9, 0, tzinfo=UTC),
    }
    fields.update(overrides)
    return reminder_message(**fields)


def received(envelope: Any) -> EmailMessage:
    return email.message_from_bytes(envelope.content, policy=default_policy)  # type: ignore[return-value]


def subject(message: EmailMessage) -> str:
    """As a mail client shows it: a long Subject is folded, and unfolding keeps the space."""
    return " ".join(str(message["Subject"]).split())


def test_a_reminder_is_delivered_with_its_headers_and_body(smtp_server):
    handler = Collecting()
    port = smtp_server(handler)

    notifier(port).send(message(recipients=[OWNER, BOARD], escalation=True))

    [envelope] = handler.envelopes
    assert envelope.mail_from == SENDER
    assert sorted(envelope.rcpt_tos) == sorted([OWNER, BOARD])
    got = received(envelope)
    assert got["From"] == SENDER
    assert got["To"] == f"{OWNER}, {BOARD}"
    assert subject(got) == (
        "[learnloop] Escalated to the Board: Action overdue (due 2027-01-31): "
        "Multi-agency chronology practice"
    )
    assert got["Message-ID"] == f"<{REMINDER_ID}@learnloop>"
    assert got["Date"].datetime == datetime(2027, 2, 3, 9, 0, tzinfo=UTC)
    assert got["Auto-Submitted"] == "auto-generated"
    body = got.get_content()
    for line in (
        "  Action: Refresh the threshold guidance training",
        "  For: Multi-agency chronology practice",
        "  Due 2027-01-31 (due at the end of that day).",
        "  It is 3 days overdue.",
        f"  https://learnloop.partnership.example/api/v1/learning-items/{STREAM_ID}",
        "Sent automatically by learnloop. Replies to this address are not read.",
    ):
        assert line in body.splitlines()


def test_the_same_reminder_sent_again_is_the_same_message(smtp_server):
    handler = Collecting()
    port = smtp_server(handler)
    smtp = notifier(port)

    smtp.send(message())
    smtp.send(message(now=datetime(2027, 2, 4, 9, 0, tzinfo=UTC)))

    ids = [received(e)["Message-ID"] for e in handler.envelopes]
    assert ids == [f"<{REMINDER_ID}@learnloop>"] * 2


@pytest.mark.parametrize(
    ("kind", "rule", "today", "expected_subject", "lines"),
    [
        (
            "clock",
            "clock-due-soon",
            date(2027, 1, 24),
            "[learnloop] Case review deadline due 2027-01-31: Rapid review",
            ["  It is due in 7 days.", f"/api/v1/case-reviews/{STREAM_ID}"],
        ),
        (
            "audit",
            "audit-due",
            date(2027, 1, 31),
            "[learnloop] Audit due 2027-01-31: Rapid review",
            ["  It is due today.", f"/api/v1/audits/{STREAM_ID}"],
        ),
        (
            "measure",
            "measure-overdue",
            date(2027, 2, 1),
            "[learnloop] Measure of effectiveness overdue (due 2027-01-31): Rapid review",
            ["  It is 1 day overdue.", f"/api/v1/learning-items/{STREAM_ID}"],
        ),
    ],
)
def test_wording_and_link_follow_the_target_and_rule(
    smtp_server, kind, rule, today, expected_subject, lines
):
    handler = Collecting()
    port = smtp_server(handler)

    notifier(port).send(message(target_kind=kind, rule=rule, today=today, title="Rapid review"))

    got = received(handler.envelopes[0])
    assert subject(got) == expected_subject
    body = got.get_content()
    assert lines[0] in body.splitlines()
    assert f"  https://learnloop.partnership.example{lines[1]}" in body.splitlines()


def test_smtp_down_is_transient():
    port = free_port()  # nothing listens on it

    with pytest.raises(DeliveryError) as caught:
        notifier(port, timeout_seconds=2.0).send(message())

    assert caught.value.permanent is False
    assert f"{HOST}:{port}" in str(caught.value)


def test_every_recipient_refused_with_550_is_permanent(smtp_server):
    handler = RefusingRecipients("550 5.1.1 No such mailbox")
    port = smtp_server(handler)

    with pytest.raises(DeliveryError) as caught:
        notifier(port).send(message(recipients=[OWNER, BOARD]))

    assert caught.value.permanent is True
    assert "550 5.1.1 No such mailbox" in str(caught.value)
    assert handler.envelopes == []


def test_one_recipient_refused_of_two_is_delivered_to_the_other(smtp_server):
    handler = RefusingRecipients("550 5.1.1 No such mailbox", refuse=lambda a: a == BOARD)
    port = smtp_server(handler)

    notifier(port).send(message(recipients=[OWNER, BOARD]))

    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == [OWNER]


@pytest.mark.parametrize(
    "handler",
    [
        RefusingRecipients("451 4.3.0 Try again later"),
        RefusingData("451 4.3.0 Try again later"),
    ],
    ids=["rcpt", "data"],
)
def test_451_is_transient(smtp_server, handler):
    port = smtp_server(handler)

    with pytest.raises(DeliveryError) as caught:
        notifier(port).send(message())

    assert caught.value.permanent is False
    assert "451 4.3.0 Try again later" in str(caught.value)


def test_message_refused_with_554_is_permanent(smtp_server):
    port = smtp_server(RefusingData("554 5.6.0 Message rejected"))

    with pytest.raises(DeliveryError) as caught:
        notifier(port).send(message())

    assert caught.value.permanent is True
    assert "554 5.6.0 Message rejected" in str(caught.value)


def test_a_server_slower_than_the_timeout_is_transient(smtp_server):
    port = smtp_server(Slow())

    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        notifier(port, timeout_seconds=0.5).send(message())

    assert time.monotonic() - started < 1.9
    assert caught.value.permanent is False
    assert "timed out" in str(caught.value)


def test_refused_credentials_are_permanent_and_the_password_is_not_told(smtp_server):
    handler = Collecting()
    port = smtp_server(handler, authenticator=authenticator(accept=False), auth_require_tls=False)

    with pytest.raises(DeliveryError) as caught:
        notifier(port, user="learnloop", password=PASSWORD).send(message())

    assert caught.value.permanent is True
    assert "refused the credentials" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # not chained
    assert handler.envelopes == []


def test_accepted_credentials_deliver(smtp_server):
    handler = Collecting()
    port = smtp_server(handler, authenticator=authenticator(accept=True), auth_require_tls=False)

    notifier(port, user="learnloop", password=PASSWORD).send(message())

    assert len(handler.envelopes) == 1


def test_starttls_required_but_not_offered_is_transient(smtp_server):
    port = smtp_server(Collecting())

    with pytest.raises(DeliveryError) as caught:
        notifier(port, starttls=True).send(message())

    assert caught.value.permanent is False


def test_without_smtp_configured_reminders_stay_pending():
    assert isinstance(notifier_for(SmtpSettings.from_env({})), NullNotifier)

    with pytest.raises(DeliveryError) as caught:
        NullNotifier().send(message())

    assert caught.value.permanent is False
    assert str(caught.value) == "no SMTP server is configured (LEARNLOOP_SMTP_HOST)"
    assert DeliveryError is services.errors.DeliveryError  # the class the services catch


def test_settings_from_the_environment():
    settings = SmtpSettings.from_env(
        {
            "LEARNLOOP_SMTP_HOST": "smtp.partnership.example",
            "LEARNLOOP_SMTP_PORT": "587",
            "LEARNLOOP_SMTP_FROM": SENDER,
            "LEARNLOOP_SMTP_USER": "learnloop",
            "LEARNLOOP_SMTP_PASSWORD": PASSWORD,
            "LEARNLOOP_SMTP_STARTTLS": "true",
        }
    )

    assert settings == SmtpSettings(
        host="smtp.partnership.example",
        port=587,
        sender=SENDER,
        user="learnloop",
        password=PASSWORD,
        starttls=True,
    )
    assert PASSWORD not in repr(settings)
    assert isinstance(notifier_for(settings), SmtpNotifier)
    assert parse_recipients(" a@x.example, ,b@x.example ") == ["a@x.example", "b@x.example"]
