"""What handlers and jobs share: settings, database, flows, clock, outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Settings
from bot.flow_registry import FlowRegistry
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

    def wake_outbox(self) -> None:
        if self.outbox is not None:
            self.outbox.wake()
