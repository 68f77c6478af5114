"""/mydata in process (bot/partners/mydata.py): a readable summary of what is kept,
and a JSON file with all of it."""

from __future__ import annotations

import base64
import json

from bot import front_door
from bot.core import texts
from bot.core.callbacks import SettingsTap
from bot.core.runtime import Runtime
from bot.partners import ideas, mydata, settings
from tests.features.conftest import (
    PROJECT,
    STRANGER,
    FixedClock,
    NextUpdate,
    audit_events,
    join,
    messages,
    said,
    start_checkin,
)


def test_summary_and_file_show_what_is_stored(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    settings.handle_tap(rt, next_update(), sam, SettingsTap("window", "17:00-20:00"), None)
    start_checkin(rt, clock)
    front_door.receive_text(rt, next_update(), sam, "Not yet")
    ideas.idea_command(rt, next_update(), sam, "Tea at the start, please")
    before = len(messages(rt, sam.chat_id))

    mydata.handle_mydata(rt, next_update(), sam)
    summary, document = messages(rt, sam.chat_id)[before:]
    text = summary.payload["text"]
    assert text.startswith("Here is what I keep about you, Sam:")
    assert f"Telegram id ({sam.telegram_user_id})" in text
    assert "Projects: Carers' Voice" in text
    assert "times: 17:00-20:00" in text
    assert "Consent: version 1, 1 decision(s) recorded" in text
    assert "Check-ins: 1, with 1 answer(s)" in text
    assert "Needs you told us about: 1" in text
    assert "Ideas: 1" in text

    assert document.method == "sendDocument" and document.payload["filename"] == mydata.FILENAME
    record = json.loads(base64.b64decode(document.payload["content_b64"]))
    assert record["profile"]["first_name"] == "Sam" and "id" not in record["profile"]
    assert [p["project_id"] for p in record["projects"]] == [PROJECT]
    assert [a["step_id"] for a in record["answers"]] == ["paid"]
    assert record["answers"][0]["question"] == "Have you been paid for your last session?"
    assert [f["need"] for f in record["flags"]] == ["payment"]
    assert [i["text"] for i in record["ideas"]] == ["Tea at the start, please"]
    assert [e.actor_telegram_id for e in audit_events(rt, "export")] == [sam.telegram_user_id]


def test_mydata_for_someone_unknown(rt: Runtime, next_update: NextUpdate) -> None:
    mydata.handle_mydata(rt, next_update(), STRANGER)
    assert said(rt, STRANGER.chat_id) == [texts.NOT_JOINED]
    assert [m.method for m in messages(rt, STRANGER.chat_id)] == ["sendMessage"]  # no file
    assert audit_events(rt, "export") == []
