"""Keeping the bot token out of every log line, whoever writes it."""

from __future__ import annotations

import logging

REDACTED = "[token]"


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
