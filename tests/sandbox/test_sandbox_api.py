"""The Bot API and control API over real HTTP, without PTB."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from aiohttp import web

from bot.sandbox import Sandbox, SandboxClient, SandboxError
from bot.sandbox.world import Fault

KEYBOARD = json.dumps(
    {
        "inline_keyboard": [
            [{"text": "✓ Good", "callback_data": "mood:good"}, {"text": "Bad", "callback_data": "mood:bad"}]
        ]
    }
)


async def test_wrong_token_and_unknown_method(sandbox: Sandbox, bot: Any) -> None:
    response = await bot.http.post(f"{sandbox.base_url}1:WRONG/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert await bot("frobnicate") == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, me = await bot("GETME")  # Telegram ignores the case of method names
    assert status == 200 and me["result"]["username"] == "checkin_sandbox_bot"


async def test_json_body_is_accepted(sandbox: Sandbox, bot: Any, user: dict) -> None:
    response = await bot.http.post(
        f"{bot.url}/sendMessage",
        json={"chat_id": user["id"], "text": "true", "reply_markup": json.loads(KEYBOARD)},
    )
    message = response.json()["result"]
    assert message["text"] == "true"
    assert message["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "mood:bad"


async def test_get_updates_offset_semantics(bot: Any, client: SandboxClient) -> None:
    person = await client.create_user("Bo")
    first = await client.send_text(person["id"], "one")
    second = await client.send_text(person["id"], "two")
    _, body = await bot("getUpdates")
    assert [u["update_id"] for u in body["result"]] == [first, second]
    _, body = await bot("getUpdates")  # unconfirmed: returned again
    assert [u["update_id"] for u in body["result"]] == [first, second]
    _, body = await bot("getUpdates", offset=second)
    assert [u["update_id"] for u in body["result"]] == [second]
    _, body = await bot("getUpdates", offset=second + 1)
    assert body["result"] == []
    assert body == {"ok": True, "result": []}


async def test_long_poll_wakes_on_new_update(bot: Any, client: SandboxClient) -> None:
    person = await client.create_user("Cy")
    started = time.monotonic()
    poll = asyncio.create_task(bot("getUpdates", timeout=5))
    await asyncio.sleep(0.2)
    update_id = await client.send_text(person["id"], "hello")
    _, body = await poll
    assert [u["update_id"] for u in body["result"]] == [update_id]
    assert body["result"][0]["message"]["text"] == "hello"
    assert time.monotonic() - started < 2


async def test_a_newer_get_updates_terminates_the_older(bot: Any) -> None:
    older = asyncio.create_task(bot("getUpdates", timeout=5))
    await asyncio.sleep(0.2)
    newer = asyncio.create_task(bot("getUpdates", timeout=0))
    assert await older == (
        409,
        {
            "ok": False,
            "error_code": 409,
            "description": "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        },
    )
    assert (await newer)[0] == 200


async def test_get_updates_refused_while_webhook_set(bot: Any) -> None:
    assert (await bot("setWebhook", url="http://127.0.0.1:9/hook"))[0] == 200
    status, body = await bot("getUpdates")
    assert status == 409 and "can't use getUpdates method while webhook is active" in (body["description"])
    _, info = await bot("getWebhookInfo")
    assert info["result"]["url"] == "http://127.0.0.1:9/hook"
    await bot("deleteWebhook")
    assert (await bot("getUpdates"))[0] == 200


async def test_replayed_update_is_delivered_past_the_offset(bot: Any, client: SandboxClient) -> None:
    person = await client.create_user("Di")
    update_id = await client.send_text(person["id"], "answer")
    later = await client.send_text(person["id"], "later")
    await bot("getUpdates", offset=later + 1)  # both confirmed and forgotten
    assert await client.replay_update(update_id) == update_id
    _, body = await bot("getUpdates", offset=later + 1)
    assert [u["update_id"] for u in body["result"]] == [update_id]
    assert body["result"][0]["message"]["text"] == "answer"
    _, body = await bot("getUpdates", offset=later + 1)
    assert body["result"] == []


async def test_webhook_delivery_in_order_with_secret_and_retries(
    sandbox: Sandbox, bot: Any, client: SandboxClient
) -> None:
    received: list[tuple[int, str | None]] = []
    failures_left = [2]

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        if failures_left[0]:
            failures_left[0] -= 1
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        received.append((update["update_id"], secret))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        person = await client.create_user("Ed")
        ids = [await client.send_text(person["id"], f"m{i}") for i in range(3)]
        await bot("setWebhook", url=f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        for _ in range(100):
            if len(received) == 3:
                break
            await asyncio.sleep(0.05)
        assert received == [(i, "s3cret") for i in ids]
        attempts = await client.webhook_deliveries()
        assert [a["status"] for a in attempts] == [500, 500, 200, 200, 200]
        assert attempts[1]["attempt"] == 2 and attempts[0]["update_id"] == ids[0]
        _, info = await bot("getWebhookInfo")
        assert info["result"]["pending_update_count"] == 0
    finally:
        await bot("deleteWebhook")
        await runner.cleanup()


async def test_who_the_bot_may_write_to(bot: Any, client: SandboxClient, user: dict) -> None:
    assert await bot("sendMessage", chat_id=999, text="x") == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
    )
    stranger = await client.create_user("Fay")
    status, body = await bot("sendMessage", chat_id=stranger["id"], text="x")
    assert (status, body["description"]) == (403, "Forbidden: bot can't initiate conversation with a user")
    await client.block_bot(user["id"])
    status, body = await bot("sendMessage", chat_id=user["id"], text="x")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    await client.unblock_bot(user["id"])
    assert (await bot("sendMessage", chat_id=user["id"], text="x"))[0] == 200
    await client.deactivate_user(user["id"])
    status, body = await bot("sendMessage", chat_id=user["id"], text="x")
    assert (status, body["description"]) == (403, "Forbidden: user is deactivated")
    with pytest.raises(SandboxError, match="deactivated"):
        await client.send_text(user["id"], "hello?")


async def test_block_sends_my_chat_member_update(bot: Any, client: SandboxClient, user: dict) -> None:
    update_id = await client.block_bot(user["id"])
    _, body = await bot("getUpdates", offset=update_id)
    member = body["result"][0]["my_chat_member"]
    assert member["new_chat_member"]["status"] == "kicked"
    assert member["chat"]["id"] == user["id"]


async def test_edit_and_delete_rules(bot: Any, client: SandboxClient, user: dict) -> None:
    chat = user["id"]
    _, sent = await bot("sendMessage", chat_id=chat, text="<b>Q?</b>", parse_mode="HTML", reply_markup=KEYBOARD)
    mid = sent["result"]["message_id"]
    status, body = await bot(
        "editMessageText", chat_id=chat, message_id=mid, text="<b>Q?</b>", parse_mode="HTML", reply_markup=KEYBOARD
    )
    assert status == 400 and body["description"].startswith("Bad Request: message is not modified")
    status, body = await bot("editMessageText", chat_id=chat, message_id=999, text="x")
    assert body["description"] == "Bad Request: message to edit not found"
    status, body = await bot("editMessageText", chat_id=chat, message_id=mid, text="Thanks")
    assert status == 200 and body["result"]["text"] == "Thanks" and "edit_date" in body["result"]
    status, body = await bot("editMessageReplyMarkup", chat_id=chat, message_id=mid)
    assert status == 400 and "not modified" in body["description"]  # already without keyboard
    assert (await bot("deleteMessage", chat_id=chat, message_id=mid))[0] == 200
    status, body = await bot("deleteMessage", chat_id=chat, message_id=mid)
    assert body["description"] == "Bad Request: message to delete not found"
    entry = (await client.transcript(chat))[-1]
    assert (entry["text"], entry["edited"], entry["deleted"]) == ("Thanks", True, True)
    assert await client.bot_messages(chat) == []


async def test_press_button_and_answer_once(bot: Any, client: SandboxClient, user: dict) -> None:
    chat = user["id"]
    _, sent = await bot("sendMessage", chat_id=chat, text="How are you?", reply_markup=KEYBOARD)
    mid = sent["result"]["message_id"]
    with pytest.raises(SandboxError, match="no button"):
        await client.press_button(chat, mid, label="Meh")
    update_id = await client.press_button(chat, mid, label="Good")  # the tick is ignored
    await client.press_button(chat, mid, data="mood:bad")
    _, body = await bot("getUpdates", offset=update_id)
    query = body["result"][0]["callback_query"]
    assert query["data"] == "mood:good" and query["message"]["message_id"] == mid
    assert query["from"]["id"] == chat and query["chat_instance"]
    answer = await bot("answerCallbackQuery", callback_query_id=query["id"], text="Noted")
    assert answer[0] == 200
    status, body = await bot("answerCallbackQuery", callback_query_id=query["id"])
    assert status == 400 and "query ID is invalid" in body["description"]
    assert (await bot("answerCallbackQuery", callback_query_id="42"))[0] == 400
    answers = await client.callback_answers(user_id=chat)
    assert [a["text"] for a in answers] == ["Noted"]
    kinds = [(e["from"], e["kind"], e["text"]) for e in await client.transcript(chat)]
    assert kinds[-3:] == [
        ("bot", "text", "How are you?"),
        ("user", "button_press", "✓ Good"),
        ("user", "button_press", "Bad"),
    ]


async def test_documents_and_photos_round_trip(bot: Any, client: SandboxClient, user: dict) -> None:
    chat = user["id"]
    response = await bot.http.post(
        f"{bot.url}/sendDocument",
        data={"chat_id": str(chat), "caption": "<b>Digest</b>", "parse_mode": "HTML"},
        files={"document": ("digest.csv", b"a,b\n1,2\n", "text/csv")},
    )
    doc = response.json()["result"]
    assert doc["document"]["file_name"] == "digest.csv" and doc["caption"] == "Digest"
    assert await client.file(doc["document"]["file_id"]) == b"a,b\n1,2\n"
    assert await client.file(chat_id=chat, message_id=doc["message_id"]) == b"a,b\n1,2\n"
    status, body = await bot("sendPhoto", chat_id=chat, photo=doc["document"]["file_id"])
    assert status == 200 and body["result"]["photo"][0]["file_id"] == doc["document"]["file_id"]
    status, body = await bot("sendPhoto", chat_id=chat, photo="nope")
    assert body["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    status, body = await bot("sendPhoto", chat_id=chat, photo=doc["document"]["file_id"], caption="c" * 1025)
    assert body["description"] == "Bad Request: message caption is too long"
    entry = (await client.transcript(chat))[-2]
    assert (entry["kind"], entry["caption"], entry["file_name"]) == ("document", "Digest", "digest.csv")


async def test_person_sends_media(bot: Any, client: SandboxClient, user: dict) -> None:
    ids = [
        await client.send_sticker(user["id"]),
        await client.send_photo(user["id"]),
        await client.send_voice(user["id"]),
    ]
    _, body = await bot("getUpdates", offset=ids[0])
    messages = [u["message"] for u in body["result"]]
    assert "sticker" in messages[0] and "photo" in messages[1] and "voice" in messages[2]


async def test_injected_faults(bot: Any, client: SandboxClient, user: dict) -> None:
    await client.inject_fault("sendMessage", "5xx")
    assert await bot("sendMessage", chat_id=user["id"], text="x") == (
        502,
        {"ok": False, "error_code": 502, "description": "Bad Gateway"},
    )
    await client.inject_fault("*", "429", retry_after=7)
    status, body = await bot("sendMessage", chat_id=user["id"], text="x")
    assert (status, body["parameters"]) == (429, {"retry_after": 7})
    await client.inject_fault("sendMessage", "delay", delay=0.3)
    started = time.monotonic()
    assert (await bot("sendMessage", chat_id=user["id"], text="slow"))[0] == 200
    assert time.monotonic() - started >= 0.3
    assert (await bot("sendMessage", chat_id=user["id"], text="x"))[0] == 200
    stats = await client.stats()
    assert stats["violations"] == [] and stats["messages_delivered"] == 2


async def test_calls_stats_and_violations(bot: Any, client: SandboxClient, user: dict) -> None:
    await bot("sendMessage", chat_id=user["id"], text="a < b", parse_mode="HTML")
    await bot("sendMessage", chat_id=user["id"], text="ok", disable_notification=True)
    calls = await client.calls("sendMessage")
    assert calls[0]["ok"] is False and calls[0]["error_code"] == 400
    assert calls[1]["params"] == {"chat_id": user["id"], "text": "ok", "disable_notification": True}
    stats = await client.stats()
    assert stats["calls"]["sendMessage"] == 2
    assert stats["violations"] == [
        {
            "method": "sendMessage",
            "description": ('Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2'),
        }
    ]


async def test_wait_for_bot_message(bot: Any, client: SandboxClient, user: dict) -> None:
    async def reply_later() -> None:
        await asyncio.sleep(0.2)
        await bot("sendMessage", chat_id=user["id"], text="first")
        await bot("sendMessage", chat_id=user["id"], text="second")

    task = asyncio.create_task(reply_later())
    messages = await client.wait_for_bot_messages(user["id"], 2, timeout=5)
    await task
    assert [m["text"] for m in messages] == ["first", "second"]
    again = await client.wait_for_bot_message(user["id"], after_message_id=0)
    assert again["text"] == "first"
    with pytest.raises(TimeoutError, match=rf"chat {user['id']}.*second"):
        await client.wait_for_bot_message(user["id"], after_message_id=messages[-1]["message_id"], timeout=0.3)


async def test_reset_forgets_everything(client: SandboxClient, user: dict) -> None:
    await client.reset()
    with pytest.raises(SandboxError, match="unknown chat"):
        await client.transcript(user["id"])
    assert (await client.create_user("New"))["id"] == 1000001


async def test_a_callback_answered_after_fifteen_seconds_is_refused(
    bot: Any, client: SandboxClient, user: dict, clock: Any
) -> None:
    chat = user["id"]
    _, sent = await bot("sendMessage", chat_id=chat, text="How are you?", reply_markup=KEYBOARD)
    late = await client.press_button(chat, sent["result"]["message_id"], label="Bad")
    clock.advance(0.5)
    in_time = await client.press_button(chat, sent["result"]["message_id"], label="Good")
    _, body = await bot("getUpdates", offset=late)
    late_id, in_time_id = (u["callback_query"]["id"] for u in body["result"])
    assert [u["update_id"] for u in body["result"]] == [late, in_time]
    clock.advance(15.0)  # 15.5 s after the first tap, 15.0 s after the second
    assert await bot("answerCallbackQuery", callback_query_id=late_id) == (
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: query is too old and response timeout expired or query ID is invalid",
        },
    )
    assert (await bot("answerCallbackQuery", callback_query_id=in_time_id))[0] == 200


async def test_a_long_text_arrives_as_several_messages(bot: Any, client: SandboxClient, user: dict) -> None:
    text = " ".join(f"w{n:04d}" for n in range(1500))  # 8,999 characters
    first = await client.send_text(user["id"], text)
    _, body = await bot("getUpdates", offset=first)
    parts = [u["message"]["text"] for u in body["result"]]
    assert len(parts) == 3 and all(len(part) <= 4096 for part in parts)
    assert " ".join(parts) == text  # cut at spaces, which are dropped
    assert len({u["message"]["message_id"] for u in body["result"]}) == 3
    assert [e["text"] for e in await client.transcript(user["id"])][-3:] == parts


async def test_an_edit_by_a_person_is_an_edited_message_update(bot: Any, client: SandboxClient, user: dict) -> None:
    sent = await client.send_text(user["id"], "I feel fine")
    _, body = await bot("getUpdates", offset=sent)
    original = body["result"][0]["message"]
    edited_id = await client.edit_text(user["id"], original["message_id"], "I feel low")
    _, body = await bot("getUpdates", offset=edited_id)
    assert list(body["result"][0]) == ["update_id", "edited_message"]
    edited = body["result"][0]["edited_message"]
    assert (edited["message_id"], edited["date"], edited["text"]) == (
        original["message_id"],
        original["date"],
        "I feel low",
    )
    assert edited["edit_date"] >= edited["date"]
    with pytest.raises(SandboxError, match="more than 4096"):
        await client.edit_text(user["id"], original["message_id"], "x" * 4097)


async def test_a_timeout_fault_delivers_then_answers_504(bot: Any, client: SandboxClient, user: dict) -> None:
    await client.inject_fault("sendMessage", "timeout", delay=0.3)
    started = time.monotonic()
    assert await bot("sendMessage", chat_id=user["id"], text="arrived") == (
        504,
        {"ok": False, "error_code": 504, "description": "Gateway Timeout"},
    )
    assert time.monotonic() - started >= 0.3
    assert [m["text"] for m in await client.bot_messages(user["id"])] == ["arrived"]
    assert (await client.calls("sendMessage"))[-1]["carried_out"] is True
    await client.inject_fault("sendMessage", "timeout", delay=30)
    status, _ = await bot("sendMessage", chat_id=user["id"], text="<b>oops", parse_mode="HTML")
    assert status == 400  # refused anyway: the refusal comes at once, not a 504 after 30 s
    counters = await client.counters()
    assert (counters["timeouts"], counters["server_errors"]) == (1, 1)
    assert len((await client.stats())["violations"]) == 1


def test_a_rate_fault_strikes_about_its_rate() -> None:
    fault = Fault("getme", "5xx", remaining=2000, retry_after=2, delay=0.0, status=502, rate=0.2, seed=7)
    strikes = sum(fault.strikes() for _ in range(2000))
    assert 0.17 <= strikes / 2000 <= 0.23 and fault.remaining == 0


async def test_rate_faults_each_strike_and_repeat_with_their_seed(bot: Any, client: SandboxClient) -> None:
    async def statuses() -> list[int]:
        await client.reset()  # the 429 fault sees only the calls the 5xx one spared: some are left
        await client.inject_fault("getMe", "5xx", count=40, rate=0.3, seed=7, status=503)
        await client.inject_fault("getMe", "429", count=40, rate=0.3, seed=8)
        return [(await bot("getMe"))[0] for _ in range(40)]

    first = await statuses()
    assert set(first) == {200, 503, 429}  # a call the first fault spares, the second may strike
    assert await statuses() == first
    with pytest.raises(SandboxError, match="rate"):
        await client.inject_fault("getMe", "5xx", rate=1.5)
