"""Reading the audit log (`checkin audit`) and keeping the bot token out of every log line."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from bot.config import Settings
from storage import audit
from storage.db import Database

REDACTED = "[token]"


def audit_lines(settings: Settings, since: datetime | None) -> list[str]:
    db = Database(settings.storage.url)
    db.check_schema()
    with db.session() as session:
        lines = [
            f"{event.at:%Y-%m-%d %H:%M:%S}  {event.action:<11} "
            f"{event.project_id or '-':<14} {event.actor_telegram_id or '-':<12} {event.detail}"
            for event in audit.events_since(session, since)
        ]
    db.dispose()
    return lines


def parse_since(text: str, now: datetime) -> datetime:
    """"2026-11-01", "2026-11-01T09:00" or a span back from now: "7d", "12h", "2w"."""
    span = parse_span(text)
    if span is not None:
        return now - span
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_span(text: str) -> timedelta | None:
    """"7d", "12h", "2w"; a plain number is days.  None if it is not a span."""
    text = text.strip().lower()
    units = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "d")
    if not number.isdigit() or int(number) <= 0:
        return None
    return int(number) * units[unit]


class RedactToken(logging.Filter):
    """Replace the bot token wherever it appears in a record (message, arguments,
    exception text), whoever logs it: PTB, httpx, or us."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        record.msg, record.args = record.getMessage().replace(self.token, REDACTED), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, REDACTED)
        return True


def redact_token_in_logs(token: str) -> None:
    """Install the filter on every root handler (filters on loggers miss child loggers' records)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactToken) and f.token == token for f in handler.filters):
            handler.addFilter(RedactToken(token))
