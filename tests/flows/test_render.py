from flows.render import check_template, render, template_values
from flows.types import Context

STEPS = ["paid", "heard"]


def values(**answers: object) -> dict[str, object]:
    ctx = Context(first_name="Sam", project_name="Voices", previous={"paid": "no", "gone": 1})
    return template_values(ctx, answers, STEPS)


def test_renders_names_answers_and_previous() -> None:
    text = (
        "Hi {{ first_name }} from {{ project_name }}"
        "{% if previous.paid == 'no' %}, last time you were waiting{% endif %}"
    )
    assert render(text, values()) == "Hi Sam from Voices, last time you were waiting"
    assert render("You said {{ answers.heard }}", values(heard=4)) == "You said 4"


def test_unanswered_steps_render_as_nothing() -> None:
    assert render("[{{ answers.heard }}]", values()) == "[]"


def test_output_is_plain_not_escaped() -> None:
    assert render("{{ answers.paid }}", values(paid="<b>&</b>")) == "<b>&</b>"


def test_a_failing_template_falls_back_to_the_raw_text() -> None:
    assert render("Hi {{ nobody.here }}", values()) == "Hi {{ nobody.here }}"
    assert render("{{ ''.__class__.__mro__ }}", values()) == "{{ ''.__class__.__mro__ }}"  # sandboxed


def test_check_finds_unknown_names_and_steps() -> None:
    assert check_template("Hi {{ first_name }} {{ answers.paid }} {{ previous['heard'] }}", STEPS) == []
    assert check_template("Hi {{ frist_name }}", STEPS) == [
        ("unknown variable 'frist_name'", "did you mean 'first_name'?")
    ]
    assert check_template("{{ answers.payd }}", STEPS) == [
        ("answers.payd: no step called 'payd'", "did you mean 'paid'?")
    ]
    [(message, _)] = check_template("{% if %}", STEPS)
    assert "does not compile" in message
