"""Which partner an update belongs to: the key that keeps each partner's updates in order."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bot.delivery.update_processor import ordering_key, payload_ordering_key

USER = {"id": 42, "is_bot": False, "first_name": "Sam"}
CHAT = {"id": 4242, "type": "private"}
MESSAGE = {"message_id": 9, "date": 0, "chat": CHAT, "from": USER, "text": "fine, thanks"}


@pytest.mark.parametrize(
    "payload",
    [
        {"update_id": 1, "message": MESSAGE},
        {
            "update_id": 2,
            "callback_query": {"id": "q", "from": USER, "chat_instance": "c", "data": "a:1", "message": MESSAGE},
        },
        {
            "update_id": 3,
            "callback_query": {"id": "q", "from": USER, "chat_instance": "c", "inline_message_id": "i", "data": "a:1"},
        },
        {"update_id": 4, "edited_message": {**MESSAGE, "edit_date": 1}},
        {
            "update_id": 5,
            "my_chat_member": {
                "chat": CHAT,
                "from": USER,
                "date": 0,
                "old_chat_member": {"status": "member", "user": USER},
                "new_chat_member": {"status": "kicked", "user": USER, "until_date": 0},
            },
        },
        {"update_id": 6},
    ],
    ids=["message", "button", "inline-button", "edited", "blocked", "no-partner"],
)
def test_the_key_read_from_json_is_the_key_of_the_parsed_update(payload: dict[str, Any]) -> None:
    """The webhook keys an update before parsing it; the key must be the one the parsed
    update would have, or one partner's updates could be run out of order."""
    assert payload_ordering_key(payload) == ordering_key(Update.de_json(payload, None))
