"""Outbound notifications: reminders built as e-mail messages and sent by SMTP."""

from adapters.notifications.messages import reminder_message
from adapters.notifications.smtp import (
    DeliveryError,
    Notifier,
    NullNotifier,
    SmtpNotifier,
    SmtpSettings,
    notifier_for,
    parse_recipients,
)

__all__ = [
    "DeliveryError",
    "Notifier",
    "NullNotifier",
    "SmtpNotifier",
    "SmtpSettings",
    "notifier_for",
    "parse_recipients",
    "reminder_message",
]
