"""Consent as a newcomer meets it: typing instead of tapping, saying no and coming back,
a shared single-use link, a new consent text declined and then taken up again with /resume."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.core import texts
from storage.models import Checkin, ConsentRecord, Invite, Membership, Person
from tests.e2e.conftest import Harness


def _uses_left(rig: Harness, code: str) -> int:
    with rig.db.session() as session:
        invite = session.get(Invite, code)
        assert invite is not None
        return invite.uses_left


def _person(rig: Harness, user: dict[str, Any]) -> Person | None:
    with rig.db.session() as session:
        return session.exec(select(Person).where(Person.telegram_user_id == user["id"])).first()


async def _consent_question(rig: Harness, name: str, code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    user = await rig.client.create_user(name)
    await rig.client.send_command(user["id"], "/start", code)
    consent = await rig.client.wait_for_bot_message(user["id"])
    assert "Is that OK with you?" in consent["text"] and consent["buttons"]
    return user, consent


async def test_a_typed_yes_answers_consent_and_only_then_uses_the_invite(harness: Harness) -> None:
    rig = harness
    code = rig.invite()
    sam, consent = await _consent_question(rig, "Sam", code)
    assert _uses_left(rig, code) == 1  # seeing the question uses nothing
    await rig.client.send_text(sam["id"], "Yes.")
    welcome = await rig.next_message(sam, consent)
    assert "You're in" in welcome["text"]
    assert _uses_left(rig, code) == 0
    person = _person(rig, sam)
    assert person is not None and person.consent_version == rig.settings.consent.version


async def test_anything_else_asks_again_and_a_typed_no_leaves_the_link_working(harness: Harness) -> None:
    rig = harness
    code = rig.invite()
    kim, consent = await _consent_question(rig, "Kim", code)
    await rig.client.send_text(kim["id"], "what is this about?")
    unclear = await rig.next_message(kim, consent)
    assert unclear["text"] == texts.CONSENT_TYPED_UNCLEAR
    again = await rig.next_message(kim, unclear)
    assert "Is that OK with you?" in again["text"] and again["buttons"]
    await rig.client.send_command(kim["id"], "/settings")  # a command while the question is open: asked again
    assert (await rig.next_message(kim, again))["text"] == texts.CONSENT_TYPED_UNCLEAR
    await rig.client.send_text(kim["id"], "no thanks")
    declined = await rig.message_containing(kim, again, "your invite link still works")
    assert _person(rig, kim) is None
    assert _uses_left(rig, code) == 1
    # they change their mind: the same link works
    await rig.client.send_command(kim["id"], "/start", code)
    consent = await rig.next_message(kim, declined)
    await rig.client.press_button(kim["id"], consent["message_id"], label="Yes, that's OK")
    assert "You're in" in (await rig.next_message(kim, consent))["text"]
    assert _uses_left(rig, code) == 0
    with rig.db.session() as session:
        decisions = [r.decision for r in session.exec(select(ConsentRecord).order_by(ConsentRecord.id))]
    assert decisions == ["declined", "accepted"]


async def test_a_single_use_link_shared_by_two_admits_the_first_to_say_yes(harness: Harness) -> None:
    rig = harness
    code = rig.invite()
    ann, ann_consent = await _consent_question(rig, "Ann", code)
    bea, bea_consent = await _consent_question(rig, "Bea", code)  # both see the question: nothing used yet
    await rig.client.press_button(ann["id"], ann_consent["message_id"], label="Yes, that's OK")
    assert "You're in" in (await rig.next_message(ann, ann_consent))["text"]
    await rig.client.press_button(bea["id"], bea_consent["message_id"], label="Yes, that's OK")
    refused = await rig.next_message(bea, bea_consent)
    assert refused["text"] == texts.INVITE_USED_UP_BEFORE_CONSENT
    assert _person(rig, bea) is None
    assert _uses_left(rig, code) == 0


async def test_a_partner_tapping_their_link_again_stays_in_and_uses_nothing(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    code = rig.invite()
    await rig.client.send_command(sam["id"], "/start", code)
    reply = await rig.next_message(sam, welcome)
    assert "already part of Carers' Voice" in reply["text"]
    assert _uses_left(rig, code) == 1
    with rig.db.session() as session:
        assert [m.status for m in session.exec(select(Membership))].count("active") >= 1
        person = session.exec(select(Person).where(Person.telegram_user_id == sam["id"])).one()
        membership = session.exec(select(Membership).where(Membership.person_id == person.id)).one()
        assert membership.status == "active"


async def test_declining_a_new_text_pauses_and_resume_asks_for_consent_again(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    rig.settings.consent.version = "2"  # the coordinator changed the text
    rig.clock.advance(timedelta(days=8))
    again = await rig.next_message(sam, welcome)
    consent = await rig.next_message(sam, again)
    await rig.client.press_button(sam["id"], consent["message_id"], label="No thanks")
    declined = await rig.next_message(sam, consent)
    assert "/resume" in declined["text"] and "paused" in declined["text"]
    person = _person(rig, sam)
    assert person is not None and person.paused
    await rig.client.send_command(sam["id"], "/resume")
    greeting = await rig.next_message(sam, declined)
    assert "Before check-ins start again" in greeting["text"]
    assert "Check-ins are on again" not in greeting["text"]
    shown = await rig.next_message(sam, greeting)
    assert "Is that OK with you?" in shown["text"]
    await rig.client.send_text(sam["id"], "yes")  # typed, to the new text
    thanks = await rig.next_message(sam, shown)
    assert "You're in" in thanks["text"]
    question = await rig.next_question(sam, thanks)  # the held check-in goes now
    assert "paid" in question["text"]
    person = _person(rig, sam)
    assert person is not None and not person.paused and person.consent_version == "2"
    with rig.db.session() as session:
        assert session.exec(select(Checkin).where(Checkin.status == "active")).one()


async def test_a_newcomer_whose_telegram_is_in_welsh_starts_in_welsh(harness: Harness) -> None:
    """Telegram's language_code sets the language at join, when the bot speaks it."""
    rig = harness
    for name, code, expected in (("Elin", "cy", "cy"), ("Gwen", "cy-GB", "cy"), ("Ana", "pt-BR", "en")):
        user = await rig.client.create_user(name, language_code=code)
        await rig.client.send_command(user["id"], "/start", rig.invite())
        consent = await rig.client.wait_for_bot_message(user["id"])
        await rig.client.press_button(user["id"], consent["message_id"], label="Yes, that's OK")
        await rig.next_message(user, consent)
        person = _person(rig, user)
        assert person is not None and person.language == expected, name


async def test_a_welsh_newcomer_gets_their_check_in_in_welsh(harness: Harness) -> None:
    rig = harness
    elin = await rig.client.create_user("Elin", language_code="cy")
    await rig.client.send_command(elin["id"], "/start", rig.invite())
    consent = await rig.client.wait_for_bot_message(elin["id"])
    await rig.client.send_text(elin["id"], "Ydw")  # a typed Welsh yes answers the consent
    welcome = await rig.next_message(elin, consent)
    rig.clock.advance(timedelta(days=8))
    question = await rig.next_question(elin, welcome)
    assert "Ydych chi wedi cael eich talu am eich sesiwn ddiwethaf?" in question["text"]
    assert "paid for your last session" not in question["text"]


async def test_while_consent_waits_a_sticker_caption_or_edit_asks_again_and_distress_is_answered_first(
    harness: Harness,
) -> None:
    rig = harness
    kim, consent = await _consent_question(rig, "Kim", rig.invite())
    last = consent
    await rig.client.send_sticker(kim["id"])
    await rig.client.send_photo(kim["id"], caption="what's this for?")
    typed = await rig.client.send_text(kim["id"], "hmm")
    await rig.client.edit_text(kim["id"], typed, "hmm, ok")
    for _ in range(4):  # each gets the question again, with its buttons
        unclear = await rig.next_message(kim, last)
        assert unclear["text"] == texts.CONSENT_TYPED_UNCLEAR
        last = await rig.next_message(kim, unclear)
        assert "Is that OK with you?" in last["text"] and last["buttons"]
    await rig.client.send_text(kim["id"], "I want to end my life")
    signposting = await rig.next_message(kim, last)
    assert "Samaritans" in signposting["text"]
    await rig.quiet(kim, signposting, seconds=0.5)  # signposting only: no consent question on top
    person = _person(rig, kim)
    assert person is not None and person.consent_version is None
