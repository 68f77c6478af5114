"""People and permissions end to end: invites, consent (declined, changed), a
partner in two projects, staff kept to their own projects, in-chat invites, flooding."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlmodel import select

from bot.core.clock import ShiftedClock
from bot.core.config import ProjectSettings, Schedule
from bot.handlers import flood
from bot.sandbox import Sandbox
from bot.staff.people_csv import import_partners
from storage import invites
from storage.db import Database
from storage.models import (
    AuditEvent,
    Checkin,
    ConsentRecord,
    Invite,
    Membership,
    Person,
)
from tests.e2e.conftest import BRISK_CHAT_RATE, PROJECT, Harness, make_settings

OTHER = "peer-voices"


@pytest.fixture
async def rig(database_url: str) -> AsyncIterator[Harness]:
    """Two projects: Alex facilitates carers, Bo facilitates peer-voices, Cora coordinates both."""
    async with Sandbox(chat_per_second=BRISK_CHAT_RATE) as sandbox:
        client = sandbox.client()
        alex, bo, cora = [await client.create_user(name) for name in ("Alex", "Bo", "Cora")]
        Database(database_url).upgrade()
        settings = make_settings(database_url, alex["id"], sandbox)
        settings.projects[0].coordinators = [cora["id"]]
        settings.projects.append(
            ProjectSettings(
                id=OTHER,
                name="Peer Voices",
                facilitators=[bo["id"]],
                coordinators=[cora["id"]],
                schedules=[Schedule(flow="pulse", cadence="monthly")],
            )
        )
        harness = Harness(sandbox, settings, ShiftedClock())
        harness.people = {"alex": alex, "bo": bo, "cora": cora}  # type: ignore[attr-defined]
        await harness.start()
        try:
            yield harness
        finally:
            await harness.stop()
            harness.db.dispose()


def _invite(rig: Harness, project: str, *, age: timedelta = timedelta(0)) -> str:
    with rig.db.session() as session:
        return invites.create_invite(session, project, "partner", rig.clock.now() - age, timedelta(days=7)).code


async def _start(rig: Harness, name: str, code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    user = await rig.client.create_user(name)
    await rig.client.send_command(user["id"], "/start", code)
    return user, await rig.client.wait_for_bot_message(user["id"])


async def test_expired_used_and_wrong_invites_get_the_same_kind_answer(rig: Harness) -> None:
    used = _invite(rig, PROJECT)
    first, consent = await _start(rig, "First", used)
    await rig.client.press_button(first["id"], consent["message_id"], label="Yes, that's OK")  # used up now
    await rig.next_message(first, consent)
    replies = [
        (await _start(rig, name, code))[1]
        for name, code in (
            ("Late", _invite(rig, PROJECT, age=timedelta(days=8))),
            ("Second", used),
            ("Guess", "AAAAAAAAAAAA"),
        )
    ]
    assert {reply["text"] for reply in replies} == {replies[0]["text"]}
    assert "doesn't work any more" in replies[0]["text"]
    assert "Carers" not in replies[0]["text"] and not replies[0].get("buttons")


async def test_declined_consent_keeps_only_the_refusal(rig: Harness) -> None:
    kim, consent = await _start(rig, "Kim", _invite(rig, PROJECT))
    await rig.client.press_button(kim["id"], consent["message_id"], label="No thanks")
    await rig.next_message(kim, consent)
    with rig.db.session() as session:
        assert session.exec(select(Person).where(Person.telegram_user_id == kim["id"])).first() is None
        record = session.exec(select(ConsentRecord)).one()
        assert (record.person_id, record.project_id, record.decision) == (None, PROJECT, "declined")


async def test_changed_consent_holds_the_checkin_until_accepted(rig: Harness) -> None:
    sam, welcome = await rig.join("Sam")
    rig.settings.consent.version = "2"  # the coordinator changed the text
    rig.clock.advance(timedelta(days=8))
    again = await rig.next_message(sam, welcome)
    assert "changed how I look after" in again["text"]
    consent = await rig.next_message(sam, again)
    assert consent["buttons"]
    with rig.db.session() as session:
        held = session.exec(select(Checkin).where(Checkin.status == "scheduled")).one()
        assert held.state == {"held_for_consent": True}
    await rig.client.press_button(sam["id"], consent["message_id"], label="Yes, that's OK")
    thanks = await rig.next_message(sam, consent)
    question = await rig.next_question(sam, thanks)
    assert "paid" in question["text"]
    with rig.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_user_id == sam["id"])).one()
        assert person.consent_version == "2"
        decisions = [(r.version, r.decision) for r in session.exec(select(ConsentRecord).order_by(ConsentRecord.id))]
        assert decisions == [("1", "accepted"), ("2", "asked"), ("2", "accepted")]


async def test_a_partner_in_two_projects(rig: Harness) -> None:
    sam, welcome = await rig.join("Sam")
    await rig.client.send_command(sam["id"], "/start", _invite(rig, OTHER))
    consent = await rig.next_message(sam, welcome)
    assert "Peer Voices" in consent["text"]
    await rig.client.press_button(sam["id"], consent["message_id"], label="Yes, that's OK")
    await rig.next_message(sam, consent)
    with rig.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_user_id == sam["id"])).one()
        memberships = session.exec(select(Membership).where(Membership.person_id == person.id)).all()
        assert {(m.project_id, m.status) for m in memberships} == {(PROJECT, "active"), (OTHER, "active")}
        assert {c.project_id for c in session.exec(select(Checkin).where(Checkin.person_id == person.id))} == {
            PROJECT,
            OTHER,
        }


async def test_staff_see_and_act_only_within_their_projects(rig: Harness) -> None:
    people = rig.people  # type: ignore[attr-defined]
    await rig.join("Sam")  # a carers partner
    bo, cora = people["bo"], people["cora"]
    hello = await rig.facilitator(bo)
    await rig.client.send_command(bo["id"], "/partners")
    listing = await rig.next_message(bo, hello)
    assert "Sam" not in listing["text"]  # Sam is in Alex's project, not Bo's
    await rig.client.send_command(bo["id"], "/invite")  # a facilitator, not a coordinator
    refused = await rig.next_message(bo, listing)
    assert refused["text"].startswith("Sorry, that's not something I can do")

    stranger = await rig.client.create_user("Nosy")
    await rig.client.send_command(stranger["id"], "/partners")
    assert (await rig.client.wait_for_bot_message(stranger["id"]))["text"] == refused["text"]

    alex = people["alex"]
    welcome = await rig.facilitator(alex)
    await rig.client.send_command(alex["id"], "/partners")
    assert "Sam: active; no answers yet" in (await rig.next_message(alex, welcome))["text"]
    with rig.db.session() as session:
        refusals = session.exec(select(AuditEvent).where(AuditEvent.action == "refused")).all()
        assert sorted(e.detail for e in refusals) == ["/invite", "/partners"]
        assert {e.actor_telegram_id for e in refusals} == {bo["id"], stranger["id"]}

    # a coordinator of both projects is asked which, and gets a working link
    welcome = await rig.facilitator(cora)
    await rig.client.send_command(cora["id"], "/invite")
    which = await rig.next_message(cora, welcome)
    assert [row[0]["text"] for row in which["buttons"]] == ["Carers' Voice", "Peer Voices"]
    await rig.client.press_button(cora["id"], which["message_id"], label="Peer Voices")
    link = await rig.next_message(cora, which)
    code = link["text"].rsplit("start=", 1)[1].strip()
    with rig.db.session() as session:
        invite = session.get(Invite, code)
        assert invite is not None and (invite.project_id, invite.role, invite.uses_left) == (OTHER, "partner", 1)


async def test_a_flooding_user_is_ignored_for_a_while_and_told_once(rig: Harness) -> None:
    assert rig.bot is not None
    guard: flood.FloodGuard = rig.bot.application.bot_data[flood.BOT_DATA_KEY]
    guard.limit = 3
    user = await rig.client.create_user("Busy")
    for _ in range(6):
        await rig.client.send_text(user["id"], "hello?")
    replies = await rig.client.wait_for_bot_messages(user["id"], 4)
    assert "one-minute break" in replies[3]["text"]
    await rig.quiet(user, replies[3], seconds=1.5)
    assert sum("one-minute break" in m["text"] for m in await rig.client.bot_messages(user["id"])) == 1


async def test_imported_partners_join_with_their_own_link(rig: Harness, tmp_path: Path) -> None:
    source, output = tmp_path / "people.csv", tmp_path / "links.csv"
    source.write_text("name,project\nSam,carers\nOla,nowhere\n", encoding="utf-8")
    quiet = Console(file=io.StringIO())
    problems = import_partners(rig.settings, source, output, timedelta(days=7), "checkin_bot", quiet)
    assert [str(p) for p in problems] == ["line 3: no project 'nowhere' in the config"]
    assert not output.exists()
    source.write_text("name,project\nSam,carers\nOla,peer-voices\n", encoding="utf-8")
    assert import_partners(rig.settings, source, output, timedelta(days=7), "checkin_bot", quiet) == []
    links = {row["name"]: row["link"] for row in csv.DictReader(output.open(encoding="utf-8"))}
    _, consent = await _start(rig, "Ola", links["Ola"].rsplit("start=", 1)[1])
    assert "Peer Voices" in consent["text"] and consent["buttons"]


async def test_flags_and_digest_commands_stay_within_the_facilitators_projects(rig: Harness) -> None:
    from storage import flags as flag_store
    from storage import people

    alex, bo = rig.people["alex"], rig.people["bo"]  # type: ignore[attr-defined]
    welcomes = {}
    for user in (alex, bo):
        welcomes[user["id"]] = await rig.facilitator(user)
    with rig.db.session() as session:
        sam = people.upsert_person(session, 5550001, 5550001, "Sam")
        flag = flag_store.open_flag(
            session,
            project_id=PROJECT,
            person_id=sam.id,
            need="payment",
            severity="high",
            note="Not paid",
            answer_ids=[],
            now=rig.clock.now(),
        )
        flag_id = flag.id

    await rig.client.send_command(alex["id"], "/flags")
    listing = await rig.next_message(alex, welcomes[alex["id"]])
    assert "Sam" in listing["text"] and f"#{flag_id}" in listing["text"]
    assert f"Resolve #{flag_id}" in [b["text"] for row in listing["buttons"] for b in row]

    await rig.client.send_command(bo["id"], "/flags")
    other = await rig.next_message(bo, welcomes[bo["id"]])
    assert "No open needs" in other["text"] and "Sam" not in other["text"]

    outsider = await rig.client.create_user("Pat")
    await rig.client.send_command(outsider["id"], "/digest")
    refusal = await rig.client.wait_for_bot_message(outsider["id"])
    assert "not something I can do" in refusal["text"]
    with rig.db.session() as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "refused")).all()
        assert [e.detail for e in refused] == ["/digest"]

    await rig.client.send_command(alex["id"], "/digest")
    summary = await rig.next_message(alex, listing)
    assert "Sam" in summary["text"] or "Payment" in summary["text"]
