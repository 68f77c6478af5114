"""Storage query functions, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from storage import (
    checkins,
    flags,
    inbox,
    invites,
    leases,
    outbox,
    people,
    projects,
    updates,
)
from storage.db import Database, SchemaOutOfDate
from storage.models import Answer, Checkin, FlagEvent, Invite

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _partner(db: Database, telegram_id: int = 1001) -> int:
    with db.session() as session:
        projects.sync_project(session, "p1", "Project one", "Europe/London")
        person = people.upsert_person(session, telegram_id, telegram_id, "Sam")
        people.record_consent(session, person, "1", NOW)
        return person.id  # type: ignore[return-value]


def _schedule(session: Session, person_id: int, project_id: str, flow_id: str, due_at: datetime) -> Checkin:
    """A scheduled check-in, with its id."""
    checkin = Checkin(person_id=person_id, project_id=project_id, flow_id=flow_id, due_at=due_at)
    session.add(checkin)
    session.flush()
    return checkin


def test_unmigrated_database_is_refused(empty_database_url: str) -> None:
    database = Database(empty_database_url)
    with pytest.raises(SchemaOutOfDate, match="checkin db upgrade"):
        database.check_schema()
    database.dispose()


def test_times_come_back_aware_utc(db: Database) -> None:
    person_id = _partner(db)
    with db.session() as session:
        _schedule(session, person_id, "p1", "flow", NOW)
    with db.session() as session:
        [row] = checkins.claim_due_checkins(session, NOW, 10)
        assert row.due_at == NOW and row.due_at.tzinfo is not None


def test_claim_takes_only_due_rows_once(db: Database) -> None:
    person_a, person_b = _partner(db, 1), _partner(db, 2)
    with db.session() as session:
        due = _schedule(session, person_a, "p1", "flow", NOW - timedelta(minutes=1)).id
        _schedule(session, person_b, "p1", "flow", NOW + timedelta(hours=1))
    with db.session() as session:
        assert [c.id for c in checkins.claim_due_checkins(session, NOW, 10)] == [due]
    with db.session() as session:
        assert checkins.claim_due_checkins(session, NOW, 10) == []


def test_claim_waits_while_partner_is_in_another_checkin(db: Database) -> None:
    person = _partner(db)
    with db.session() as session:
        _schedule(session, person, "p1", "a", NOW - timedelta(minutes=2))
        _schedule(session, person, "p1", "b", NOW - timedelta(minutes=1))
    with db.session() as session:
        assert [c.flow_id for c in checkins.claim_due_checkins(session, NOW, 10)] == ["a"]


def test_claim_leaves_paused_and_away_partners_scheduled(db: Database) -> None:
    paused, away, back = _partner(db, 1), _partner(db, 2), _partner(db, 3)
    with db.session() as session:
        people.get_person(session, paused).paused = True  # type: ignore[union-attr]
        people.get_person(session, away).away_until = NOW + timedelta(days=1)  # type: ignore[union-attr]
        people.get_person(session, back).away_until = NOW  # type: ignore[union-attr]
        for person in (paused, away, back):
            _schedule(session, person, "p1", "flow", NOW - timedelta(minutes=1))
    with db.session() as session:
        assert [c.person_id for c in checkins.claim_due_checkins(session, NOW, 10)] == [back]
        assert len(checkins.scheduled_for(session, paused)) == len(checkins.scheduled_for(session, away)) == 1


def test_claim_over_the_weekly_cap_defers_the_row(db: Database) -> None:
    person = _partner(db)
    for days_ago in (6, 3):
        with db.session() as session:
            _schedule(session, person, "p1", f"flow{days_ago}", NOW - timedelta(days=days_ago))
        with db.session() as session:
            [row] = checkins.claim_due_checkins(session, NOW - timedelta(days=days_ago), 10, weekly_cap=2)
            checkins.save_state(session, row, "1", {}, "completed", NOW - timedelta(days=days_ago))
    with db.session() as session:
        third = _schedule(session, person, "p1", "flow", NOW).id
    with db.session() as session:
        assert checkins.claim_due_checkins(session, NOW, 10, weekly_cap=2) == []
    with db.session() as session:
        assert checkins.get_checkin(session, third).due_at == NOW + timedelta(days=1)  # type: ignore[union-attr]
        assert [c.id for c in checkins.claim_due_checkins(session, NOW + timedelta(days=1), 10, weekly_cap=2)] == [
            third
        ]


def _answered(session, person_id: int, flow_id: str, status: str, **answers: str) -> int:  # type: ignore[no-untyped-def]
    checkin = _schedule(session, person_id, "p1", flow_id, NOW)
    checkin.status = status
    for step_id, value in answers.items():
        session.add(
            Answer(
                checkin_id=checkin.id,
                person_id=person_id,
                project_id="p1",
                flow_id=flow_id,
                flow_version="1",
                step_id=step_id,
                question="?",
                value=value,
                answered_at=NOW,
            )
        )
    session.flush()
    return checkin.id  # type: ignore[return-value]


def test_last_answers_for_a_batch_are_each_partners_last_finished_check_in_of_that_flow(db: Database) -> None:
    ana, ben, cy = _partner(db, 1), _partner(db, 2), _partner(db, 3)
    with db.session() as session:
        _answered(session, ana, "after", "completed", paid="no")
        _answered(session, ana, "after", "completed", paid="yes")  # the later one counts
        _answered(session, ana, "other", "completed", paid="other flow")
        _answered(session, ana, "after", "expired", paid="not finished")
        _answered(session, ben, "after", "completed", paid="no")
        ana_now = _schedule(session, ana, "p1", "after", NOW)
        ben_now = _schedule(session, ben, "p1", "after", NOW)
        cy_now = _schedule(session, cy, "p1", "after", NOW)
        _answered(session, ben, "after", "completed", paid="after this one")  # not before ben_now
    with db.session() as session:
        batch = [checkins.get_checkin(session, c.id) for c in (ana_now, ben_now, cy_now)]  # type: ignore[arg-type]
        found = checkins.last_answers(session, batch)  # type: ignore[arg-type]
    assert found == {ana_now.id: {"paid": "yes"}, ben_now.id: {"paid": "no"}, cy_now.id: {}}


def test_follow_ups_due_are_grouped_by_partner(db: Database) -> None:
    ana, ben = _partner(db, 1), _partner(db, 2)
    with db.session() as session:
        flag = flags.open_flag(
            session, project_id="p1", person_id=ana, need="payment", severity="high", note="", answer_ids=[], now=NOW
        )
        flags.open_flag(
            session, project_id="p1", person_id=ben, need="payment", severity="high", note="", answer_ids=[], now=NOW
        )
        flag.status, flag.follow_up = "resolved", "pending"
    with db.session() as session:
        due = flags.follow_ups_due(session, [ana, ben])
        assert list(due) == [ana] and [f.id for f in due[ana]] == [flag.id]


def test_only_stale_rows_the_bot_could_not_send_are_missed(db: Database) -> None:
    person, paused = _partner(db, 1), _partner(db, 2)
    with db.session() as session:
        people.get_person(session, paused).paused = True  # type: ignore[union-attr]
        stale = _schedule(session, person, "p1", "a", NOW - timedelta(hours=8)).id
        _schedule(session, person, "p1", "b", NOW - timedelta(hours=2))  # still inside its window
        _schedule(session, paused, "p1", "a", NOW - timedelta(hours=8))  # waits for /resume
    with db.session() as session:
        grace = NOW - timedelta(hours=6)
        assert checkins.close_missed(session, NOW, grace, seen_until=NOW - timedelta(hours=9)) == []  # came due since
        assert [c.id for c in checkins.close_missed(session, NOW, grace, seen_until=NOW)] == [stale]


def test_repeat_report_adds_evidence_to_the_open_flag(db: Database) -> None:
    person = _partner(db)
    with db.session() as session:
        answer_ids = []
        for n in range(2):
            answer = checkins.add_answer(
                session,
                person_id=person,
                project_id="p1",
                flow_id="f",
                flow_version="v",
                step_id="paid",
                question="Paid?",
                value="no",
                display="Not yet",
                answered_at=NOW,
            )
            answer_ids.append(checkins.answer_id(session, answer))
            flags.open_flag(
                session,
                project_id="p1",
                person_id=person,
                need="payment",
                severity="low" if n == 0 else "high",
                note="late",
                answer_ids=[answer_ids[-1]],
                now=NOW,
            )
    with db.session() as session:
        [(flag, owner)] = flags.open_flags_for_projects(session, ["p1"])
        assert owner is not None and owner.id == person
        assert flag.severity == "high"
        assert [a.id for a in flags.evidence_of(session, flag.id)] == answer_ids  # type: ignore[arg-type]
        actions = [e.action for e in session.exec(select(FlagEvent).order_by(FlagEvent.id))]
        assert actions == ["opened", "evidence"]


def test_alerts_are_due_for_fresh_open_flags_of_the_asked_severities_only(db: Database) -> None:
    people_ids = [_partner(db, 2000 + n) for n in range(5)]
    with db.session() as session:
        made = {
            name: flags.open_flag(
                session,
                project_id="p1",
                person_id=person,
                need=name,
                severity=severity,
                note="",
                answer_ids=[],
                now=NOW,
            )
            for person, (name, severity) in zip(
                people_ids,
                [("low", "low"), ("high", "high"), ("urgent", "urgent"), ("told", "urgent"), ("closed", "high")],
                strict=True,
            )
        }
        flags.claim_for_alert(session, [made["told"]], NOW)
        flags.change(session, made["closed"], "resolved", None, "sorted", NOW)
    with db.session() as session:
        assert [f.need for f in flags.flags_not_alerted(session, "p1", ["urgent"])] == ["urgent"]
        assert sorted(f.need for f in flags.flags_not_alerted(session, "p1", ["urgent", "high"])) == ["high", "urgent"]
        assert flags.flags_not_alerted(session, "p2", ["urgent", "high"]) == []


def test_a_partners_message_reads_them_and_their_checkin_as_typed_plain_rows(db: Database) -> None:
    person = _partner(db)
    with db.session() as session:
        people.save_profile(
            session, people.get_person(session, person), {"access_needs": ["plain_text"], "quiet_hours": "21:00-07:00"}
        )  # type: ignore[arg-type]
        checkin = _schedule(session, person, "p1", "f", NOW)
        checkins.save_state(session, checkin, "v1", {"step": "paid", "answers": {"paid": "no"}}, None, NOW)
    with db.session() as session:
        assert checkins.partner_checkin_and_prompt(session, 999) == (None, None, False)
        partner, active, prompted = checkins.partner_checkin_and_prompt(session, 1001)
        assert partner is not None and (partner.id, partner.first_name, partner.access_needs, partner.quiet_hours) == (
            person,
            "Sam",
            ["plain_text"],
            "21:00-07:00",
        )
        assert active is None and not prompted  # scheduled, not under way
        session.execute(update(Checkin).values(status="active"))
        flags.set_prompt(session, person, "idea", 0, NOW)
    with db.session() as session:
        _, active, prompted = checkins.partner_checkin_and_prompt(session, 1001)
        assert active is not None and prompted
        assert (active.flow_version, active.state, active.finished_at) == (
            "v1",
            {"step": "paid", "answers": {"paid": "no"}},
            None,
        )


def test_invite_is_single_use_and_expires(db: Database) -> None:
    _partner(db)
    with db.session() as session:
        code = invites.create_invite(session, "p1", "partner", NOW, timedelta(days=1)).code
        old = invites.create_invite(session, "p1", "partner", NOW - timedelta(days=2), timedelta(days=1)).code
    with db.session() as session:
        assert invites.redeem_invite(session, code, NOW) is not None
        assert invites.redeem_invite(session, code, NOW) is None
        assert invites.redeem_invite(session, old, NOW) is None
        assert invites.redeem_invite(session, "not-a-code", NOW) is None


def test_a_single_use_invite_lets_in_one_of_two_people_using_it_at_once(db: Database) -> None:
    """Two transactions redeem the same single-use code, neither committing until both have
    tried: one gets in (a read, then a write of the count, let both in)."""
    _partner(db)
    with db.session() as session:
        code = invites.create_invite(session, "p1", "partner", NOW, timedelta(days=1)).code
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def redeem() -> None:
        try:
            with db.session() as session:
                redeemed = invites.redeem_invite(session, code, NOW) is not None
                # both hold their transaction open until both have tried (or a lock makes one wait)
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(timeout=2)
            results.append(redeemed)
        except OperationalError:  # SQLite: the second writer is told the database is busy
            results.append(False)

    threads = [threading.Thread(target=redeem) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, True]
    with db.session() as session:
        assert session.get(Invite, code).uses_left == 0  # type: ignore[union-attr]


def test_two_check_ins_ending_at_once_alert_a_flag_once(db: Database) -> None:
    """Both read the flag as not yet alerted; only one of them may alert it."""
    person_id = _partner(db)
    with db.session() as session:
        flags.open_flag(
            session,
            project_id="p1",
            person_id=person_id,
            need="payment",
            severity="high",
            note="",
            answer_ids=[],
            now=NOW,
        )
    claimed: list[int] = []
    barrier = threading.Barrier(2)

    def alert() -> None:
        try:
            with db.session() as session:
                fresh = flags.flags_not_alerted(session, "p1", ["high"])
                with contextlib.suppress(threading.BrokenBarrierError):  # both have read before either claims
                    barrier.wait(timeout=2)
                claimed.append(len(flags.claim_for_alert(session, fresh, NOW)))
        except OperationalError:  # SQLite: the second writer is told the database is busy
            claimed.append(0)

    threads = [threading.Thread(target=alert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(claimed) == [0, 1]


def test_update_is_claimed_once(db: Database) -> None:
    with db.session() as session:
        assert updates.claim_update(session, 42, NOW)
    with db.session() as session:
        assert not updates.claim_update(session, 42, NOW)


def test_outbox_keeps_each_chat_in_order(db: Database) -> None:
    with db.session() as session:
        for n in range(3):
            outbox.enqueue(session, 7, "sendMessage", {"text": f"m{n}"}, NOW)
        outbox.enqueue(session, 8, "sendMessage", {"text": "other"}, NOW)
    with db.session() as session:
        first = outbox.claim_sendable(session, NOW, 10)
    assert [(m.chat_id, m.payload["text"]) for m in first] == [(7, "m0"), (7, "m1"), (7, "m2"), (8, "other")]
    with db.session() as session:
        outbox.retry_later(session, first[0].id, NOW + timedelta(seconds=5), "429")  # type: ignore[arg-type]
        outbox.retry_later(session, first[1].id, NOW, "behind")  # type: ignore[arg-type]
    with db.session() as session:
        # chat 7's first message waits, so nothing of chat 7 may overtake it
        assert outbox.claim_sendable(session, NOW, 10) == []


def test_oldest_waiting_is_the_longest_wait_of_a_message_only_the_sender_holds_back(db: Database) -> None:
    """How far behind the sender is: a pending message first in its chat counts; one
    waiting for its retry does not, nor one already sent, claimed (the sender measures
    those itself), or queued behind its own chat's earlier messages (merely paced)."""
    with db.session() as session:
        assert outbox.oldest_waiting(session, NOW) is None
        outbox.enqueue(session, 7, "sendMessage", {"text": "sent"}, NOW - timedelta(seconds=50))
        outbox.enqueue(session, 8, "sendMessage", {"text": "retried later"}, NOW - timedelta(seconds=40))
        outbox.enqueue(session, 9, "sendMessage", {"text": "claimed"}, NOW - timedelta(seconds=30))
        outbox.enqueue(session, 10, "sendMessage", {"text": "pending"}, NOW - timedelta(seconds=10))
    with db.session() as session:
        sent, retried, claimed = outbox.claim_sendable(session, NOW, 3)
        assert outbox.begin_send(session, sent.id, sent.claimed_at, NOW)
        outbox.mark_sent(session, sent.id, 1, NOW)
        outbox.retry_later(session, retried.id, NOW + timedelta(seconds=5), "429")
        outbox.enqueue(session, 9, "sendMessage", {"text": "behind the claimed one"}, NOW - timedelta(seconds=20))
    with db.session() as session:
        assert outbox.oldest_waiting(session, NOW) == NOW - timedelta(seconds=10)  # chat 10's
        outbox.release(session, [claimed.id], claimed.claimed_at)
        assert outbox.oldest_waiting(session, NOW) == NOW - timedelta(seconds=30)  # pending again, first in chat 9
        assert outbox.oldest_waiting(session, NOW + timedelta(seconds=5)) == NOW - timedelta(
            seconds=40
        )  # the retry is due


def test_a_claim_takes_a_few_of_each_chat_so_a_backlog_never_fills_it(db: Database) -> None:
    """500 messages queued for one chat, then one each for three partners: a claim of 10
    takes the busy chat's first three and every partner's, oldest first."""
    with db.session() as session:
        for n in range(500):
            outbox.enqueue(session, 1, "sendMessage", {"text": f"alert {n}"}, NOW)
        for chat in (2, 3, 4):
            outbox.enqueue(session, chat, "sendMessage", {"text": "a reply"}, NOW)
    with db.session() as session:
        claimed = outbox.claim_sendable(session, NOW, 10)
    assert [(m.chat_id, m.payload["text"]) for m in claimed] == [
        (1, "alert 0"),
        (1, "alert 1"),
        (1, "alert 2"),
        (2, "a reply"),
        (3, "a reply"),
        (4, "a reply"),
    ]
    with db.session() as session:
        assert outbox.claim_sendable(session, NOW, 10) == []  # every chat has messages in hand


def test_queued_messages_are_written_in_order_at_the_commit_and_dropped_on_rollback(db: Database) -> None:
    """``enqueue`` keeps rows in the session until the commit (nothing in a unit of work
    reads its own replies back), writes them in order, and a unit of work that fails
    sends nothing."""
    with db.session() as session:
        outbox.enqueue(session, 7, "sendMessage", {"text": "first"}, NOW)
        outbox.enqueue(session, 7, "sendMessage", {"text": "second"}, NOW)
        assert outbox.messages_for_chat(session, 7) == []  # not yet: SQLite's write lock waits for the commit
    with pytest.raises(RuntimeError), db.session() as session:
        outbox.enqueue(session, 7, "sendMessage", {"text": "never"}, NOW)
        raise RuntimeError("the unit of work failed")
    with db.session() as session:
        assert [m.payload["text"] for m in outbox.messages_for_chat(session, 7)] == ["first", "second"]
        outbox.enqueue(session, 8, "sendMessage", {"text": "at commit"}, NOW)
    with db.session() as session:
        assert [m.status for m in outbox.messages_for_chat(session, 8)] == ["pending"]


def test_queued_state_is_seen_by_the_next_statement_and_answers_get_ids_on_demand_in_order(db: Database) -> None:
    """A check-in's state is queued (storage/queued.py) but written before the session's
    next statement, so the unit of work reads what it wrote; answers wait for the commit,
    and one asked for its id (a flag's evidence) is written then, after those before it."""
    person = _partner(db)
    with db.session() as session:
        checkin = _schedule(session, person, "p1", "f", NOW)
    with db.session() as session:
        checkin = session.get(Checkin, checkin.id)
        assert checkin is not None
        fields = {
            "checkin_id": checkin.id,
            "person_id": person,
            "project_id": "p1",
            "flow_id": "f",
            "flow_version": "v",
            "answered_at": NOW,
        }
        first = checkins.add_answer(session, step_id="a", question="A?", value="1", **fields)
        second = checkins.add_answer(session, step_id="b", question="B?", value="2", **fields)
        checkins.save_state(session, checkin, "v", {"step": "c"}, "completed", NOW)
        assert checkin.status == "completed" and checkin not in session.dirty
        assert session.exec(select(Checkin.status).where(Checkin.id == checkin.id)).one() == "completed"
        assert checkins.answers_of_checkin(session, checkin.id) == []  # type: ignore[arg-type]
        second_id = checkins.answer_id(session, second)
        assert "id" not in first
        checkins.add_answer(session, step_id="c", question="C?", value="3", **fields)
    with db.session() as session:
        stored = checkins.answers_of_checkin(session, checkin.id)  # type: ignore[arg-type]
        assert [a.step_id for a in stored] == ["a", "b", "c"]
        assert stored[1].id == second_id and stored[0].id < second_id < stored[2].id  # type: ignore[operator]
        assert session.get(Checkin, checkin.id).state == {"step": "c"}  # type: ignore[union-attr]


def test_a_queued_write_that_fails_raises_as_sqlalchemy_would_without_the_partners_words(db: Database) -> None:
    """Queued writes run on the driver's cursor; a failure still arrives as SQLAlchemy's
    IntegrityError (nothing else changes for the caller), rolls the unit back, and its
    message never quotes the parameters: those are a partner's words, and errors are logged."""
    person = _partner(db)
    fields = {"person_id": person, "project_id": "p1", "flow_id": "f", "flow_version": "v", "answered_at": NOW}
    with pytest.raises(IntegrityError) as raised, db.session() as session:
        outbox.enqueue(session, 7, "sendMessage", {"text": "not sent"}, NOW)
        checkins.add_answer(session, checkin_id=424242, step_id="a", question="A?", value="my private words", **fields)
    assert "my private words" not in str(raised.value)
    with db.session() as session:
        assert outbox.messages_for_chat(session, 7) == []
    with pytest.raises(IntegrityError) as raised, db.session() as session:  # written early through SQLAlchemy itself
        answer = checkins.add_answer(
            session, checkin_id=424242, step_id="a", question="A?", value="my private words", **fields
        )
        checkins.answer_id(session, answer)
    assert "my private words" not in str(raised.value)


def test_interrupted_sends_become_uncertain(db: Database) -> None:
    """A dead process's claimed rows were never sent (pending again); its
    ``sending`` rows may have arrived (uncertain, never resent)."""
    with db.session() as session:
        outbox.enqueue(session, 7, "sendMessage", {"text": "m"}, NOW)
        outbox.enqueue(session, 8, "sendMessage", {"text": "m"}, NOW)
    with db.session() as session:
        claimed = outbox.claim_sendable(session, NOW, 10)
        assert outbox.begin_send(session, claimed[0].id, NOW, NOW)  # type: ignore[arg-type]
    with db.session() as session:
        assert outbox.settle_interrupted(session, NOW + timedelta(minutes=5)) == (1, 1)
        assert outbox.messages_for_chat(session, 7)[0].status == "uncertain"
        assert outbox.messages_for_chat(session, 8)[0].status == "pending"
    with db.session() as session:  # a claim that expired and was taken over cannot send
        [again] = outbox.claim_sendable(session, NOW + timedelta(minutes=6), 10)
        assert not outbox.begin_send(session, again.id, NOW, NOW)  # type: ignore[arg-type]


def test_a_lease_has_one_holder_until_it_runs_out_or_is_released(db: Database) -> None:
    minute = timedelta(minutes=1)
    with db.session() as session:
        assert leases.hold(session, "outbox", "a", NOW, minute)
        assert not leases.hold(session, "outbox", "b", NOW, minute)
        assert leases.hold(session, "outbox", "a", NOW + timedelta(seconds=50), minute)  # renewed
        assert not leases.hold(session, "outbox", "b", NOW + timedelta(seconds=100), minute)
        assert leases.hold(session, "outbox", "b", NOW + timedelta(seconds=111), minute)  # a's ran out
        assert not leases.hold(session, "outbox", "a", NOW + timedelta(seconds=112), minute)
        leases.release(session, "outbox", "b")
        assert leases.hold(session, "outbox", "a", NOW + timedelta(seconds=113), minute)


def test_webhook_updates_stored_together_keep_one_copy_each_and_settle_by_claim(db: Database) -> None:
    """The webhook's group commit stores and settles many updates in one statement each:
    a redelivery, even inside the same batch, is reported as a repeat and stored once."""
    with db.session() as session:
        assert inbox.store_many(
            session, [(1, 10, {"update_id": 1}, NOW), (2, 20, {"update_id": 2}, NOW), (1, 10, {"update_id": 1}, NOW)]
        ) == [True, True, False]
    with db.session() as session:
        assert inbox.store_many(session, [(2, 20, {"update_id": 2}, NOW), (3, None, {"update_id": 3}, NOW)]) == [
            False,
            True,
        ]
    with db.session() as session:
        claimed = inbox.claim(session, NOW, timedelta(minutes=2), 10)
    assert [(row.update_id, row.chat_id, row.payload) for row in claimed] == [
        (1, 10, {"update_id": 1}),
        (2, 20, {"update_id": 2}),
        (3, None, {"update_id": 3}),
    ]
    with db.session() as session:
        inbox.finish_many(
            session, [([1], NOW, "done"), ([3], NOW, "failed"), ([2], NOW - timedelta(minutes=5), "done")]
        )
        assert inbox.counts(session) == {"done": 1, "failed": 1, "processing": 1}  # 2's claim was not NOW's: left alone
