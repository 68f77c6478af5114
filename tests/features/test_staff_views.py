"""Staff views in process (bot/staff/views.py): /partners and /flags for
facilitators, /projects for coordinators, /digest; a polite, audited refusal
for anyone else, which says nothing about what exists."""

from __future__ import annotations

from datetime import timedelta

from bot import front_door
from bot.core import texts
from bot.core.callbacks import FlagAction
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.telegram_format import visible_length
from bot.partners import controls, onboarding
from bot.staff import views
from storage import invites, people, projects
from tests.features.conftest import (
    ALEX,
    CASEY,
    PROJECT,
    STRANGER,
    FixedClock,
    NextUpdate,
    audit_events,
    buttons,
    introduce,
    join,
    last_said,
    messages,
    open_flag,
    said,
    start_checkin,
)


def test_partners_lists_each_partner_with_their_status(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    alex = introduce(rt, next_update)
    sam, kim = join(rt, next_update, "Sam", 2001), join(rt, next_update, "Kim", 2002)
    start_checkin(rt, clock)  # Monday 8 June
    front_door.receive_text(rt, next_update(), sam, "Yes")
    controls.pause(rt, next_update(), kim)
    lee = Sender(telegram_user_id=2003, chat_id=2003, first_name="Lee")
    with rt.db.session() as session:
        code = invites.create_invite(session, PROJECT, "partner", clock.now(), timedelta(days=7)).code
    onboarding.handle_start(rt, next_update(), lee, code)  # has not consented yet

    views.handle_partners(rt, next_update(), alex)
    listing = last_said(rt, alex.chat_id)
    assert listing.startswith("<b>Carers' Voice</b>")
    assert "• Sam: active; last answered 8 Jun 2026" in listing
    assert "• Kim: paused; no answers yet" in listing
    assert "• Lee: not yet agreed to take part; no answers yet" in listing
    assert "Alex" not in listing  # staff are not partners


def test_partners_with_nobody_yet(rt: Runtime, next_update: NextUpdate) -> None:
    alex = introduce(rt, next_update)
    views.handle_partners(rt, next_update(), alex)
    assert last_said(rt, alex.chat_id) == texts.NO_PARTNERS


def test_staff_views_refuse_anyone_else(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    for outsider in (STRANGER, sam):
        for view in (views.handle_partners, views.handle_flags, views.handle_digest, views.handle_projects):
            view(rt, next_update(), outsider)
        assert said(rt, outsider.chat_id)[-4:] == [texts.NOT_ALLOWED] * 4
    assert "Sam" not in "".join(said(rt, STRANGER.chat_id))
    refused = audit_events(rt, "refused")
    assert [(e.actor_telegram_id, e.detail) for e in refused[:4]] == [
        (STRANGER.telegram_user_id, command) for command in ("/partners", "/flags", "/digest", "/projects")
    ]


def test_projects_is_for_coordinators(rt: Runtime, next_update: NextUpdate) -> None:
    alex, casey = introduce(rt, next_update, ALEX), introduce(rt, next_update, CASEY)
    sam = join(rt, next_update)
    join(rt, next_update, "Kim", 2002)
    open_flag(rt, sam)
    views.handle_projects(rt, next_update(), casey)
    assert last_said(rt, casey.chat_id) == (
        "<b>Carers' Voice</b> (carers): 2 partner(s), 1 facilitator(s), 1 open need(s), 0 unused invite(s)"
    )
    views.handle_projects(rt, next_update(), alex)  # a facilitator is not a coordinator
    assert last_said(rt, alex.chat_id) == texts.NOT_ALLOWED


def test_flags_lists_open_needs_with_their_buttons(rt: Runtime, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    views.handle_flags(rt, next_update(), alex)
    assert last_said(rt, alex.chat_id) == texts.NO_OPEN_FLAGS

    flag_id = open_flag(rt, sam)
    views.handle_flags(rt, next_update(), alex)
    alert = messages(rt, alex.chat_id)[-1]
    assert f"#{flag_id}" in alert.payload["text"] and "Sam" in alert.payload["text"]
    assert [data for _, data in buttons(alert)] == [
        FlagAction(action, flag_id).data() for action in ("acknowledge", "resolve", "wontfix")
    ]


def test_digest_now_for_a_facilitator(rt: Runtime, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    flag_id = open_flag(rt, sam)
    before = len(messages(rt, alex.chat_id))
    views.handle_digest(rt, next_update(), alex)
    digest = messages(rt, alex.chat_id)[before:]
    assert digest, "no digest was queued"
    assert any(f"#{flag_id}" in m.payload.get("text", "") for m in digest)


def test_partners_for_a_large_project_comes_in_messages_telegram_accepts(rt: Runtime, next_update: NextUpdate) -> None:
    """Over about 85 partners the list used to be one message too long for Telegram."""
    alex = introduce(rt, next_update)
    with rt.db.session() as session:
        for n in range(300):
            partner = people.upsert_person(session, 50_000 + n, 50_000 + n, f"Partner number {n:03}")
            assert partner.id is not None
            projects.ensure_membership(session, partner.id, PROJECT, "partner", "active")
    views.handle_partners(rt, next_update(), alex)
    texts_sent = [m.payload["text"] for m in messages(rt, alex.chat_id) if m.method == "sendMessage"]
    sent = [text for text in texts_sent if "Partner number" in text]
    assert len(sent) > 1 and all(visible_length(text) <= 4096 for text in sent)
    shown = "\n".join(sent)
    assert all(f"Partner number {n:03}" in shown for n in range(300))


def test_flags_for_many_needs_come_in_messages_telegram_accepts(rt: Runtime, next_update: NextUpdate) -> None:
    """A busy project's open needs, each with its buttons, split within Telegram's limits."""
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    flag_ids = [open_flag(rt, sam, need=f"need-{n}") for n in range(120)]
    before = len(messages(rt, alex.chat_id))
    views.handle_flags(rt, next_update(), alex)
    sent = messages(rt, alex.chat_id)[before:]
    assert len(sent) > 1 and all(visible_length(m.payload["text"]) <= 4096 for m in sent)
    assert all(len(buttons(m)) <= 100 for m in sent)  # Telegram's limit on buttons in one message
    shown = "\n".join(m.payload["text"] for m in sent)
    assert all(f"#{flag_id}" in shown for flag_id in flag_ids)
