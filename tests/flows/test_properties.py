"""Whatever a partner sends, in whatever order, the engine keeps a valid state and never raises."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.engine import SPLIT_AT, advance, resume, start
from flows.loader import load_flows
from flows.model import BACK_VALUE, DONE_VALUE, SKIP_VALUE, Flow
from flows.types import Context, Input, State

from .conftest import make_flow
from .test_engine import ALL_KINDS

LIBRARY = Path(__file__).parents[2] / "flows" / "library"
FLOWS: list[Flow] = [*load_flows([LIBRARY]).values(), make_flow(ALL_KINDS)]
STEP_IDS = sorted({step.id for flow in FLOWS for step in flow.steps} | {"gone"})
VALUES = sorted(
    {value for flow in FLOWS for step in flow.steps for value in step.option_values()}
    | {SKIP_VALUE, DONE_VALUE, BACK_VALUE, "", "0", "99"}
)
WORDS = [
    *("skip", "help", "pause", "stop", "done", "back", "carry on", "yn ôl", "yes", "no", "2", "3", "1, 2"),
    *("not yet", "nope", "Travel", "4/5", "x" * SPLIT_AT, "y " * (SPLIT_AT // 2)),
]

inputs = st.one_of(
    st.builds(Input.typed, st.one_of(st.text(max_size=40), st.sampled_from(WORDS), st.integers(-5, 20).map(str))),
    st.builds(Input.tapped, st.sampled_from(STEP_IDS), st.one_of(st.sampled_from(VALUES), st.text(max_size=10))),
    st.just(Input.other()),
    st.just(Input.back()),
    st.just(Input.flush()),
)
contexts = st.builds(
    Context,
    first_name=st.text(max_size=10),
    project_name=st.text(max_size=10),
    language=st.sampled_from([None, "en", "cy"]),
    previous=st.dictionaries(st.sampled_from(STEP_IDS), st.one_of(st.none(), st.text(max_size=5), st.integers())),
)


def assert_valid(flow: Flow, state: State) -> None:
    assert state.status in ("active", "paused", "finished", "stopped")
    if state.status in ("active", "paused"):
        assert flow.step(state.step_id) is not None and flow.step(state.step_id).kind != "info"
    else:
        assert state.step_id is None
    assert set(state.answers) <= {step.id for step in flow.steps}
    assert all(flow.step(step_id) is not None and flow.step(step_id).kind != "info" for step_id in state.history)
    assert not state.pending_text or state.status == "active"
    assert State.from_dict(state.to_dict()) == state


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=st.sampled_from(FLOWS), ctx=contexts, actions=st.lists(inputs, max_size=15))
def test_any_sequence_of_inputs_keeps_a_valid_state(flow: Flow, ctx: Context, actions: list[Input]) -> None:
    outcome = start(flow, ctx)
    assert_valid(flow, outcome.state)
    for action in [*actions, Input.flush()]:
        before = outcome.state
        outcome = advance(flow, State.from_dict(before.to_dict()), action, ctx)
        assert_valid(flow, outcome.state)
        if outcome.event in ("waiting", "not_taken") or (action.kind == "flush" and not before.pending_text):
            assert outcome.prompts == [] and outcome.edit is None and outcome.answers == []
            if outcome.event != "waiting":
                assert outcome.state == before  # nothing taken: nothing changes
        else:
            assert outcome.prompts or outcome.edit is not None
        assert not set(outcome.retracted) & set(outcome.state.answers)
        for prompt in outcome.prompts:
            assert prompt.text
            assert prompt.step_id is None or prompt.step_id == outcome.state.step_id
    assert not outcome.state.pending_text  # a flush at the end: no text is ever left waiting
    resumed = resume(flow, outcome.state, ctx)
    assert_valid(flow, resumed.state)
    assert resumed.prompts and resumed.state.status != "paused"


def test_every_bundled_flow_loads_cleanly() -> None:
    assert "after-activity" in load_flows([LIBRARY])
