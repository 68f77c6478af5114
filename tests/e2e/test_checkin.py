"""The walking skeleton, end to end: invite -> consent -> scheduled check-in ->
answers stored -> unmet need flagged -> facilitator alerted.  Real Application,
real HTTP, the sandbox enforcing Telegram's rules."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core import callbacks
from bot.core.telegram_format import text_payload
from storage import flags, outbox
from storage.models import Answer, Checkin, Flag, FlagEvidence, Person
from tests.e2e.conftest import Harness


async def _due(rig: Harness) -> None:
    """Move time to the partner's next check-in (next Monday, 10:00 London)."""
    rig.clock.advance(timedelta(days=8))


def _step(message: dict) -> tuple[int, str]:
    tap = callbacks.AnswerTap.parse(message["buttons"][0][0]["callback_data"])
    assert tap is not None
    return tap.checkin_id, tap.step_id


async def test_partner_checkin_reaches_the_facilitator(harness: Harness) -> None:
    rig = harness
    client = rig.client
    sam = await client.create_user("Sam")

    # 2. invite and consent: nothing is asked before consent
    await client.send_command(sam["id"], "/start", rig.invite())
    consent = await client.wait_for_bot_message(sam["id"])
    assert "Is that OK with you?" in consent["text"]
    assert [b["text"] for b in consent["buttons"][0]] == ["Yes, that's OK", "No thanks"]
    await rig.quiet(sam, consent, seconds=0.5)
    await client.press_button(sam["id"], consent["message_id"], label="Yes, that's OK")
    welcome = await rig.next_message(sam, consent)
    assert "You're in" in welcome["text"]
    await rig.quiet(sam, welcome, seconds=0.5)  # not due yet: no check-in

    # 3. the schedule comes due; the check-in arrives by itself
    await _due(rig)
    paid = await rig.next_question(sam, welcome)
    assert "paid for your last session" in paid["text"]
    assert _step(paid)[1] == "paid"
    await client.press_button(sam["id"], paid["message_id"], label="Not yet")

    detail = await rig.next_question(sam, paid)
    await client.send_text(sam["id"], "Still waiting for £40 <since March> & counting")
    expenses = await rig.next_question(sam, detail)
    await client.send_text(sam["id"], "YES")  # typed, in capitals
    heard = await rig.next_question(sam, expenses)
    await client.send_text(sam["id"], "4")  # typed number of a scale button
    anything = await rig.next_question(sam, heard)
    await client.send_text(sam["id"], "Afternoon meetings, please")
    outro = await rig.next_message(sam, anything)
    assert "Thank you" in outro["text"]

    # 4. answers stored with flow id and version; the flag links to its answer
    with rig.db.session() as session:
        checkin = session.exec(select(Checkin).where(Checkin.status == "completed")).one()
        answers = {a.step_id: a for a in session.exec(select(Answer).where(Answer.checkin_id == checkin.id))}
        assert answers["paid"].value == "no"
        assert answers["expenses"].value == "yes"
        assert answers["heard"].value == 4
        assert answers["payment_detail"].value == "Still waiting for £40 <since March> & counting"
        assert {a.flow_id for a in answers.values()} == {"after-activity"}
        assert {a.flow_version for a in answers.values()} == {checkin.flow_version}
        assert checkin.flow_version == rig.bot.runtime.flows.current["after-activity"].version  # type: ignore[union-attr]
        flags = {f.need: f for f in session.exec(select(Flag)).all()}
        flag = flags["payment"]
        assert (flag.need, flag.severity, flag.status) == ("payment", "high", "open")
        evidence = session.exec(select(FlagEvidence).where(FlagEvidence.flag_id == flag.id)).all()
        assert [e.answer_id for e in evidence] == [answers["paid"].id]
        # the open questions' answers reach the team (to_team): no need word, so the digest
        assert (flags["other"].severity, flags["other"].status) == ("low", "open")
        to_team = session.exec(select(FlagEvidence).where(FlagEvidence.flag_id == flags["other"].id)).all()
        shown = {session.get(Answer, e.answer_id).display for e in to_team}  # type: ignore[union-attr]
        assert shown == {"Still waiting for £40 <since March> & counting", "Afternoon meetings, please"}
        # and the next check-in is on the calendar
        assert session.exec(select(Checkin).where(Checkin.status == "scheduled")).one()

    # 5. the facilitator's alert lists the open flag, partner text escaped
    alex = rig.facilitator_user  # type: ignore[attr-defined]
    alert = await rig.next_message(alex, rig.facilitator_welcome)  # type: ignore[attr-defined]
    assert "Payment" in alert["text"] and "Sam" in alert["text"]
    assert "Not yet" in alert["text"]
    assert "&lt;since March&gt; &amp; counting" in alert["html"] or "since March" not in alert["text"]
    assert (await client.stats())["violations"] == []


async def test_typed_labels_and_gentle_reask(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    await _due(rig)
    paid = await rig.next_question(sam, welcome)
    await rig.client.send_sticker(sam["id"])
    reask = await rig.next_message(sam, paid)  # one message: the gentle re-ask and the question together
    assert "tap one of the buttons" in reask["text"] and reask["text"].endswith(paid["text"])
    assert reask["buttons"] == paid["buttons"]
    await rig.quiet(sam, reask, seconds=0.3)
    await rig.client.send_text(sam["id"], "i dont take payment")  # a label, loosely typed
    expenses = await rig.next_question(sam, reask)
    assert "spent" in expenses["text"]
    with rig.db.session() as session:
        paid_answer = session.exec(select(Answer).where(Answer.step_id == "paid")).one()
        assert paid_answer.value == "declined"


async def test_restart_mid_checkin_continues_at_the_same_question(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    await _due(rig)
    paid = await rig.next_question(sam, welcome)
    await rig.client.press_button(sam["id"], paid["message_id"], label="Yes")
    expenses = await rig.next_question(sam, paid)
    assert "spent" in expenses["text"]

    await rig.restart()

    # the button of the question asked before the restart still works
    await rig.client.press_button(sam["id"], expenses["message_id"], label="No")
    heard = await rig.next_question(sam, expenses)
    assert "heard" in heard["text"]
    with rig.db.session() as session:
        steps = [a.step_id for a in session.exec(select(Answer).order_by(Answer.id))]
        assert steps == ["paid", "expenses"]


async def test_a_tap_telegram_will_not_acknowledge_is_still_an_answer(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    await _due(rig)
    paid = await rig.next_question(sam, welcome)
    await rig.client.inject_fault("answerCallbackQuery", "5xx", status=502, count=2)
    await rig.client.press_button(sam["id"], paid["message_id"], label="Yes")
    expenses = await rig.next_question(sam, paid)
    assert "spent" in expenses["text"]
    with rig.db.session() as session:
        assert session.exec(select(Answer.value).where(Answer.step_id == "paid")).one() == "yes"
    # the spinner is stopped after all: the answer was tried again within Telegram's 15 s
    assert len(await rig.client.wait_for_callback_answers(sam["id"], count=1, timeout=5)) == 1


async def test_repeated_update_is_processed_once(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    await _due(rig)
    paid = await rig.next_question(sam, welcome)
    await rig.client.press_button(sam["id"], paid["message_id"], label="Yes")
    expenses = await rig.next_question(sam, paid)
    update_id = await rig.client.send_text(sam["id"], "no")
    heard = await rig.next_question(sam, expenses)

    await rig.client.replay_update(update_id)  # Telegram delivers the same update again
    await rig.quiet(sam, heard, seconds=1.5)
    with rig.db.session() as session:
        assert len(session.exec(select(Answer).where(Answer.step_id == "expenses")).all()) == 1
        assert len(session.exec(select(Flag).where(Flag.need == "expenses")).all()) == 1


async def test_declining_consent_keeps_nothing(harness: Harness) -> None:
    rig = harness
    kim = await rig.client.create_user("Kim")
    await rig.client.send_command(kim["id"], "/start", rig.invite())
    consent = await rig.client.wait_for_bot_message(kim["id"])
    await rig.client.press_button(kim["id"], consent["message_id"], label="No thanks")
    reply = await rig.next_message(kim, consent)
    assert "haven't kept anything" in reply["text"]
    with rig.db.session() as session:
        assert session.exec(select(Person).where(Person.telegram_user_id == kim["id"])).first() is None
        assert session.exec(select(Checkin)).all() == []


async def test_wrong_or_used_invite_is_refused_kindly(harness: Harness) -> None:
    rig = harness
    code = rig.invite()
    first = await rig.client.create_user("First")
    await rig.client.send_command(first["id"], "/start", code)
    consent = await rig.client.wait_for_bot_message(first["id"])
    await rig.client.press_button(first["id"], consent["message_id"], label="Yes, that's OK")  # used up now
    await rig.next_message(first, consent)
    for name, payload in (("Second", code), ("Third", "made-up-code")):
        user = await rig.client.create_user(name)
        await rig.client.send_command(user["id"], "/start", payload)
        reply = await rig.client.wait_for_bot_message(user["id"])
        assert "doesn't work any more" in reply["text"]
        assert not reply.get("buttons")


async def test_names_with_html_are_escaped(harness: Harness) -> None:
    rig = harness
    user = await rig.client.create_user("<b>Jo & co</b>")
    await rig.client.send_command(user["id"], "/start", rig.invite())
    consent = await rig.client.wait_for_bot_message(user["id"])
    assert "<b>Jo & co</b>" in consent["text"]
    assert (await rig.client.stats())["violations"] == []


async def test_open_flags_listed_for_the_project(harness: Harness) -> None:
    """The alert lists every open flag of the project, not just the newest."""
    rig = harness
    for name in ("Sam", "Ola"):
        user, welcome = await rig.join(name)
        await _due(rig)
        paid = await rig.next_question(user, welcome)
        await rig.client.press_button(user["id"], paid["message_id"], label="Not yet")
        detail = await rig.next_question(user, paid)
        await rig.client.send_text(user["id"], "pause")
        await rig.next_message(user, detail)
    with rig.db.session() as session:
        assert len(flags.open_flags_for_projects(session, ["carers"])) == 2


async def test_a_button_sent_before_the_readable_prefixes_still_answers(harness: Harness) -> None:
    """A partner taps last month's message, whose buttons carry the old ``a:`` data."""
    rig = harness
    sam, welcome = await rig.join("Sam")
    await _due(rig)
    paid = await rig.next_question(sam, welcome)
    new_data = next(b["callback_data"] for row in paid["buttons"] for b in row if b["text"] == "Not yet")
    old_data = "a:" + new_data.removeprefix(callbacks.AnswerTap.PREFIX)
    assert new_data.startswith("ans:") and callbacks.AnswerTap.parse(old_data) == callbacks.AnswerTap.parse(new_data)
    with rig.db.session() as session:  # the same question as 0.1 sent it
        outbox.enqueue(
            session, sam["id"], "sendMessage", text_payload(paid["text"], [[("Not yet", old_data)]]), rig.clock.now()
        )
    assert rig.bot is not None and rig.bot.runtime.outbox is not None
    rig.bot.runtime.outbox.wake()
    old = await rig.next_message(sam, paid)
    await rig.client.press_button(sam["id"], old["message_id"], data=old_data)
    detail = await rig.next_question(sam, old)
    assert detail["text"] != paid["text"], "asked the same question again: the old button was not understood"
    with rig.db.session() as session:
        stored = session.exec(select(Answer).where(Answer.step_id == "paid")).all()
    assert [a.value for a in stored] == ["no"]
