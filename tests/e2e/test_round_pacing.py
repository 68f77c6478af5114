"""A big round of check-ins opens at the pace the bot can carry, so a partner who is
already answering is not kept waiting behind everyone else's first question."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.seed import sandbox_partners, seed_partners
from bot import jobs
from bot.core.runtime import Runtime
from tests.e2e.conftest import Harness, eventually
from tests.e2e.test_controls import next_due

#: 90 partners' first messages (intro and question) take six seconds at Telegram's 30 a second
ROUND = 90


@pytest.mark.telegram_pace
async def test_a_partner_answering_is_not_kept_behind_a_rounds_first_questions(harness: Harness) -> None:
    rig = harness
    world = rig.sandbox.world
    sam, welcome = await rig.join("Sam")
    rig.clock.advance(timedelta(days=8))  # Sam's check-in comes due
    question = await rig.next_question(sam, welcome)

    others = sandbox_partners(rig.sandbox, ROUND)
    seed_partners(rig.db, others, rig.clock.now() - timedelta(seconds=1))
    await eventually(lambda: any(world.bot_messages(user) for user in others))  # the round has begun

    await rig.client.press_button(sam["id"], question["message_id"], label=question["buttons"][0][0]["text"])
    await rig.next_message(sam, question)
    not_yet = sum(1 for user in others if not world.bot_messages(user))
    # all at once, the round's 180 messages were queued before Sam's answer and went first
    assert not_yet >= ROUND // 3, f"only {not_yet} of {ROUND} were still to hear from the bot when Sam got his reply"

    await eventually(
        lambda: all(world.bot_messages(user) for user in others), timeout=30
    )  # and the round still reaches everyone
    assert world.stats()["violations"] == []


async def test_a_step_that_fails_ends_the_round_and_the_next_tick_opens_it_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    failures = []
    keeping_up = jobs.keeping_up

    def fails_once(rt: Runtime) -> bool:
        if not failures:
            failures.append(rt)
            raise OSError("the database went away for a moment")
        return keeping_up(rt)

    monkeypatch.setattr(jobs, "keeping_up", fails_once)
    rig.clock.advance_to(
        next_due(rig) + timedelta(seconds=1)
    )  # to the moment it comes due: a day late would be missed, not sent
    question = await rig.next_question(sam, welcome)
    assert failures, "the step never failed: the test tested nothing"
    assert question["buttons"]
