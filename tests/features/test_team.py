"""Messages to the team, in process: the thread, several projects, /mydata and /forget."""

from __future__ import annotations

import json
from base64 import b64decode

from sqlmodel import select

from bot import front_door
from bot.core import texts
from bot.core.callbacks import PromptChoice, TeamAction, TeamProject
from bot.core.config import ProjectSettings
from bot.core.runtime import Runtime
from bot.partners import forget, mydata
from bot.partners import team as partner_team
from bot.staff import prompts as staff_prompts
from bot.staff import team as staff_team
from storage import projects
from storage.models import TeamMessage
from tests.features.conftest import (
    PROJECT_NAME,
    NextUpdate,
    introduce,
    join,
    last_said,
    messages,
    person,
    render,
    said,
)

REPLY = "Thursday at 2pm, Sam, in the library."


def _thread(rt: Runtime) -> list[tuple[bool, str]]:
    with rt.db.session() as session:
        return [(m.author_id is None, m.text) for m in session.exec(select(TeamMessage).order_by(TeamMessage.id))]


def test_a_bare_team_command_waits_for_the_next_message_then_the_reply_needs_send(
    rt: Runtime, next_update: NextUpdate
) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    partner_team.team_command(rt, next_update(), sam, "")
    assert last_said(rt, sam.chat_id) == texts.TEAM_ASK
    front_door.receive_text(rt, next_update(), sam, "When is the next meeting?")
    assert last_said(rt, sam.chat_id) == render(texts.TEAM_SENT, first_name="Sam", project_name=PROJECT_NAME)
    assert _thread(rt) == [(True, "When is the next meeting?")]

    staff_team.press(rt, next_update(), alex, TeamAction("reply", 1))
    front_door.receive_text(rt, next_update(), alex, "Thursday at 2, Sam.")
    heard = len(said(rt, sam.chat_id))
    assert "This will be sent to Sam" in last_said(rt, alex.chat_id)
    staff_prompts.press(rt, next_update(), alex, PromptChoice("edit", "m", 1))
    front_door.receive_text(rt, next_update(), alex, REPLY)
    staff_prompts.press(rt, next_update(), alex, PromptChoice("send", "m", 1))
    assert said(rt, sam.chat_id)[heard:] == [
        render(
            texts.TEAM_REPLY_TO_PARTNER,
            author="Alex",
            project_name=PROJECT_NAME,
            reply="Thursday at 2pm, Sam, in the library.",
        )
    ]
    assert _thread(rt)[-1] == (False, REPLY)


def test_a_partner_in_two_projects_chooses_the_team(rt: Runtime, next_update: NextUpdate) -> None:
    introduce(rt, next_update)
    sam = join(rt, next_update)
    rt.settings.projects.append(ProjectSettings(id="young", name="Young Voices"))
    with rt.db.session() as session:
        projects.sync_project(session, "young", "Young Voices", "UTC")
        sam_row = person(rt, sam)
        assert sam_row is not None and sam_row.id is not None
        projects.ensure_membership(session, sam_row.id, "young", "partner", "active")
    front_door.receive_text(rt, next_update(), sam, "I can't make Tuesday")
    question = messages(rt, sam.chat_id)[-1]
    assert question.payload["text"] == texts.TEAM_WHICH_PROJECT
    assert [label for row in question.payload["buttons"] for label, _ in row] == [PROJECT_NAME, "Young Voices"]
    assert _thread(rt) == []
    partner_team.choose_project(rt, next_update(), sam, TeamProject(1))
    assert last_said(rt, sam.chat_id) == render(texts.TEAM_SENT, first_name="Sam", project_name="Young Voices")
    with rt.db.session() as session:
        assert [m.project_id for m in session.exec(select(TeamMessage))] == ["young"]


def test_mydata_shows_the_thread_and_forget_deletes_it(rt: Runtime, next_update: NextUpdate) -> None:
    introduce(rt, next_update)
    sam = join(rt, next_update)
    front_door.receive_text(rt, next_update(), sam, "Please call me about expenses")
    mydata.handle_mydata(rt, next_update(), sam)
    document = next(m for m in messages(rt, sam.chat_id) if m.method == "sendDocument")
    record = json.loads(b64decode(document.payload["content_b64"]))
    assert [(m["from"], m["text"]) for m in record["messages_with_the_team"]] == [
        ("you", "Please call me about expenses")
    ]
    forget.decide(rt, next_update(), sam, True)
    assert _thread(rt) == []
