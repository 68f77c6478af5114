"""Every button format: built and parsed in one place, within Telegram's 64 bytes,
and the buttons sent before 0.2 (one-letter prefixes) still understood."""

from __future__ import annotations

import pytest

from bot.core import callbacks
from bot.core.callbacks import (
    AnswerTap,
    Consent,
    FlagAction,
    FollowUp,
    Forget,
    IdeaOutcome,
    InviteChoice,
    SettingsTap,
)

BUTTONS = [
    AnswerTap(12345678, "paid", "not_yet"),
    AnswerTap(7, "notes", "a:b:c"),  # the value keeps its colons
    Consent(True),
    Consent(False),
    FlagAction("acknowledge", 3),
    FlagAction("resolve", 3),
    FlagAction("wontfix", 99999),
    FollowUp(5, True),
    FollowUp(5, False),
    IdeaOutcome("adopted", 1),
    IdeaOutcome("not_taken_up", 2),
    SettingsTap(),
    SettingsTap("timezone"),
    SettingsTap("access_needs", SettingsTap.DONE),
    Forget(True),
    InviteChoice("facilitator", 4),
]
KINDS = sorted({type(b) for b in BUTTONS}, key=lambda kind: kind.__name__)


@pytest.mark.parametrize("button", BUTTONS, ids=repr)
def test_a_button_reads_back_as_itself_and_as_nothing_else(button: callbacks.Button) -> None:
    data = button.data()  # type: ignore[attr-defined]
    assert len(data.encode()) <= 64
    assert type(button).parse(data) == button
    assert [kind.__name__ for kind in KINDS if kind.matches(data)] == [type(button).__name__]


@pytest.mark.parametrize(
    ("old", "now"),
    [
        ("a:41:paid:yes", AnswerTap(41, "paid", "yes")),
        ("f:ack:3", FlagAction("acknowledge", 3)),
        ("f:res:3", FlagAction("resolve", 3)),
        ("f:wf:3", FlagAction("wontfix", 3)),
        ("fu:8:y", FollowUp(8, True)),
        ("fu:8:n", FollowUp(8, False)),
        ("i:ad:6", IdeaOutcome("adopted", 6)),
        ("i:ch:6", IdeaOutcome("changed", 6)),
        ("i:no:6", IdeaOutcome("not_taken_up", 6)),
        ("inv:p:0", InviteChoice("partner", 0)),
        ("inv:f:2", InviteChoice("facilitator", 2)),
    ],
)
def test_buttons_sent_before_the_readable_prefixes_still_work(old: str, now: callbacks.Button) -> None:
    assert type(now).parse(old) == now
    assert [kind.__name__ for kind in KINDS if kind.matches(old)] == [type(now).__name__]


@pytest.mark.parametrize(
    "data",
    [
        "",
        "ans:x:paid:yes",
        "ans:1:paid",
        "flag:delete:3",
        "flag:resolve:x",
        "f:resolve:3",
        "followup:1:maybe",
        "idea:ad:6",
        "i:adopted:6",
        "consent:maybe",
        "forget:",
        "invite:admin:1",
        "invite:partner:",
        "zzz:1:2",
    ],
)
def test_tampered_or_unknown_data_is_no_button(data: str) -> None:
    assert not any(kind.matches(data) for kind in KINDS)


def test_an_answer_tap_keeps_its_prefix_within_the_flow_checkers_budget() -> None:
    with pytest.raises(AssertionError):
        AnswerTap(10**12, "s", "v").data()
