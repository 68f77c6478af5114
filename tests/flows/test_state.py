"""States stored in the database by earlier versions keep working."""

from dataclasses import fields

from flows.engine import advance
from flows.model import DONE_VALUE
from flows.types import AnswerRecord, Context, Input, Outcome, State

from .conftest import make_flow
from .test_engine import ALL_KINDS

#: what the previous version stored, before history, comments and held text
OLD_ACTIVE = {"step_id": "kinds", "answers": {"paid": "yes"}, "selected": ["food"], "reasks": 1, "status": "active"}
OLD_STOPPED = {"step_id": None, "answers": {"paid": "yes"}, "selected": [], "reasks": 0, "status": "stopped"}


def test_old_state_dicts_without_the_new_keys_load() -> None:
    state = State.from_dict(OLD_ACTIVE)
    assert (state.history, state.comment, state.pending_text) == ([], "", "")
    assert (state.step_id, state.answers, state.selected, state.reasks) == ("kinds", {"paid": "yes"}, ["food"], 1)
    assert State.from_dict(OLD_STOPPED).status == "stopped"


def test_an_old_state_goes_on_and_starts_its_history() -> None:
    flow = make_flow(ALL_KINDS)
    outcome = advance(flow, State.from_dict(OLD_ACTIVE), Input.tapped("kinds", DONE_VALUE), Context())
    assert outcome.answers[0].value == ["food"] and outcome.state.step_id == "back"
    assert outcome.state.history == ["kinds"]
    back = advance(flow, outcome.state, Input.back(), Context())
    assert back.state.step_id == "kinds" and back.retracted == ["kinds"]


def test_to_dict_has_every_field_and_round_trips() -> None:
    state = State(
        step_id="kinds",
        answers={"paid": "yes"},
        status="paused",
        history=["paid"],
        comment="a note",
        pending_text="held",
    )
    data = state.to_dict()
    assert set(data) == {field.name for field in fields(State)}
    assert data["history"] == ["paid"] and data["comment"] == "a note" and data["pending_text"] == "held"
    assert State.from_dict(data) == state
    data["history"].append("kinds")
    assert state.history == ["paid"]  # containers are copies


def test_unknown_keys_and_an_empty_dict_are_tolerated() -> None:
    assert State.from_dict({**OLD_ACTIVE, "from_a_newer_version": 1}).step_id == "kinds"
    assert State.from_dict({}) == State(step_id=None)


def test_new_fields_default_for_callers_that_do_not_set_them() -> None:
    record = AnswerRecord(step_id="a", question="Q?", value="x", display="x")
    assert (record.comment, record.to_team) == ("", False)
    assert Outcome(state=State(step_id=None)).retracted == []
    assert Input.back().kind == "back" and Input.flush().kind == "flush"
