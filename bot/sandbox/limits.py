"""Telegram's flood limits as token buckets, so a bot that sends too fast gets 429s here.

Limits (Telegram's bot FAQ): about 30 messages per second overall (1000/s with
allow_paid_broadcast), about 1 per second sustained to one private chat with short bursts
tolerated, 20 per minute to one group. Only message-sending methods count; edits do not.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """A bucket of `capacity` tokens refilled at `rate` tokens per second."""

    capacity: float
    rate: float
    updated: float
    tokens: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1


class RateLimiter:
    """Decides whether one more message may be sent now; switchable for speed tests."""

    def __init__(self, enabled: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled
        self._clock = clock
        self.reset()

    def reset(self) -> None:
        """Forget all spent tokens (a fresh second for everyone)."""
        now = self._clock()
        self._overall = TokenBucket(capacity=30, rate=30.0, updated=now)
        self._paid = TokenBucket(capacity=1000, rate=1000.0, updated=now)
        self._chats: dict[int, TokenBucket] = {}

    def acquire(self, chat_id: int, *, group: bool = False, paid: bool = False) -> int | None:
        """Take a token for a message to `chat_id`, or return retry_after in whole seconds (>= 1).

        Tokens are taken only when every bucket involved has one, so a refused send costs nothing.
        """
        if not self.enabled:
            return None
        now = self._clock()
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = (
                TokenBucket(capacity=20, rate=20 / 60, updated=now)
                if group
                else TokenBucket(capacity=4, rate=1.0, updated=now)
            )
        overall = self._paid if paid else self._overall
        wait = max(overall.wait_time(now), chat.wait_time(now))
        if wait > 0:
            return max(1, math.ceil(wait))
        overall.take(now)
        chat.take(now)
        return None
