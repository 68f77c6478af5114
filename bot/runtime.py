"""What handlers and jobs share: settings, database, flows, clock, outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Settings
from bot.flow_registry import FlowRegistry
from bot.units import UnitRunner
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
    units: UnitRunner = field(init=False)

    def __post_init__(self) -> None:
        # one worker on SQLite (one writer at a time); PostgreSQL units overlap their network waits
        self.units = UnitRunner(workers=4 if self.db.is_postgresql else 1)

    def wake_outbox(self) -> None:
        if self.outbox is not None:
            self.outbox.wake()
