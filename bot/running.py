"""Starting and stopping the whole bot: database, flows, outbox, Application.

`checkin run`, the demo and the end-to-end tests all go through here, so the
tests exercise exactly what runs in production."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, Update
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import Application

from bot.app import build_application
from bot.core import commands
from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings, WebhookOptions
from bot.core.flow_registry import FlowRegistry
from bot.core.runtime import Runtime
from bot.core.schedules import fill_calendars
from bot.delivery.inbox import InboxWorker
from bot.delivery.log_redaction import redact_token_in_logs
from bot.delivery.outbox import CHAT_RATE, Outbox
from bot.delivery.poller import Poller
from bot.delivery.webhook import WebhookServer
from bot.partners import onboarding
from storage import projects
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class RunningBot:
    runtime: Runtime
    application: Application
    webhook: WebhookServer | None = None
    inbox: InboxWorker | None = None
    poller: Poller | None = None

    async def stop(self) -> None:
        """A graceful stop: confirm fetched updates, finish sends, close the database.
        Each step is bounded, so a stop (systemd's SIGTERM, a test's teardown) always ends;
        what was cut short is safe to leave (see bot/delivery/outbox.py and bot/delivery/inbox.py)."""
        application = self.application
        if self.webhook is not None:  # stop taking updates, then finish the ones claimed
            await _bounded(self.webhook.stop(), "the webhook server")
        if self.inbox is not None:
            await _bounded(self.inbox.stop(), "the inbox worker")
        if self.poller is not None:
            await _bounded(self.poller.stop(), "polling")
        if application.running:
            await _bounded(application.stop(), "the update handlers and jobs")
        if self.runtime.outbox is not None:
            await _bounded(self.runtime.outbox.stop(), "the outbox")
        await _bounded(application.shutdown(), "the Telegram connection")
        self.runtime.db.dispose()


#: how long one step of a stop may take before the stop goes on without it
STOP_STEP_SECONDS = 20.0


async def _bounded(step: Coroutine[Any, Any, None], what: str) -> None:
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=STOP_STEP_SECONDS)
    if task in done:
        task.result()
        return
    # where it waited, so a stop that hangs once in many test runs can be found
    log.warning(
        "stopping: %s did not finish within %.0f s; going on without it. It waited at: %s",
        what,
        STOP_STEP_SECONDS,
        _awaiting(task.get_coro()),
    )
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def _awaiting(awaitable: object) -> str:
    """The chain of awaits a suspended coroutine is in, innermost last."""
    places = []
    while awaitable is not None:
        frame = getattr(awaitable, "cr_frame", None)
        if frame is None:
            places.append(type(awaitable).__name__)
            break
        places.append(f"{frame.f_code.co_qualname} ({frame.f_code.co_filename.rsplit('/', 2)[-1]}:{frame.f_lineno})")
        awaitable = getattr(awaitable, "cr_await", None)
    return " -> ".join(places)


def prepare_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Check the schema and the flows, mirror the config's projects, give staff their menu,
    and put schedules added to the config on the calendars of partners who joined before."""
    clock = clock or SystemClock()
    db = Database(settings.storage.url)
    db.check_schema()
    flows = FlowRegistry.from_directory(settings.flows.directory)
    with db.session() as session:
        for project in settings.projects:
            projects.sync_project(session, project.id, project.name, project.timezone)
        flows.remember_all(session)
        onboarding.queue_staff_menus(session, [project.id for project in settings.projects], clock.now())
        fill_calendars(session, settings, clock.now())
    return Runtime(settings=settings, db=db, flows=flows, clock=clock)


async def start_bot(
    settings: Settings,
    clock: Clock | None = None,
    *,
    poll_timeout: int = 10,
    webhook: WebhookOptions | None = None,
    chat_rate: float = CHAT_RATE,
) -> RunningBot:
    """Start polling, or serve a webhook.  Raises SchemaOutOfDate or FlowError before touching Telegram.

    ``chat_rate`` (messages a second to one chat) is Telegram's unless a sandbox allows more."""
    redact_token_in_logs(settings.token)
    runtime = prepare_runtime(settings, clock)
    application = build_application(runtime)
    await _with_retries(application.initialize, "asking Telegram who the bot is (getMe)")
    runtime.outbox = Outbox(
        application.bot,
        runtime.db,
        runtime.clock,
        chat_rate=chat_rate,
        paid_broadcast=settings.telegram.paid_broadcast,
    )
    await runtime.outbox.start()
    await _partners_menu(application)
    await application.start()
    if webhook is not None:
        return await _serve_webhook(RunningBot(runtime, application), webhook)
    await _with_retries(application.bot.delete_webhook, "switching Telegram to polling (deleteWebhook)")
    poller = Poller(application, poll_timeout)
    await poller.start()
    me = application.bot.username
    log.info(
        "bot @%s is running with %d flow(s) and %d project(s)", me, len(runtime.flows.current), len(settings.projects)
    )
    return RunningBot(runtime, application, poller=poller)


#: a brief network failure at start (getMe, deleteWebhook, setWebhook) is tried again this many times
STARTUP_TRIES = 5
STARTUP_BACKOFF_SECONDS = 1.0


async def _with_retries(call: Callable[[], Awaitable[object]], what: str) -> None:
    """Start-up calls to Telegram survive a brief network failure: tried again with a growing
    wait.  A refused token (InvalidToken) is not a network failure and is raised at once."""
    for attempt in range(1, STARTUP_TRIES + 1):
        try:
            await call()
            return
        except (NetworkError, TimedOut) as error:
            if isinstance(error, BadRequest) or attempt == STARTUP_TRIES:
                raise
            wait = STARTUP_BACKOFF_SECONDS * 2 ** (attempt - 1)
            log.warning("%s failed (%s); trying again in %.0f s", what, type(error).__name__, wait)
            await asyncio.sleep(wait)


async def _partners_menu(application: Application) -> None:
    """Everyone's command menu shows the partners' commands (staff get theirs in their chat
    when they join, bot/partners/onboarding.py).  A failure is logged, never fatal."""
    try:
        await application.bot.set_my_commands([BotCommand(name, text) for name, text in commands.PARTNER_COMMANDS])
    except TelegramError as error:
        log.warning("could not set the command menu (%s); the commands still work", type(error).__name__)


async def _serve_webhook(running: RunningBot, options: WebhookOptions) -> RunningBot:
    """Inbox worker, then the endpoint, then tell Telegram.  deleteWebhook is never
    called on stop: the other workers, or this one restarted, keep receiving."""
    running.inbox = InboxWorker(running.application, running.runtime)
    await running.inbox.start()
    running.webhook = WebhookServer(options, running.inbox)
    await running.webhook.start()
    await _with_retries(
        lambda: running.application.bot.set_webhook(
            options.url, secret_token=options.secret, allowed_updates=Update.ALL_TYPES
        ),
        "telling Telegram the webhook (setWebhook)",
    )
    log.info("bot @%s is serving webhook %s", running.application.bot.username, options.url)
    return running
