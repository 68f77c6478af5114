"""What a digest and a flags export say, pinned on a small project with every kind of row
they read: flags of each status with several answers behind them (or none, or a partner
who left), trend answers over several weeks (some raising a flag, some weeks below k),
anonymous answers with ties, and partners quiet, paused, unreachable or never heard from.
Their queries are shaped for a year of data (bench/year.py): this pins what facilitators
and boards see, whatever shape the queries take."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot.core.config import Settings
from bot.core.flow_registry import FlowRegistry
from bot.staff import reports
from bot.staff.digest import build_digest, trends
from storage import flags
from storage.db import Database
from storage.models import Answer, Membership, Person, Project
from tests.e2e.conftest import LIBRARY

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAID = ("after-activity", "paid", "Have you been paid for your last session?")
EXPENSES = ("after-activity", "expenses", "Have your expenses been paid back?")
RESPECT = ("pulse", "respect", "Did you feel treated as an equal?")
HEARD_BACK = ("pulse", "heard_back", "Have you heard what came of your ideas?")


def _answer(
    session: Session,
    person: Person | None,
    step: tuple[str, str, str],
    display: str,
    at: datetime,
    *,
    anonymous: bool = False,
    skipped: bool = False,
    comment: str = "",
) -> Answer:
    flow_id, step_id, question = step
    answer = Answer(
        person_id=person.id if person else None,
        project_id="p",
        flow_id=flow_id,
        flow_version="1",
        step_id=step_id,
        question=question,
        value=display,
        display=display,
        answered_at=at,
        anonymous=anonymous,
        skipped=skipped,
        comment=comment,
    )
    session.add(answer)
    session.flush()
    return answer


def _setup(db: Database) -> Person:
    with db.session() as session:
        session.add(Project(id="p", name="Carers' Voice", timezone="UTC"))
        staff = Person(telegram_user_id=1, chat_id=1, first_name="Alex")
        session.add(staff)
        session.flush()
        session.add(Membership(person_id=staff.id, project_id="p", role="facilitator", status="active"))  # type: ignore[arg-type]
        partners: list[Person] = []
        kinds = [
            ("Ana", "active", False),
            ("Ben", "active", False),
            ("Cat", "active", False),
            ("Dev", "unreachable", False),
            ("Eve", "active", True),
            ("Fay", "active", False),  # answered long ago only: quiet
            ("Gus", "active", False),  # never answered, joined long ago: quiet
            ("Hal", "active", False),  # never answered, joined last week: not quiet
        ]
        for n, (name, status, paused) in enumerate(kinds):
            created = NOW - timedelta(days=7 if name == "Hal" else 200)
            person = Person(
                telegram_user_id=100 + n,
                chat_id=100 + n,
                first_name=name,
                status=status,
                paused=paused,
                consent_version="1",
                created_at=created,
            )
            session.add(person)
            session.flush()
            session.add(Membership(person_id=person.id, project_id="p", role="partner", status="active"))  # type: ignore[arg-type]
            partners.append(person)
        ana, ben, cat, dev, eve, fay, _, _ = partners
        left = Person(telegram_user_id=999, chat_id=999, first_name="Ida", status="left")
        session.add(left)
        session.flush()
        session.add(Membership(person_id=left.id, project_id="p", role="partner", status="left"))  # type: ignore[arg-type]

        # trends: paid and expenses (needs met) each week from three partners; trust from three
        # partners every other week (the weeks between are below k)
        evidence: dict[str, list[int]] = {"ana": [], "ben": [], "cat": [], "trust": []}
        for week in range(8):
            at = NOW - timedelta(weeks=8) + timedelta(weeks=week, days=2)
            for person, key in ((ana, "ana"), (ben, "ben"), (cat, "cat")):
                unpaid = (week + person.telegram_user_id) % 3 == 0
                answer = _answer(session, person, PAID, "Not yet" if unpaid else "Yes", at)
                if unpaid:
                    evidence[key].append(answer.id)  # type: ignore[arg-type]
                _answer(session, person, EXPENSES, "Yes", at + timedelta(hours=1))
            for person in (ana, ben, cat) if week % 2 == 0 else (ana, ben):
                respect = _answer(session, person, RESPECT, "2" if person is ben and week % 4 == 0 else "4", at)
                if person is ben and week % 4 == 0:
                    evidence["trust"].append(respect.id)  # type: ignore[arg-type]
        _answer(session, ana, PAID, "Skipped", NOW - timedelta(days=3), skipped=True)
        _answer(session, eve, HEARD_BACK, "No", NOW - timedelta(days=3))
        _answer(session, fay, PAID, "Yes", NOW - timedelta(days=40))
        _answer(session, fay, EXPENSES, "Yes", NOW - timedelta(weeks=7))  # just when the second week begins
        _answer(session, dev, PAID, "Yes", NOW - timedelta(weeks=12))  # before the chart's weeks

        # anonymous: one question with a tie (first given counts first), one below k
        for display in ("Somewhat", "A lot", "A lot", "Somewhat", "Not at all"):
            _answer(
                session,
                None,
                ("pulse", "changed", "Has anything changed?"),
                display,
                NOW - timedelta(days=5),
                anonymous=True,
            )
        _answer(
            session, None, ("pulse", "ladder", "Which is closest?"), "Told", NOW - timedelta(days=4), anonymous=True
        )
        _answer(
            session,
            None,
            ("pulse", "ladder", "Which is closest now?"),
            "Asked",
            NOW - timedelta(days=3),
            anonymous=True,
        )
        _answer(
            session, None, ("pulse", "ladder", "Which is closest?"), "Told", NOW - timedelta(days=40), anonymous=True
        )

        def flag(person: Person | None, need: str, severity: str, answer_ids: list[int], at: datetime) -> int:
            opened = flags.open_flag(
                session,
                project_id="p",
                person_id=person.id if person else None,
                need=need,
                severity=severity,
                note=f"{need} note",
                answer_ids=answer_ids,
                now=at,
            )
            return opened.id  # type: ignore[return-value]

        blank = _answer(session, cat, PAID, "Not yet\n\n  still waiting", NOW - timedelta(hours=5), comment="since May")
        flag(ana, "payment", "high", evidence["ana"], NOW - timedelta(days=20))
        flag(ben, "payment", "high", evidence["ben"][:1], NOW - timedelta(hours=2))
        flag(cat, "payment", "urgent", [*evidence["cat"], blank.id], NOW - timedelta(days=3))  # type: ignore[list-item]
        acknowledged = flag(ben, "trust", "low", evidence["trust"], NOW - timedelta(days=9))
        escalated = flag(eve, "influence", "low", [], NOW - timedelta(hours=3))
        resolved = flag(fay, "expenses", "high", [], NOW - timedelta(days=30))
        wont_fix = flag(ana, "access", "low", [], NOW - timedelta(days=12))
        flag(None, "safety", "urgent", [], NOW - timedelta(days=2))
        flag(None, "support", "low", [], NOW - timedelta(days=4))
        for flag_id, action, at in (
            (acknowledged, "acknowledged", NOW - timedelta(days=8, hours=6)),
            (escalated, "escalated", NOW - timedelta(hours=1)),
            (resolved, "acknowledged", NOW - timedelta(days=29, hours=20)),
            (resolved, "resolved", NOW - timedelta(days=20)),
            (wont_fix, "wont_fix", NOW - timedelta(days=10)),
        ):
            flags.change(session, flags.get_flag(session, flag_id), action, staff, "done", at)  # type: ignore[arg-type]
        session.commit()
        session.refresh(staff)
        return staff


def test_digest_says_the_same(db: Database) -> None:
    staff = _setup(db)
    registry = FlowRegistry.from_directory(LIBRARY)
    with db.session() as session:
        built = build_digest(session, Settings(), registry, staff, ["p"], NOW - timedelta(days=1), NOW)
        series = trends(session, registry, "p", NOW, 8, 3)
    assert [str(message["text"]) for message in built.messages] == [DIGEST]
    assert [[label for label, _ in row] for row in built.messages[0]["buttons"]] == [  # type: ignore[attr-defined]
        ["Acknowledge #1", "Resolve #1", "Won't fix #1"],
        ["Acknowledge #3", "Resolve #3", "Won't fix #3"],
        ["Acknowledge #8", "Resolve #8", "Won't fix #8"],
        ["Acknowledge #5", "Resolve #5", "Won't fix #5"],
        ["Acknowledge #2", "Resolve #2", "Won't fix #2"],
        ["Resolve #4", "Won't fix #4"],
        ["Acknowledge #9", "Resolve #9", "Won't fix #9"],
    ]
    assert built.chart_png is not None
    assert built.chart_caption == (
        "Carers' Voice, last 8 weeks: trust 67% to 100%; influence: not enough answers; needs met 83% to 86%."
    )
    assert {
        name: [None if value is None else round(value, 1) for _, value in points] for name, points in series.items()
    } == {
        "trust": [66.7, None, 100.0, None, 66.7, None, 100.0, None],
        "influence": [None] * 8,
        "needs met": [83.3, 85.7, 85.7, 83.3, 100.0, 83.3, 83.3, 85.7],
    }
    assert [at for at, _ in series["trust"]] == [NOW - timedelta(weeks=7 - week) for week in range(8)]


def test_flags_export_says_the_same(db: Database) -> None:
    _setup(db)
    settings = Settings.model_validate({"storage": {"url": db.engine.url.render_as_string(hide_password=False)}})
    assert reports.flags_csv(settings).splitlines() == [
        "flag,project,need,severity,status,opened_at,acknowledged_at,closed_at,escalated_at,follow_up,answers,"
        "hours_to_acknowledge",
        "6,p,expenses,high,resolved,2026-01-31T09:00+00:00,2026-01-31T13:00+00:00,2026-02-10T09:00+00:00,,pending,0,4.0",
        "1,p,payment,high,open,2026-02-10T09:00+00:00,,,,,2,",
        "7,p,access,low,wont_fix,2026-02-18T09:00+00:00,2026-02-20T09:00+00:00,2026-02-20T09:00+00:00,,,0,48.0",
        "4,p,trust,low,acknowledged,2026-02-21T09:00+00:00,2026-02-22T03:00+00:00,,,,2,18.0",
        "9,p,support,low,open,2026-02-26T09:00+00:00,,,,,0,",
        "3,p,payment,urgent,open,2026-02-27T09:00+00:00,,,,,4,",
        "8,p,safety,urgent,open,2026-02-28T09:00+00:00,,,,,0,",
        "5,p,influence,low,open,2026-03-02T06:00+00:00,,,2026-03-02T08:00+00:00,,0,",
        "2,p,payment,high,open,2026-03-02T07:00+00:00,,,,,1,",
    ]
    some = reports.flags_csv(
        settings,
        project_ids=["p"],
        statuses=["open"],
        need="payment",
        opened_from=NOW - timedelta(days=5),
        opened_to=NOW,
    )
    assert some.splitlines()[1:] == [
        "3,p,payment,urgent,open,2026-02-27T09:00+00:00,,,,,4,",
        "2,p,payment,high,open,2026-03-02T07:00+00:00,,,,,1,",
    ]


DIGEST = (
    "<b>Your digest, Alex</b> · new since Sun 1 Mar 09:00 UTC\n\n<b>Carers&#39; Voice</b>\n\n"
    "<b>Past their time to acknowledge (4)</b>\n\n"
    "⏰ <b>#1</b> <b>Payment</b> (high) · Ana · since 10 Feb (20 days)\npayment note\n"
    "<i>Have you been paid for your last session?</i> — Not yet\n"
    "<i>Have you been paid for your last session?</i> — Not yet\n\n"
    "⏰ <b>#3</b> <b>Payment</b> (urgent) · Cat · since 27 Feb (3 days)\npayment note\n"
    "<i>Have you been paid for your last session?</i> — Not yet\n"
    "<i>Have you been paid for your last session?</i> — Not yet\n"
    "<i>Have you been paid for your last session?</i> — Not yet\n  still waiting (also wrote: “since May”)\n\n"
    "⏰ <b>#8</b> <b>Safety</b> (urgent) · Someone (anonymous) · since 28 Feb (2 days)\nsafety note\n\n"
    "⏰ 🆕 <b>#5</b> <b>Influence</b> (low) · Eve · since 2 Mar\ninfluence note\n\n"
    "<b>New (1)</b>\n\n"
    "🆕 <b>#2</b> <b>Payment</b> (high) · Ben · since 2 Mar\npayment note\n"
    "<i>Have you been paid for your last session?</i> — Not yet\n\n"
    "<b>Still open, oldest first (2)</b>\n\n"
    "<b>#4</b> <b>Trust and respect</b> (low, acknowledged) · Ben · since 21 Feb (9 days)\ntrust note\n"
    "<i>Did you feel treated as an equal?</i> — 2\n<i>Did you feel treated as an equal?</i> — 2\n\n"
    "<b>#9</b> <b>Support</b> (low) · A partner who left · since 26 Feb (4 days)\nsupport note\n\n"
    "<b>Partners</b>\nNot heard from lately: Fay, Gus\nCan't be reached (they blocked the bot): Dev\n"
    "Paused their check-ins: Eve\n\n"
    "<b>Anonymous:</b> <i>Has anything changed?</i>\nSomewhat: 2\nA lot: 2\nNot at all: 1\n\n"
    "<b>Anonymous:</b> <i>Which is closest?</i>\n"
    "Not enough answers to show without identifying anyone (fewer than 3).\n\n"
    "Carers&#39; Voice, last 8 weeks: trust 67% to 100%; influence: not enough answers; needs met 83% to 86%."
)
