"""`checkin partners import/export` and `checkin audit`, run as the console script runs them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from storage.db import Database
from storage.models import AuditEvent, Invite

LIBRARY = Path(__file__).parents[1] / "flows" / "library"


@pytest.fixture
def config(tmp_path: Path, db: Database, database_url: str) -> list[str]:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[storage]\nurl = "{database_url}"\n[flows]\ndirectory = "{LIBRARY}"\n'
        '[[projects]]\nid = "carers"\nname = "Carers\' Voice"\n'
        '[[projects]]\nid = "peers"\nname = "Peer Voices"\n',
        encoding="utf-8",
    )
    return ["--config", str(path)]


def test_bad_rows_are_all_reported_and_nothing_is_imported(
    config: list[str], db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "partners.csv"
    source.write_text(
        "name,project,role,expires\n"
        "Sam,carers,,\n"
        ",carers,,\n"
        "Ola,nowhere,,\n"
        "Kim,carers,boss,\n"
        "Jo,peers,,soon\n"
        "sam,carers,,\n",
        encoding="utf-8",
    )
    assert main([*config, "partners", "import", str(source)]) == 1
    err = capsys.readouterr().err
    for line, why in (
        (3, "the name is empty"),
        (4, "no project 'nowhere'"),
        (5, "role must be partner or facilitator"),
        (6, "expires must be like 7d"),
        (7, "same name and project as line 2"),
    ):
        assert f"line {line}: {why}" in err
    assert "Nothing imported: 5 row(s)" in err
    with db.session() as session:
        assert session.exec(select(Invite)).all() == []


def test_good_rows_become_one_invite_each_and_names_stay_out_of_the_database(
    config: list[str], db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "partners.csv"
    source.write_text("Name,Project,Expires\nSam,carers,\nOla,peers,2w\n", encoding="utf-8")
    assert main([*config, "partners", "import", str(source)]) == 0
    assert "Invite links written to" in capsys.readouterr().out
    rows = list(csv.DictReader((tmp_path / "partners-links.csv").open(encoding="utf-8")))
    assert [(r["name"], r["project"], r["role"]) for r in rows] == [
        ("Sam", "carers", "partner"),
        ("Ola", "peers", "partner"),
    ]
    with db.session() as session:
        invites = {i.code: i for i in session.exec(select(Invite))}
        assert {r["link"].rsplit("start=", 1)[1] for r in rows} == set(invites)
        assert all(i.uses_left == 1 for i in invites.values())
        assert (
            session.exec(select(AuditEvent).where(AuditEvent.action == "import")).one().detail.startswith("2 invite(s)")
        )
    assert main([*config, "partners", "export"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "project,name,status,joined_at,consent_version,last_answered"
    assert main([*config, "audit", "--since", "1d"]) == 0
    out = capsys.readouterr().out
    assert "import" in out and "export" in out


def test_invite_accepts_spans_and_uses(config: list[str], db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*config, "invite", "--project", "carers", "--expires", "12h", "--uses", "3"]) == 0
    with db.session() as session:
        invite = session.exec(select(Invite)).one()
        assert invite.uses_left == 3
        assert round((invite.expires_at - invite.created_at).total_seconds() / 3600) == 12
    with pytest.raises(SystemExit):
        main([*config, "invite", "--project", "carers", "--expires", "soon"])
