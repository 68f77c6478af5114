"""The influence ledger end to end: a partner sends an idea, a facilitator records
what came of it with a button and a note, and the partner hears in their monthly summary."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlmodel import select

from storage.models import Idea
from tests.e2e.conftest import Harness


def _first_of_next_month(now: datetime) -> datetime:
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return datetime(year, month, 1, 10, 1, tzinfo=UTC)


async def test_idea_to_outcome_to_monthly_summary(harness: Harness) -> None:
    rig = harness
    alex = rig.facilitator_user  # type: ignore[attr-defined]
    sam, welcome = await rig.join("Sam")

    await rig.client.send_command(sam["id"], "/idea")
    ask = await rig.next_message(sam, welcome)
    assert "Type your idea" in ask["text"]
    await rig.client.send_text(sam["id"], "Send papers a week before <meetings> & in large print")
    thanks = await rig.next_message(sam, ask)
    assert "passed your idea to the team" in thanks["text"]

    shown = await rig.next_message(alex, rig.facilitator_welcome)  # type: ignore[attr-defined]
    assert "<meetings> & in large print" in shown["text"]
    await rig.client.press_button(alex["id"], shown["message_id"], label="Adopted")
    note_ask = await rig.next_message(alex, shown)
    assert "What happened with idea" in note_ask["text"]
    await rig.client.send_text(alex["id"], "From next month, papers go out 7 days ahead, in 16pt.")
    preview = await rig.next_message(alex, note_ask)
    assert "This will be sent to Sam about idea #1" in preview["text"]
    await rig.client.press_button(alex["id"], preview["message_id"], label="Send")
    recorded = await rig.next_message(alex, preview)
    assert "monthly summary" in recorded["text"]
    with rig.db.session() as session:
        idea = session.exec(select(Idea)).one()
        assert (idea.status, idea.reported_at) == ("adopted", None)

    rig.clock.advance_to(_first_of_next_month(rig.clock.now()))
    summary = await rig.message_containing(sam, thanks, "what came of your ideas")
    assert "Adopted: From next month" in summary["text"]
    with rig.db.session() as session:
        assert session.exec(select(Idea)).one().reported_at is not None
    await asyncio.sleep(0.6)
    told = [m for m in await rig.client.bot_messages(sam["id"]) if "what came of your ideas" in m["text"]]
    assert len(told) == 1  # told once
    assert (await rig.client.stats())["violations"] == []
