"""Files (charts, /mydata exports) go through the outbox like every other message."""

from __future__ import annotations

import base64

from storage import outbox
from tests.e2e.conftest import Harness

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


async def test_documents_and_photos_arrive_intact(harness: Harness) -> None:
    rig = harness
    alex = rig.facilitator_user  # type: ignore[attr-defined]
    document = b'{"answers": ["<b>mine</b>"]}'
    with rig.db.session() as session:
        outbox.enqueue(
            session,
            alex["id"],
            "sendDocument",
            {"content_b64": base64.b64encode(document).decode(), "filename": "my-data.json", "caption": "Your data"},
            rig.clock.now(),
        )
        outbox.enqueue(
            session,
            alex["id"],
            "sendPhoto",
            {
                "content_b64": base64.b64encode(PNG).decode(),
                "filename": "trend.png",
                "caption": "<b>Trend</b>",
                "parse_mode": "HTML",
            },
            rig.clock.now(),
        )
    rig.bot.runtime.wake_outbox()  # type: ignore[union-attr]
    sent_doc = await rig.next_message(alex, rig.facilitator_welcome)  # type: ignore[attr-defined]
    sent_photo = await rig.next_message(alex, sent_doc)
    assert sent_doc["kind"] == "document" and sent_doc.get("file_name") == "my-data.json"
    assert await rig.client.file(chat_id=alex["id"], message_id=sent_doc["message_id"]) == document
    assert sent_photo["kind"] == "photo" and sent_photo["text"] == "Trend"
    assert await rig.client.file(chat_id=alex["id"], message_id=sent_photo["message_id"]) == PNG
