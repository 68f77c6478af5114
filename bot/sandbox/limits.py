"""Telegram's flood limits, modelled at least as strictly as Telegram applies them.

A bot whose pacing keeps within these limits keeps within Telegram's, so the limits err on the
strict side (Telegram's bot FAQ gives them only as "about"):

- overall: at most 30 message calls in any sliding second; calls with allow_paid_broadcast
  ignore that limit but all calls together stay at most 1,000 in any sliding second. A sliding
  window of timestamps, so there is no burst above the limit, not even in the first second;
- one private chat: a bucket of 3 refilled at 1 a second (bursts of 3, then 1 a second);
- one group (a negative chat id): at most 20 in any sliding minute.

Message calls are the sends and the edits (editMessageText, editMessageReplyMarkup,
editMessageCaption); nothing else counts. TrafficMeter observes the same calls, with the limits
on or off, so benchmarks and tests can prove how fast a bot really sent.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

OVERALL_PER_SECOND = 30
PAID_PER_SECOND = 1000
CHAT_BURST = 3
CHAT_PER_SECOND = 1.0
GROUP_PER_MINUTE = 20

Clock = Callable[[], float]


class SlidingWindow:
    """The timestamps of the events within the last `span` seconds, a half-open (now - span, now]."""

    def __init__(self, span: float) -> None:
        self.span = span
        self._stamps: deque[float] = deque()

    def count(self, now: float) -> int:
        while self._stamps and self._stamps[0] <= now - self.span:
            self._stamps.popleft()
        return len(self._stamps)

    def wait_time(self, now: float, limit: int) -> float:
        """Seconds until fewer than `limit` events remain in the window (0 if that is so now)."""
        excess = self.count(now) - limit
        if excess < 0:
            return 0.0
        return self._stamps[excess] + self.span - now

    def add(self, now: float) -> None:
        self._stamps.append(now)


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


def retry_after(wait: float) -> int:
    """Telegram's retry_after: whole seconds, at least 1."""
    return max(1, math.ceil(wait))


class RateLimiter:
    """Decides whether one more message call may go now; switchable for speed benchmarks."""

    def __init__(
        self, enabled: bool = True, clock: Clock = time.monotonic, chat_per_second: float = CHAT_PER_SECOND
    ) -> None:
        """``chat_per_second`` above Telegram's lets tests that are not about pacing run briskly."""
        self.enabled = enabled
        self._clock = clock
        self.chat_per_second = chat_per_second
        self.reset()

    def reset(self) -> None:
        """Forget every call made so far (a quiet past for everyone)."""
        self._free = SlidingWindow(1.0)
        self._all = SlidingWindow(1.0)
        self._chats: dict[int, TokenBucket] = {}
        self._groups: dict[int, SlidingWindow] = {}

    def acquire(self, chat_id: int, *, paid: bool = False) -> int | None:
        """Admit one message call to `chat_id`, or return retry_after in whole seconds (>= 1).

        A call is counted only when every limit admits it, so a refused call costs nothing.
        """
        if not self.enabled:
            return None
        now = self._clock()
        wait = self._all.wait_time(now, PAID_PER_SECOND)
        if not paid:
            wait = max(wait, self._free.wait_time(now, OVERALL_PER_SECOND))
        if chat_id < 0:
            group = self._groups.setdefault(chat_id, SlidingWindow(60.0))
            wait = max(wait, group.wait_time(now, GROUP_PER_MINUTE))
        else:
            chat = self._chats.get(chat_id)
            if chat is None:
                chat = self._chats[chat_id] = TokenBucket(CHAT_BURST, self.chat_per_second, updated=now)
            wait = max(wait, chat.wait_time(now))
        if wait > 0:
            return retry_after(wait)
        self._all.add(now)
        if not paid:
            self._free.add(now)
        if chat_id < 0:
            self._groups[chat_id].add(now)
        else:
            self._chats[chat_id].take(now)
        return None


class TrafficMeter:
    """The most message calls carried out in any sliding second, overall and in one chat."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self.reset()

    def reset(self) -> None:
        self._overall = SlidingWindow(1.0)
        self._chats: dict[int, SlidingWindow] = {}
        self.peak_overall = 0
        self.peak_in_one_chat = 0
        self.busiest_chat: int | None = None

    def record(self, chat_id: int) -> None:
        now = self._clock()
        self._overall.add(now)
        self.peak_overall = max(self.peak_overall, self._overall.count(now))
        chat = self._chats.setdefault(chat_id, SlidingWindow(1.0))
        chat.add(now)
        in_chat = chat.count(now)
        if in_chat > self.peak_in_one_chat:
            self.peak_in_one_chat, self.busiest_chat = in_chat, chat_id
