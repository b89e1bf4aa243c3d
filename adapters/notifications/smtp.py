"""Sending e-mail by SMTP, with every failure told as transient (retry later) or permanent.

Transient: nothing listening, a timeout or other socket error, the server hanging up, any 4xx
reply. Permanent: the server refusing every recipient with 5xx, refusing the message (5xx after
DATA) or the sender (5xx), and refused credentials. A `DeliveryError`'s message is safe to record:
it names the server and its reply, never the password.

A message is handed over once the server accepts its DATA; a failure after that (at QUIT) is not
a failure to deliver. A timeout waiting for the reply to DATA is ambiguous (the server may have
taken it): it is transient, and a message sent again carries the same Message-ID.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

# The services catch this very class: it is theirs, re-exported here.
from services.errors import DeliveryError

__all__ = [
    "DeliveryError",
    "Notifier",
    "NullNotifier",
    "SmtpNotifier",
    "SmtpSettings",
    "notifier_for",
    "parse_recipients",
]


class Notifier(Protocol):
    def send(self, message: EmailMessage) -> None: ...  # raises DeliveryError


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    sender: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_seconds: float = 10.0

    def __repr__(self) -> str:  # never show the password, e.g. in a traceback or log
        return (
            f"SmtpSettings(host={self.host!r}, port={self.port!r}, sender={self.sender!r}, "
            f"user={self.user!r}, password={'***' if self.password else None}, "
            f"starttls={self.starttls!r}, timeout_seconds={self.timeout_seconds!r})"
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings | None:
        """From LEARNLOOP_SMTP_* variables; None when LEARNLOOP_SMTP_HOST is unset or empty."""
        host = env.get("LEARNLOOP_SMTP_HOST", "").strip()
        if not host:
            return None
        sender = env.get("LEARNLOOP_SMTP_FROM", "").strip()
        if not sender:
            raise ValueError("LEARNLOOP_SMTP_FROM must be set when LEARNLOOP_SMTP_HOST is")
        return cls(
            host=host,
            port=int(env.get("LEARNLOOP_SMTP_PORT", "").strip() or 25),
            sender=sender,
            user=env.get("LEARNLOOP_SMTP_USER", "").strip() or None,
            password=env.get("LEARNLOOP_SMTP_PASSWORD") or None,
            starttls=_flag(env.get("LEARNLOOP_SMTP_STARTTLS", "")),
        )


def _flag(value: str) -> bool:
    value = value.strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"LEARNLOOP_SMTP_STARTTLS: expected true or false, got {value!r}")


def parse_recipients(value: str | None) -> list[str]:
    """Comma-separated addresses (LEARNLOOP_BOARD_RECIPIENTS) as a list, blanks dropped."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class NullNotifier:
    """No SMTP server configured: every send fails transiently, so reminders stay pending and
    are delivered once one is."""

    def send(self, message: EmailMessage) -> None:
        raise DeliveryError("no SMTP server is configured (LEARNLOOP_SMTP_HOST)", permanent=False)


def notifier_for(settings: SmtpSettings | None) -> Notifier:
    return NullNotifier() if settings is None else SmtpNotifier(settings)


class SmtpNotifier:
    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    @property
    def _server(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def send(self, message: EmailMessage) -> None:
        try:
            self._send(message)
        except Exception as exc:
            raise self._classify(exc) from None  # the cause may carry what we must not record

    def _send(self, message: EmailMessage) -> None:
        s = self.settings
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
        try:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password or "")
            # Recipients refused while others took it are returned, not raised: the message is
            # delivered, and sending it again would repeat it to those who have it.
            smtp.send_message(message, from_addr=s.sender)
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()  # the server has the message; a failed goodbye does not undo that
        finally:
            smtp.close()

    def _classify(self, exc: Exception) -> DeliveryError:
        where = self._server
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            reply = _reply(exc.smtp_code, exc.smtp_error)
            return self._error(f"SMTP server {where} refused the credentials: {reply}", True)
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in exc.recipients.values()]
            replies = "; ".join(
                f"{rcpt}: {_reply(code, text)}" for rcpt, (code, text) in exc.recipients.items()
            )
            permanent = bool(codes) and all(500 <= code < 600 for code in codes)
            return self._error(
                f"SMTP server {where} refused every recipient: {replies}", permanent=permanent
            )
        if isinstance(exc, smtplib.SMTPSenderRefused):
            return self._error(
                f"SMTP server {where} refused the sender {exc.sender}: "
                f"{_reply(exc.smtp_code, exc.smtp_error)}",
                permanent=_is_5xx(exc.smtp_code),
            )
        if isinstance(exc, smtplib.SMTPDataError):
            return self._error(
                f"SMTP server {where} refused the message: {_reply(exc.smtp_code, exc.smtp_error)}",
                permanent=_is_5xx(exc.smtp_code),
            )
        if isinstance(exc, smtplib.SMTPResponseException):
            # SMTPConnectError, SMTPHeloError and other replies: a 5xx greeting or HELO
            # is the server's configuration, not this message's: try again later.
            return self._error(
                f"SMTP server {where} replied {_reply(exc.smtp_code, exc.smtp_error)}",
                permanent=False,
            )
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return self._error(f"SMTP server {where} disconnected: {exc}", permanent=False)
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return self._error(
                f"SMTP server {where} does not support what is configured: {exc}", permanent=False
            )
        if isinstance(exc, TimeoutError):
            return self._error(
                f"SMTP server {where} timed out after {self.settings.timeout_seconds:g}s",
                permanent=False,
            )
        if isinstance(exc, ConnectionRefusedError):
            return self._error(f"SMTP server {where} refused the connection", permanent=False)
        if isinstance(exc, OSError):  # DNS, unreachable, reset, TLS
            return self._error(
                f"SMTP server {where} could not be reached: {type(exc).__name__}: {exc}",
                permanent=False,
            )
        if isinstance(exc, smtplib.SMTPException):
            return self._error(f"SMTP error from {where}: {exc}", permanent=False)
        return self._error(
            f"sending to SMTP server {where} failed: {type(exc).__name__}: {exc}",
            permanent=False,
        )

    def _error(self, message: str, permanent: bool) -> DeliveryError:
        password = self.settings.password
        if password:
            message = message.replace(password, "***")
        return DeliveryError(message, permanent=permanent)


def _is_5xx(code: int) -> bool:
    return 500 <= code < 600


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"
