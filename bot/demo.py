"""`checkin demo`: the real bot against the local Telegram sandbox, no token and no
setup.  A scripted partner (or you, with --interactive) joins, consents and
answers one check-in; the facilitator's alert follows, they resolve it with a
note, and the partner hears what was done.  Everything printed is
read back from the sandbox, so it is what Telegram would have shown."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import textwrap
from datetime import timedelta
from pathlib import Path

import flows
from bot.core import callbacks, texts
from bot.core.clock import ShiftedClock
from bot.core.config import ProjectSettings, Schedule, Settings
from bot.core.runtime import Runtime
from bot.running import start_bot
from bot.sandbox import Sandbox, SandboxClient
from bot.staff.invites import new_invite_code
from storage import checkins, people
from storage.db import Database

LIBRARY = Path(flows.__file__).parent / "library"
DEMO_FLOW = "after-activity"
PROJECT = "demo"

#: the scripted partner's answers, by step id: ("tap", value) or ("type", text)
SCRIPT: dict[str, tuple[str, str]] = {
    "paid": ("tap", "no"),
    "payment_detail": ("type", "Still waiting for my £40 from the March workshop <and> the one before."),
    "expenses": ("type", "yes"),
    "heard": ("tap", "4"),
    "anything_else": ("type", "Could the next meeting be in the afternoon? Mornings are hard with my caring role."),
}

FACILITATOR_NOTE = "Sorry, Sam. Finance paid your £40 today; it should be in your account by Friday."


async def run_demo(interactive: bool = False) -> int:
    logging.getLogger().setLevel(logging.WARNING)  # the transcript is the output
    with tempfile.TemporaryDirectory(prefix="checkin-demo-") as folder:
        async with Sandbox() as sandbox:
            client = sandbox.client()
            facilitator = await client.create_user("Alex", username="alex_facilitator")
            partner = await client.create_user("Sam")
            settings = _settings(sandbox, Path(folder), facilitator["id"])
            Database(settings.storage.url).upgrade()
            clock = ShiftedClock()
            bot = await start_bot(settings, clock, poll_timeout=1)
            try:
                await _play(client, bot.runtime, clock, settings, facilitator, partner, interactive)
            finally:
                await bot.stop()
            if not interactive:
                _print_chat("Partner's chat (Sam)", await client.transcript(partner["id"]), "Sam")
            _print_chat("Facilitator's chat (Alex)", await client.transcript(facilitator["id"]), "Alex")
            violations = (await client.stats())["violations"]
            print(f"\nTelegram rule violations in this run: {len(violations)}")
            return 0 if not violations else 1


async def _play(
    client: SandboxClient,
    runtime: Runtime,
    clock: ShiftedClock,
    settings: Settings,
    facilitator: dict,
    partner: dict,
    interactive: bool,
) -> None:
    fid, pid = facilitator["id"], partner["id"]
    await client.send_command(fid, "/start")
    await client.wait_for_bot_message(fid)

    code = new_invite_code(settings, PROJECT, "partner", timedelta(days=7))
    await client.send_command(pid, "/start", code)
    consent = await client.wait_for_bot_message(pid)
    if interactive:
        _show_bot(consent)
    await client.press_button(pid, consent["message_id"], data=callbacks.Consent(True).data())
    welcome = await client.wait_for_bot_message(pid, after_message_id=consent["message_id"])
    if interactive:
        _show_bot(welcome)
        print("\n… a week passes …\n")

    # the check-in is scheduled for next Monday 10:00: let the clock get there
    clock.advance(timedelta(days=8))
    last = welcome["message_id"]
    while _checkin_open(runtime, pid) or not last > welcome["message_id"]:
        question = await client.wait_for_bot_message(pid, after_message_id=last, timeout=15)
        last = question["message_id"]
        if interactive:
            _show_bot(question)
        if not question.get("buttons") and not _is_question(question):
            continue
        if interactive:
            await _ask_person(client, pid, question)
        else:
            await _answer_scripted(client, pid, question)
        await _drain(runtime)
    await _drain(runtime)
    if interactive:
        for message in await client.bot_messages(pid):
            if message["message_id"] > last:
                _show_bot(message)
    await _close_the_loop(client, runtime, fid, pid, interactive)


async def _close_the_loop(client: SandboxClient, runtime: Runtime, fid: int, pid: int, interactive: bool) -> None:
    """The facilitator resolves the need with a note, sees it back and sends it; the partner
    hears what was done."""
    alert = next(m for m in reversed(await client.bot_messages(fid)) if m.get("buttons"))
    resolve = next(b["text"] for row in alert["buttons"] for b in row if b["text"].startswith("Resolve"))
    await client.press_button(fid, alert["message_id"], label=resolve)
    asked = await client.wait_for_bot_message(fid, after_message_id=alert["message_id"])
    # before the note: the partner may hear of it before the facilitator's "Done" arrives
    last_seen = max(m["message_id"] for m in await client.bot_messages(pid))
    await client.send_text(fid, FACILITATOR_NOTE)
    preview = await client.wait_for_bot_message(fid, after_message_id=asked["message_id"])
    await client.press_button(fid, preview["message_id"], label=texts.PROMPT_SEND_BUTTON)
    await client.wait_for_bot_message(fid, after_message_id=preview["message_id"])
    told = await client.wait_for_bot_message(pid, after_message_id=last_seen, timeout=15)
    await _drain(runtime)
    if interactive:
        print("\n… the facilitator resolves the need …\n")
        _show_bot(told)


async def _drain(runtime: Runtime) -> None:
    """Wait until the outbox has sent what is queued (the running bot always has one)."""
    assert runtime.outbox is not None
    await runtime.outbox.drain()


def _checkin_open(runtime: Runtime, telegram_user_id: int) -> bool:
    with runtime.db.session() as session:
        person = people.person_by_telegram_id(session, telegram_user_id)
        return person is not None and checkins.active_checkin(session, person.id) is not None  # type: ignore[arg-type]


def _is_question(message: dict) -> bool:
    return message["text"].rstrip().endswith("?")


async def _answer_scripted(client: SandboxClient, user_id: int, question: dict) -> None:
    step = _step_of(question)
    action, value = SCRIPT.get(step, ("type", "skip")) if step else ("type", "skip")
    if action == "tap":
        assert step is not None  # taps come only from SCRIPT, which is keyed by step
        await client.press_button(
            user_id, question["message_id"], data=callbacks.AnswerTap(_checkin_of(question), step, value).data()
        )
    else:
        await client.send_text(user_id, value)


async def _ask_person(client: SandboxClient, user_id: int, question: dict) -> None:
    reply = (await asyncio.to_thread(input, "you> ")).strip()
    buttons = [button for row in question.get("buttons") or [] for button in row]
    if reply.isdigit() and 1 <= int(reply) <= len(buttons):
        await client.press_button(user_id, question["message_id"], data=buttons[int(reply) - 1]["callback_data"])
    else:
        await client.send_text(user_id, reply or "skip")


def _step_of(message: dict) -> str | None:
    for row in message.get("buttons") or []:
        for button in row:
            tap = callbacks.AnswerTap.parse(button.get("callback_data", ""))
            if tap is not None:
                return tap.step_id
    return None


def _checkin_of(message: dict) -> int:
    tap = callbacks.AnswerTap.parse(message["buttons"][0][0]["callback_data"])
    assert tap is not None
    return tap.checkin_id


def _settings(sandbox: Sandbox, folder: Path, facilitator_id: int) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {"token": sandbox.token, "base_url": sandbox.base_url},
            "storage": {"url": f"sqlite:///{folder / 'demo.db'}"},
            "flows": {"directory": str(LIBRARY)},
            "scheduler": {"tick_seconds": 0.2},
            "projects": [
                ProjectSettings(
                    id=PROJECT,
                    name="Carers' Voice (demo)",
                    timezone="Europe/London",
                    facilitators=[facilitator_id],
                    schedules=[Schedule(flow=DEMO_FLOW, cadence="weekly", days=["mon"])],
                ).model_dump()
            ],
        }
    )


def _show_bot(message: dict) -> None:
    print(_format_entry(message))


def _print_chat(title: str, entries: list[dict], person: str) -> None:
    print(f"\n{'═' * 70}\n{title}\n{'═' * 70}")
    for entry in entries:
        print(_format_entry(entry, person))


def _format_entry(entry: dict, person: str = "you") -> str:
    width = 66
    if entry.get("from") == "user":
        action = "tapped" if entry.get("kind") == "button_press" else "wrote"
        return f"  ▶ {person} {action}: {entry.get('text', '')}"
    lines = ["bot:"]
    for paragraph in (entry.get("text") or "").split("\n"):
        lines.extend(textwrap.wrap(paragraph, width, initial_indent="  ", subsequent_indent="  ") or [""])
    buttons = [button["text"] for row in entry.get("buttons") or [] for button in row]
    if buttons:
        lines.append("  " + "  ".join(f"[{i}] {label}" for i, label in enumerate(buttons, 1)))
    return "\n".join(lines)
