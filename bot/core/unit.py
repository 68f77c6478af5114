"""The per-update unit of work: one short transaction that handles an update once.

Every feature that answers an update starts the same way: take the time, open
one transaction, and record the update id, so an update Telegram delivers again
(polling confirms an offset only with the next getUpdates; a webhook row is
retried after a crash) changes nothing the second time.  Decorate the feature's
work with :func:`once_per_update` instead of repeating that preamble."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Concatenate, ParamSpec

from sqlmodel import Session

from bot.core.runtime import Runtime
from storage import updates

log = logging.getLogger(__name__)

P = ParamSpec("P")
Work = Callable[Concatenate[Runtime, Session, datetime, P], None]
Unit = Callable[Concatenate[Runtime, int, P], None]


def once_per_update(work: Work[P]) -> Unit[P]:
    """``work(rt, session, now, ...)`` becomes ``unit(rt, update_id, ...)``: run in one
    transaction, at most once per update id (a repeat is logged and ignored)."""

    @functools.wraps(work)
    def unit(rt: Runtime, update_id: int, /, *args: P.args, **kwargs: P.kwargs) -> None:
        now = rt.clock.now()
        with rt.db.session() as session:
            if not updates.claim_update(session, update_id, now):
                log.info("update %s was already handled; ignoring the repeat", update_id)
                return
            work(rt, session, now, *args, **kwargs)

    return unit


def work_of(unit: Unit[P]) -> Work[P]:
    """The work a unit runs, for a caller already inside the update's transaction (a typed
    word standing for a tap, read by the front door's own unit)."""
    return unit.__wrapped__  # type: ignore[attr-defined]
