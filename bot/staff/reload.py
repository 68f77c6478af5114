"""Reloading the question flows while the bot runs: a coordinator's /reload, or
SIGHUP.  All or nothing: one bad file and every running flow stays as it was.

The reports are the same lines `checkin flows check` prints, so a coordinator
sees one wording wherever they check."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from html import escape

from sqlmodel import Session

from bot.core import roles, texts
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.telegram_format import split_html, text_payload
from bot.core.unit import once_per_update
from flows.loader import Problem
from flows.model import Flow
from storage import outbox

log = logging.getLogger(__name__)


def summary_lines(flows: Iterable[Flow]) -> list[str]:
    """One line per loaded flow, as `checkin flows check` prints on success."""
    return [f"ok  {flow.id} (version {flow.version}): {len(flow.steps)} steps" for flow in flows]


def problem_lines(problems: list[Problem]) -> list[str]:
    """Every problem, then a count, as `checkin flows check` prints on failure."""
    return [*(str(problem) for problem in problems), f"{len(problems)} problem(s) found."]


def reload_flows(rt: Runtime, session: Session) -> list[Problem]:
    """Reload the flows folder; on success keep the new versions' sources in the
    database, so check-ins started on them can finish after later changes."""
    problems = rt.flows.reload(rt.settings.flows.directory)
    if not problems:
        rt.flows.remember_all(session)
    return problems


@once_per_update
def handle_reload(rt: Runtime, session: Session, now: datetime, sender: Sender) -> None:
    """/reload: coordinators get the result; anyone else a refusal that reveals nothing."""
    if not roles.projects_for(session, rt, sender.telegram_user_id, "coordinator"):
        roles.refuse(session, sender, "/reload", now)
        return
    problems = reload_flows(rt, session)
    if problems:
        log.warning("flows not reloaded (asked by person with Telegram id %s)", sender.telegram_user_id)
        html = "\n\n".join(escape(line, quote=False) for line in [texts.RELOAD_REFUSED, *problem_lines(problems)])
    else:
        log.info("flows reloaded (asked by person with Telegram id %s)", sender.telegram_user_id)
        summary = "\n".join(escape(line, quote=False) for line in summary_lines(rt.flows.current.values()))
        html = f"{escape(texts.RELOADED, quote=False)}\n\n{summary}"
    for piece in split_html(html):
        outbox.enqueue(session, sender.chat_id, "sendMessage", text_payload(piece), now)


def reload_from_signal(rt: Runtime) -> None:
    """SIGHUP: reload, and tell the log what `checkin flows check` would say."""
    with rt.db.session() as session:
        problems = reload_flows(rt, session)
    if problems:
        log.error("flows not reloaded; the running versions stay:\n%s", "\n".join(problem_lines(problems)))
    else:
        log.info("flows reloaded:\n%s", "\n".join(summary_lines(rt.flows.current.values())))
