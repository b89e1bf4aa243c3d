"""A reminder as a plain-text e-mail: what is due, when, and where to update it.

Built only from the reminder's own fields (titles, descriptions, dates, identifiers), which by
design name no child or family; nothing else is added. The Message-ID is derived from the
reminder's id, so a reminder sent again is recognisable as the same message.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime

_KINDS = {
    "action": ("Action", "learning-items"),
    "measure": ("Measure of effectiveness", "learning-items"),
    "clock": ("Case review deadline", "case-reviews"),
    "audit": ("Audit", "audits"),
}


def reminder_message(
    *,
    reminder_id: str,
    rule: str,
    escalation: bool,
    target_kind: str,
    stream_id: str,
    title: str,
    description: str,
    due: date,
    recipients: list[str],
    sender: str,
    base_url: str,
    today: date,
    now: datetime | None = None,
) -> EmailMessage:
    if target_kind not in _KINDS:
        raise ValueError(f"unknown reminder target kind {target_kind!r}")
    if not recipients:
        raise ValueError("a reminder message needs at least one recipient")
    kind, collection = _KINDS[target_kind]
    title_line = _one_line(title)
    overdue = "overdue" in rule.lower()

    if overdue:
        subject = f"{kind} overdue (due {due.isoformat()}): {title_line}"
    else:
        subject = f"{kind} due {due.isoformat()}: {title_line}"
    if escalation:
        subject = f"Escalated to the Board: {subject}"

    days = (today - due).days
    if days > 0:
        status = f"It is {days} day{'s' if days != 1 else ''} overdue."
    elif days == 0:
        status = "It is due today."
    else:
        status = f"It is due in {-days} day{'s' if days != -1 else ''}."

    url = f"{base_url.rstrip('/')}/api/v1/{collection}/{stream_id}"
    lines = []
    if escalation:
        lines += [
            "This reminder has been escalated to the Board: the item below is still open.",
            "",
        ]
    lines += [
        "What is due",
        f"  {kind}: {_one_line(description)}",
        f"  For: {title_line}",
        "",
        "When",
        f"  Due {due.isoformat()} (due at the end of that day).",
        f"  {status}",
        "",
        "Where to update it",
        f"  {url}",
        "",
        "--",
        "Sent automatically by learnloop. Replies to this address are not read.",
        f"Reminder {reminder_id} ({rule}).",
    ]

    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = f"[learnloop] {subject}"
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = f"<{reminder_id}@learnloop>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    message.set_content("\n".join(lines) + "\n")
    return message


def _one_line(text: str) -> str:
    """Header-safe and tidy: line breaks and runs of whitespace become single spaces."""
    return " ".join(text.split())
