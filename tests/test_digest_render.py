"""Digest rendering: hostile partner text stays escaped, long digests split at item
boundaries into valid Telegram HTML, each piece with the buttons of its flags;
anonymous answers below k never show; distress words match on whole words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core import callbacks
from bot.core.config import Settings
from bot.core.flow_registry import FlowRegistry
from bot.sandbox import rules
from bot.staff.digest import (
    FLAG_MARK,
    build_digest,
    next_slot,
    previous_slot,
    schedule_of,
)
from storage import flags
from storage.db import Database
from storage.models import Answer, Membership, Person, Project
from tests.e2e.conftest import LIBRARY

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOSTILE = ("<b>bold</b> <script>x</script> & <a href='javascript:1'>a</a> </i>" * 80)[:5000]


def _setup(db: Database, flag_count: int, anonymous_answers: int) -> Person:
    with db.session() as session:
        session.add(Project(id="p", name="<i>Project</i> & co", timezone="UTC"))
        staff = Person(telegram_user_id=1, chat_id=1, first_name="Alex")
        session.add(staff)
        session.flush()
        session.add(Membership(person_id=staff.id, project_id="p", role="facilitator", status="active"))  # type: ignore[arg-type]
        for n in range(flag_count):
            partner = Person(
                telegram_user_id=100 + n, chat_id=100 + n, first_name=f"<b>{n}</b>" + HOSTILE[:50], consent_version="1"
            )
            session.add(partner)
            session.flush()
            session.add(Membership(person_id=partner.id, project_id="p", role="partner", status="active"))  # type: ignore[arg-type]
            answer = Answer(
                person_id=partner.id,
                project_id="p",
                flow_id="after-activity",
                flow_version="1",
                step_id="paid",
                question=HOSTILE,
                value=HOSTILE,
                display=HOSTILE.replace("</i>", "\n\n</i>"),
                answered_at=NOW - timedelta(days=n % 20),
            )
            session.add(answer)
            session.flush()
            flags.open_flag(
                session,
                project_id="p",
                person_id=partner.id,
                need="payment",
                severity="high",
                note=HOSTILE,
                answer_ids=[answer.id],
                now=NOW - timedelta(hours=n),
            )  # type: ignore[list-item]
        for _ in range(anonymous_answers):
            session.add(
                Answer(
                    project_id="p",
                    flow_id="pulse",
                    flow_version="1",
                    step_id="ladder",
                    question="Which is closest?",
                    value="partners",
                    display="We decide things together",
                    anonymous=True,
                    answered_at=NOW - timedelta(days=2),
                )
            )
        session.commit()
        session.refresh(staff)
        return staff


def _render(db: Database, staff: Person, settings: Settings | None = None) -> list[dict[str, object]]:
    settings = settings or Settings()
    with db.session() as session:
        built = build_digest(
            session, settings, FlowRegistry.from_directory(LIBRARY), staff, ["p"], NOW - timedelta(days=1), NOW
        )
        return built.messages


def test_hostile_text_renders_valid_and_splits_at_items(db: Database) -> None:
    staff = _setup(db, flag_count=40, anonymous_answers=0)
    messages = _render(db, staff)
    assert len(messages) > 1
    seen: list[int] = []
    for message in messages:
        html = str(message["text"])
        parsed = rules.check_text(html, "HTML")  # raises on invalid HTML or over 4096 characters
        assert len(parsed.text) <= 4096
        assert "<script>" not in html and "&lt;script&gt;" in html
        ids = [int(i) for i in FLAG_MARK.findall(html)]
        buttons = message.get("buttons") or []
        assert [callbacks.FlagAction.parse(row[-1][1]).flag_id for row in buttons] == ids  # type: ignore[index, union-attr]
        assert all(len(data.encode()) <= 64 for row in buttons for _, data in row)  # type: ignore[union-attr]
        seen += ids
    assert sorted(seen) == list(range(1, 41))  # every flag exactly once


def test_anonymous_answers_only_from_k_partners(db: Database) -> None:
    staff = _setup(db, flag_count=1, anonymous_answers=2)
    below = "\n".join(str(m["text"]) for m in _render(db, staff))
    assert "Not enough answers to show without identifying anyone" in below
    assert "We decide things together" not in below
    with db.session() as session:
        session.add(
            Answer(
                project_id="p",
                flow_id="pulse",
                flow_version="1",
                step_id="ladder",
                question="Which is closest?",
                value="partners",
                display="We decide things together",
                anonymous=True,
                answered_at=NOW - timedelta(days=1),
            )
        )
        session.commit()
    above = "\n".join(str(m["text"]) for m in _render(db, staff))
    assert "We decide things together: 3" in above


def test_nothing_new_is_one_line_or_skipped(db: Database) -> None:
    staff = _setup(db, flag_count=0, anonymous_answers=0)
    messages = _render(db, staff)
    assert len(messages) == 1 and "Nothing new" in str(messages[0]["text"]) and "\n" not in str(messages[0]["text"])
    assert _render(db, staff, Settings.model_validate({"digest": {"skip_empty": True}})) == []


def test_schedule_in_the_facilitators_time_zone() -> None:
    settings = Settings.model_validate(
        {"digest": {"people": [{"telegram_id": 1, "days": ["mon"], "time": "08:30", "timezone": "Europe/London"}]}}
    )
    schedule = schedule_of(settings, Person(telegram_user_id=1, chat_id=1), [])
    summer = datetime(2026, 7, 1, tzinfo=UTC)  # a Wednesday; London is UTC+1
    assert next_slot(schedule, summer) == datetime(2026, 7, 6, 7, 30, tzinfo=UTC)
    assert previous_slot(schedule, summer) == datetime(2026, 6, 29, 7, 30, tzinfo=UTC)


def test_cli_digest_dry_run_and_flags_export(
    tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    url = f"sqlite:///{tmp_path}/cli.db"  # type: ignore[operator]
    db = Database(url)
    db.upgrade()
    _setup(db, flag_count=2, anonymous_answers=0)
    db.dispose()
    config = tmp_path / "config.toml"  # type: ignore[operator]
    config.write_text(
        f'[storage]\nurl = "{url}"\n[flows]\ndirectory = "{LIBRARY}"\n[[projects]]\nid = "p"\nname = "P"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "digest", "--facilitator", "1", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Your digest, Alex" in out and "[Resolve #1]" in out and "<b>#" not in out
    assert (
        main(["--config", str(config), "flags", "export", "--format", "csv", "--project", "p", "--status", "open"]) == 0
    )
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("flag,project,need") and len(rows) == 3
    assert "script" not in "\n".join(rows)  # no partner text in exports
    assert main(["--config", str(config), "flags", "list", "--need", "payment"]) == 0
    assert "2 flag(s)." in capsys.readouterr().out
