"""What handlers and jobs share: settings, database, flows, clock, outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Settings
from bot.flow_registry import FlowRegistry
from bot.lag import Lag
from storage.db import Database

if TYPE_CHECKING:
    from bot.outbox import Outbox


@dataclass
class Runtime:
    settings: Settings
    db: Database
    flows: FlowRegistry
    clock: Clock
    outbox: Outbox | None = None
    lag: Lag = field(default_factory=Lag)

    def wake_outbox(self) -> None:
        if self.outbox is not None:
            self.outbox.wake()
