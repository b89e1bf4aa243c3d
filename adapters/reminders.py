"""Builds the reminders service from settings: the SMTP notifier, the message composer and the
recipients directory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from email.message import EmailMessage

from adapters.notifications import SmtpNotifier, SmtpSettings, reminder_message
from adapters.persistence.users import Users
from adapters.settings import Settings
from domain.framework import Framework
from domain.reminder import Reminder
from projections.sources import ReminderSources
from services.event_log import EventLog
from services.reminders import Reminders


def smtp_settings(settings: Settings) -> SmtpSettings | None:
    if not settings.smtp_host:
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpSettings(
        host=settings.smtp_host,
        sender=settings.smtp_from,
        port=settings.smtp_port,
        user=settings.smtp_user,
        password=password,
        starttls=settings.smtp_starttls,
        timeout_seconds=settings.smtp_timeout_seconds,
    )


def composer(
    settings: Settings, clock: Callable[[], datetime]
) -> Callable[[Reminder, date], EmailMessage]:
    def compose(reminder: Reminder, today: date) -> EmailMessage:
        return reminder_message(
            reminder_id=str(reminder.id),
            rule=reminder.rule,
            escalation=reminder.escalation,
            target_kind=reminder.target_kind,
            stream_id=reminder.stream_id,
            title=reminder.title,
            description=reminder.description,
            due=reminder.due,
            recipients=reminder.recipients,
            sender=settings.smtp_from,
            base_url=settings.public_url,
            today=today,
            now=clock(),
        )

    return compose


def build_reminders(
    settings: Settings,
    log: EventLog,
    framework: Framework,
    clock: Callable[[], datetime],
    sources: ReminderSources,
    users: Users,
) -> Reminders:
    return Reminders(
        log,
        framework,
        clock,
        sources=sources,
        directory=users,
        notifier=SmtpNotifier(smtp) if (smtp := smtp_settings(settings)) else None,
        compose=composer(settings, clock),
        board_recipients=settings.board_recipient_list,
    )
