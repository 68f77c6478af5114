"""Units of work run off the event loop, several per trip to a worker thread:
each caller gets its own result or its own exception, in the order queued."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.units import MAX_BATCH, UnitRunner


async def test_units_queued_together_share_a_thread_hop_and_keep_their_order() -> None:
    runner = UnitRunner(workers=1)
    ran: list[tuple[int, int]] = []  # (unit, thread)
    loop_thread = threading.get_ident()

    def unit(n: int) -> int:
        ran.append((n, threading.get_ident()))
        return n * n

    results = await asyncio.gather(*(runner.run(unit, n) for n in range(MAX_BATCH + 5)))
    assert results == [n * n for n in range(MAX_BATCH + 5)]
    assert [n for n, _ in ran] == list(range(MAX_BATCH + 5))
    assert loop_thread not in {thread for _, thread in ran}


async def test_a_failing_unit_fails_only_its_own_caller() -> None:
    runner = UnitRunner(workers=1)

    def unit(n: int) -> int:
        if n == 2:
            raise ValueError("this update's problem")
        return n

    results = await asyncio.gather(*(runner.run(unit, n) for n in range(5)), return_exceptions=True)
    assert results[:2] == [0, 1] and results[3:] == [3, 4]
    assert isinstance(results[2], ValueError)
    assert await runner.run(unit, 7) == 7  # the runner goes on


async def test_several_workers_overlap_units_that_wait() -> None:
    """On PostgreSQL a unit waits on the network: with two workers, two batches run at once."""
    runner = UnitRunner(workers=2)
    both_running = threading.Barrier(2, timeout=5)

    def unit() -> None:
        both_running.wait()  # fails (BrokenBarrierError) unless the other worker runs at the same time

    first = asyncio.ensure_future(runner.run(unit))
    await asyncio.sleep(0.05)  # the first worker took the first unit alone
    await asyncio.gather(first, runner.run(unit))


async def test_one_worker_runs_units_one_at_a_time() -> None:
    runner = UnitRunner(workers=1)
    running = threading.Semaphore(1)

    def unit() -> None:
        assert running.acquire(blocking=False), "two units ran at once"
        threading.Event().wait(0.01)
        running.release()

    first = asyncio.ensure_future(runner.run(unit))
    await asyncio.sleep(0)
    await asyncio.gather(first, runner.run(unit), runner.run(unit))


@pytest.mark.parametrize("workers", [1, 3])
async def test_nothing_is_left_waiting(workers: int) -> None:
    runner = UnitRunner(workers=workers)
    results = await asyncio.gather(*(runner.run(lambda n=n: n) for n in range(200)))
    assert results == list(range(200))
