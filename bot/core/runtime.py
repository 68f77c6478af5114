"""What handlers and jobs share: settings, database, flows, clock, outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.flow_registry import FlowRegistry
from bot.core.lag import Lag
from storage.db import Database


class Sending(Protocol):
    """The one sender (bot.delivery.outbox.Outbox) as features, jobs and the demo see it."""

    rate: float

    def wake(self) -> None: ...

    def expected_wait(self) -> float: ...

    async def drain(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Runtime:
    settings: Settings
    db: Database
    flows: FlowRegistry
    clock: Clock
    outbox: Sending | None = None
    lag: Lag = field(default_factory=Lag)
    #: update id -> what a handler raised: written by the error handler, read (and
    #: cleared) by bot/delivery/attempts.py, which decides whether to try it again
    failed_updates: dict[int, BaseException] = field(default_factory=dict)

    def wake_outbox(self) -> None:
        if self.outbox is not None:
            self.outbox.wake()
