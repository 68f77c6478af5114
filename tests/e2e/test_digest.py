"""A facilitator's digest end to end: on their schedule, new flags with buttons,
anonymous answers only from k partners up, and the trend chart as a photo with
a one-line text for screen readers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.core.config import DAYS
from bot.staff.digest import digest_for
from storage.models import Answer, Flag, Membership, Person
from tests.e2e.conftest import PROJECT, Harness


async def _next_digest_at(rig: Harness) -> object:
    for _ in range(50):
        with rig.db.session() as session:
            due = session.exec(select(Membership.next_digest_at).where(Membership.role == "facilitator")).first()
        if due is not None:
            return due
        await asyncio.sleep(0.1)
    raise AssertionError("no digest was planned")


def _answers(rig: Harness, people: int, anonymous_people: int) -> None:
    """Trend answers from ``people`` partners and an anonymous question answered by ``anonymous_people``."""
    now = rig.clock.now()
    with rig.db.session() as session:
        for n in range(max(people, anonymous_people)):
            person = Person(
                telegram_user_id=9_000_000 + n, chat_id=9_000_000 + n, first_name=f"P{n}", consent_version="1"
            )
            session.add(person)
            session.flush()
            if n < people:
                session.add(
                    Answer(
                        person_id=person.id,
                        project_id=PROJECT,
                        flow_id="after-activity",
                        flow_version="1",
                        step_id="paid",
                        question="Have you been paid?",
                        value="yes",
                        display="Yes",
                        answered_at=now - timedelta(days=1),
                    )
                )
            if n < anonymous_people:
                session.add(
                    Answer(
                        project_id=PROJECT,
                        flow_id="pulse",
                        flow_version="1",
                        step_id="changed",
                        question="Has what you said changed anything?",
                        value="a_lot",
                        display="Yes, a lot",
                        anonymous=True,
                        answered_at=now - timedelta(days=1),
                    )
                )
        session.commit()


async def test_digest_on_schedule_with_flags_anonymity_and_chart(harness: Harness) -> None:
    rig = harness
    alex = rig.facilitator_user  # type: ignore[attr-defined]
    sam, welcome = await rig.join("Sam")
    rig.clock.advance(timedelta(days=8))
    paid = await rig.next_question(sam, welcome)
    await rig.client.press_button(sam["id"], paid["message_id"], label="Not yet")
    detail = await rig.next_question(sam, paid)
    await rig.client.send_text(sam["id"], "pause")
    await rig.next_message(sam, detail)
    alert = await rig.next_message(alex, rig.facilitator_welcome)  # type: ignore[attr-defined]
    _answers(rig, people=3, anonymous_people=2)  # trends above k=3, anonymous below it

    rig.settings.digest.days = list(DAYS)  # digests on, every day at 09:00
    due = await _next_digest_at(rig)
    rig.clock.advance_to(due + timedelta(seconds=1))  # type: ignore[operator]

    digest = await rig.next_message(alex, alert)
    with rig.db.session() as session:
        flag = session.exec(select(Flag)).one()
    assert "Your digest" in digest["text"] and f"#{flag.id}" in digest["text"]
    assert "Not enough answers to show without identifying anyone" in digest["text"]
    assert "Yes, a lot" not in digest["text"]
    assert [b["text"] for b in digest["buttons"][0]][1] == f"Resolve #{flag.id}"
    chart = await rig.next_message(alex, digest)
    assert chart["kind"] == "photo"
    png = await rig.client.file(chat_id=alex["id"], message_id=chart["message_id"])
    assert png.startswith(b"\x89PNG")
    assert "needs met 75%" in chart["text"]  # 3 of 4 paid; the chart in words, for screen readers
    assert (await rig.client.stats())["violations"] == []

    # above k the counts show (never who gave them)
    with rig.db.session() as session:
        session.add(
            Answer(
                project_id=PROJECT,
                flow_id="pulse",
                flow_version="1",
                step_id="changed",
                question="Has what you said changed anything?",
                value="a_little",
                display="A little",
                anonymous=True,
                answered_at=rig.clock.now(),
            )
        )
        session.commit()
        person = session.exec(select(Person).where(Person.telegram_user_id == alex["id"])).one()
        built = digest_for(
            session, rig.bot.runtime, person, rig.clock.now(), since=rig.clock.now() - timedelta(days=30)
        )  # type: ignore[union-attr]
    text = "\n".join(str(m["text"]) for m in built.messages)
    assert "Yes, a lot: 2" in text and "A little: 1" in text and "Not enough answers" not in text
