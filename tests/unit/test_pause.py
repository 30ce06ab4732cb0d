"""The Press Pause flow as a transition table: seven answers, a saved reflection, a summary,
and sharing it with the facilitator."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest

from content.loader import Content, load_content
from content.phrasebook import Phrasebook
from dialogues import pause
from dialogues.effects import (
    Button,
    Reply,
    SaveReflection,
    Say,
    ShareReflection,
)
from dialogues.errors import StaleButton
from dialogues.events import Inbound, Kind
from dialogues.flow import Context, Event, FlowState, Library, Outcome, Profile
from dialogues.menu import menu_reply
from dialogues.preferences import Plan
from dialogues.router import route
from tests.unit.conftest import NOW
from tests.unit.flow_helpers import (
    actions,
    buttons,
    inbound_for,
    press,
    replies,
    reply_keys,
    situation,
    state_name,
    text,
)

FLOW = pause.FLOW
USER = 5005
inbound = inbound_for(USER)
LAST_UPDATE = 90  # the update id of the last rating, which becomes the reflection's ref
Make = Callable[..., Context]

ANSWERS = {
    "happened": "She said I never listen",
    "thought": "She thinks I'm useless",
    "strength_before": "8",
    "fact_or_feeling": "feeling",
    "other_view": "She's tired and wanted help with the kids",
    "action": "Ask her what she needs from me tonight",
    "strength_after": "4",
}


def _answers(*keys: str) -> dict[str, str]:
    return {key: ANSWERS[key] for key in keys}


SAVED: dict[str, FlowState] = {
    "happened": FlowState("pause", "happened", 11, {}),
    "thought": FlowState("pause", "thought", 12, {"answers": _answers("happened")}),
    "strength_before": FlowState("pause", "strength_before", 13,
                                 {"answers": _answers("happened", "thought")}),
    "fact_or_feeling": FlowState("pause", "fact_or_feeling", 14, {"answers": _answers(
        "happened", "thought", "strength_before")}),
    "other_view": FlowState("pause", "other_view", 15, {"answers": _answers(
        "happened", "thought", "strength_before", "fact_or_feeling")}),
    "action": FlowState("pause", "action", 16, {"answers": _answers(
        "happened", "thought", "strength_before", "fact_or_feeling", "other_view")}),
    "strength_after": FlowState("pause", "strength_after", 17, {"answers": _answers(
        "happened", "thought", "strength_before", "fact_or_feeling", "other_view", "action")}),
    "summary": FlowState("pause", "summary", 18, {"answers": ANSWERS, "ref": "90"}),
}
PROMPT = {
    "happened": "pause.ask_happened",
    "thought": "pause.ask_thought",
    "strength_before": "pause.ask_strength_before",
    "fact_or_feeling": "pause.ask_fact_or_feeling",
    "other_view": "pause.ask_other_view",
    "action": "pause.ask_action",
    "strength_after": "pause.ask_strength_after",
    "summary": "pause.summary",
}
# The summary shows the button's words for the judgement, not the stored value.
SHOWN = {**ANSWERS, "fact_or_feeling": Say(f"pause.button.{ANSWERS['fact_or_feeling']}")}
FREE_TEXT = ("happened", "thought", "other_view", "action")
BUTTON_ONLY = ("strength_before", "fact_or_feeling", "strength_after", "summary")


@pytest.fixture
def make(library: Library) -> Make:
    """Return a factory of contexts; keyword arguments go to the Profile."""

    def build(**profile: Any) -> Context:
        return Context(NOW, library, Profile(**{"preferred_name": "Sam", **profile}))

    return build


@pytest.fixture(scope="module")
def book() -> Phrasebook:
    content = load_content()
    return Phrasebook(content.locale, content.resources)


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


# --- beginning ------------------------------------------------------------------------------


@pytest.mark.parametrize("message", [inbound(Kind.COMMAND, "/pause"),
                                     inbound(Kind.BUTTON, "m:0:pause")], ids=["command", "menu"])
def test_press_pause_starts_with_what_happened(make: Make, message: Inbound) -> None:
    outcome = route(situation(None, step=5), message, make())

    assert outcome.state == FlowState("pause", "happened", 6, {})
    assert reply_keys(outcome) == ["pause.intro", "pause.ask_happened"]
    assert actions(outcome) == []


# --- the transition table -------------------------------------------------------------------

VALID: list[Any] = [
    pytest.param("happened", text(ANSWERS["happened"]), "thought", ["pause.ask_thought"],
                 id="happened"),
    pytest.param("thought", text(ANSWERS["thought"]), "strength_before",
                 ["pause.ask_strength_before"], id="thought"),
    pytest.param("strength_before", press("rate.8"), "fact_or_feeling",
                 ["pause.ask_fact_or_feeling"], id="strength-before"),
    pytest.param("fact_or_feeling", press("judge.feeling"), "other_view",
                 ["pause.reflect_feeling", "pause.ask_other_view"], id="how-it-felt"),
    pytest.param("other_view", text(ANSWERS["other_view"]), "action", ["pause.ask_action"],
                 id="other-view"),
    pytest.param("action", text(ANSWERS["action"]), "strength_after",
                 ["pause.ask_strength_after"], id="action"),
    pytest.param("strength_after", press("rate.4", LAST_UPDATE), "summary", ["pause.summary"],
                 id="strength-after"),
]


@pytest.mark.parametrize(("state", "event", "next_state", "keys"), VALID)
def test_each_answer_is_kept_and_moves_to_the_next_question(
    make: Make, state: str, event: Event, next_state: str, keys: list[str]
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, make(), event)

    assert outcome.state == FlowState("pause", next_state, saved.step + 1, SAVED[next_state].data)
    assert reply_keys(outcome) == keys
    assert all(b.data.startswith(f"pause:{saved.step + 1}:") for b in buttons(outcome))


def test_the_last_rating_saves_the_reflection_with_every_answer(make: Make) -> None:
    outcome = FLOW.handle(SAVED["strength_after"], make(), press("rate.4", LAST_UPDATE))

    assert actions(outcome) == [SaveReflection("90", "pause", ANSWERS, NOW)]
    assert list(ANSWERS) == list(pause.ANSWER_KEYS)


def test_no_other_step_saves_anything(make: Make) -> None:
    for state, event, *_ in (p.values for p in VALID[:-1]):
        assert actions(FLOW.handle(SAVED[state], make(), event)) == []


@pytest.mark.parametrize(
    ("value", "reflection"),
    [("fact", "pause.reflect_fact"), ("feeling", "pause.reflect_feeling"),
     ("unsure", "pause.reflect_unsure")],
)
def test_fact_or_feeling_is_kept_and_answered_in_kind(
    make: Make, value: str, reflection: str
) -> None:
    outcome = FLOW.handle(SAVED["fact_or_feeling"], make(), press(f"judge.{value}"))

    assert reply_keys(outcome) == [reflection, "pause.ask_other_view"]
    assert outcome.state is not None
    assert outcome.state.data["answers"]["fact_or_feeling"] == value


def test_the_thought_is_reflected_back_when_asking_fact_or_feeling(make: Make) -> None:
    outcome = FLOW.handle(SAVED["strength_before"], make(), press("rate.8"))

    assert replies(outcome)[0].text == Say("pause.ask_fact_or_feeling",
                                           {"thought": ANSWERS["thought"]})
    assert [b.data.rsplit(":", 1)[1] for b in buttons(outcome)] == [
        "judge.fact", "judge.feeling", "judge.unsure"]


@pytest.mark.parametrize("state", ["thought", "strength_after"])
def test_ratings_offer_one_to_ten(make: Make, state: str) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, make(), text("anything at all"))

    reply = replies(outcome)[-1]
    assert [[b.label for b in row] for row in reply.buttons] == [
        ["1", "2", "3", "4", "5"], ["6", "7", "8", "9", "10"]]
    assert [b.data for row in reply.buttons for b in row] == [
        f"pause:{saved.step + 1}:rate.{n}" for n in range(1, 11)]


@pytest.mark.parametrize(
    ("update_id", "coping"),
    [(40, "I can walk away and come back"), (41, "Nobody makes me shout"),
     (42, "I can walk away and come back")],
)
def test_a_coping_statement_from_my_plan_is_reflected_when_deciding_what_to_do(
    make: Make, update_id: int, coping: str
) -> None:
    plan = Plan(coping=("I can walk away and come back", "Nobody makes me shout"))

    outcome = FLOW.handle(SAVED["other_view"], make(plan=plan), text("she's tired", update_id))

    assert replies(outcome) == [Reply(Say("pause.ask_action_with_coping", {"coping": coping}))]


def test_without_coping_statements_the_plain_question_is_asked(make: Make) -> None:
    outcome = FLOW.handle(SAVED["other_view"], make(plan=Plan()), text("she's tired"))

    assert replies(outcome) == [Reply(Say("pause.ask_action"))]


def test_the_summary_shows_every_answer_on_one_screen(make: Make) -> None:
    outcome = FLOW.handle(SAVED["strength_after"], make(), press("rate.4", LAST_UPDATE))

    assert replies(outcome) == [Reply(Say("pause.summary", SHOWN), (
        (Button(Say("pause.button.share"), "pause:18:share"),),
        (Button(Say("button.menu"), "pause:18:finish"),),
    ))]


def test_sharing_sends_the_reflection_to_the_facilitator(make: Make) -> None:
    outcome = FLOW.handle(SAVED["summary"], make(), press("share"))

    assert outcome == Outcome(None, (ShareReflection("90"), menu_reply("pause.shared")))


def test_finishing_without_sharing_shares_nothing(make: Make) -> None:
    outcome = FLOW.handle(SAVED["summary"], make(), press("finish"))

    assert outcome == Outcome(None, (menu_reply("pause.finished"),))


# --- input the step cannot use ---------------------------------------------------------------


@pytest.mark.parametrize("state", FREE_TEXT)
@pytest.mark.parametrize("typed", ["", "   ", "x" * (pause.MAX_ANSWER_LENGTH + 1)],
                         ids=["empty", "blank", "too-long"])
def test_an_unusable_answer_is_explained_and_asked_again(
    make: Make, state: str, typed: str
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, make(), text(typed))

    assert outcome.state == FlowState("pause", state, saved.step + 1, saved.data)
    assert replies(outcome)[0].text == Say("pause.answer_invalid",
                                           {"limit": str(pause.MAX_ANSWER_LENGTH)})
    assert reply_keys(outcome)[1:] == [PROMPT[state]]


def test_an_answer_at_the_limit_is_kept(make: Make) -> None:
    outcome = FLOW.handle(SAVED["happened"], make(), text("x" * pause.MAX_ANSWER_LENGTH))

    assert state_name(outcome) == "thought"


@pytest.mark.parametrize("state", BUTTON_ONLY)
def test_typing_where_a_button_is_needed_asks_for_the_buttons_and_repeats_the_step(
    make: Make, state: str
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, make(), text("7"))

    assert outcome.state == FlowState("pause", state, saved.step + 1, saved.data)
    assert reply_keys(outcome) == ["common.use_buttons", PROMPT[state]]
    assert actions(outcome) == []


@pytest.mark.parametrize(
    ("state", "value"),
    [("strength_before", "rate.0"), ("strength_before", "rate.11"), ("strength_after", "rate."),
     ("fact_or_feeling", "judge.maybe")],
)
def test_an_unknown_choice_keeps_nothing_and_asks_again(
    make: Make, state: str, value: str
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, make(), press(value))

    assert outcome.state == FlowState("pause", state, saved.step + 1, saved.data)
    assert reply_keys(outcome) == [PROMPT[state]]
    assert actions(outcome) == []


STALE_VALUES = [
    ("happened", "rate.5"), ("happened", "begin"), ("thought", "share"),
    ("strength_before", "judge.fact"), ("fact_or_feeling", "rate.5"), ("other_view", "finish"),
    ("action", "judge.fact"), ("strength_after", "share"), ("summary", "rate.5"),
    ("summary", "begin"),
]


@pytest.mark.parametrize(("state", "value"), STALE_VALUES)
def test_a_button_that_does_not_belong_to_the_step_is_stale(
    make: Make, state: str, value: str
) -> None:
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED[state], make(), press(value))


@pytest.mark.parametrize("state", list(SAVED))
def test_a_press_from_an_earlier_step_is_stale(make: Make, state: str) -> None:
    saved = SAVED[state]

    with pytest.raises(StaleButton):
        route(situation(saved), inbound(Kind.BUTTON, f"pause:{saved.step - 1}:share"), make())


# --- leaving ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_menu_ends_press_pause_with_the_menu(make: Make, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/menu"), make())

    assert outcome == Outcome(None, (menu_reply(),))


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_cancel_ends_press_pause_with_the_menu(make: Make, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/cancel"), make())

    assert outcome == Outcome(None, (Reply(Say("common.cancelled")), menu_reply()))


# --- a whole Press Pause, with and without restarts -------------------------------------------


def _reload(saved: FlowState) -> FlowState:
    row = json.dumps({"flow": saved.flow, "state": saved.state, "step": saved.step,
                      "data": dict(saved.data)})
    return FlowState(**json.loads(row))


def _press_shown(outcome: Outcome, value: str) -> str:
    matches = [b.data for b in buttons(outcome) if b.data.endswith(f":{value}")]
    assert len(matches) == 1, f"{value} not offered"
    return matches[0]


SCRIPT: list[tuple[Kind, str]] = [
    (Kind.TEXT, ANSWERS["happened"]), (Kind.TEXT, ANSWERS["thought"]),
    (Kind.BUTTON, "rate.8"), (Kind.BUTTON, "judge.feeling"), (Kind.TEXT, ANSWERS["other_view"]),
    (Kind.TEXT, ANSWERS["action"]), (Kind.BUTTON, "rate.4"), (Kind.BUTTON, "share"),
]


def _walk(make: Make, restart: bool, **profile: Any) -> list[Outcome]:
    outcome = route(situation(None, step=20), inbound(Kind.COMMAND, "/pause", 1), make(**profile))
    seen = [outcome]
    for update_id, (kind, value) in enumerate(SCRIPT, start=2):
        assert outcome.state is not None
        saved = _reload(outcome.state) if restart else outcome.state
        payload = _press_shown(outcome, value) if kind is Kind.BUTTON else value
        outcome = route(situation(saved), inbound(kind, payload, update_id), make(**profile))
        seen.append(outcome)
    return seen


def test_a_whole_press_pause_saves_and_shares_the_answers(make: Make) -> None:
    seen = _walk(make, restart=False)

    assert seen[-1].state is None
    assert [a for o in seen for a in actions(o)] == [
        SaveReflection("8", "pause", ANSWERS, NOW), ShareReflection("8")]


def test_a_restart_between_every_step_changes_nothing(make: Make) -> None:
    assert _walk(make, restart=True) == _walk(make, restart=False)


@pytest.mark.parametrize("state", list(SAVED))
def test_resuming_after_a_restart_asks_the_same_question_again(make: Make, state: str) -> None:
    saved = _reload(SAVED[state])

    outcome = FLOW.resume(saved, make(), text("/resume"))

    assert reply_keys(outcome) == [PROMPT[state]]
    assert outcome.state == FlowState("pause", state, saved.step + 1, saved.data)
    assert actions(outcome) == []


def test_the_summary_after_a_restart_still_shows_every_answer(make: Make) -> None:
    outcome = FLOW.resume(_reload(SAVED["summary"]), make(), text("/resume"))

    assert replies(outcome)[0].text == Say("pause.summary", SHOWN)


def test_the_machine_holds_no_model_between_events(make: Make) -> None:
    FLOW.handle(SAVED["summary"], make(), press("finish"))
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED["summary"], make(), press("skip"))

    assert FLOW.machine.models == []


# --- words -------------------------------------------------------------------------------------


def _all_texts(outcomes: list[Outcome]) -> list[Say]:
    said: list[Say] = []
    for outcome in outcomes:
        for effect in outcome.effects:
            if isinstance(effect, Reply):
                said.append(effect.text)
                said.extend(b.label for row in effect.buttons for b in row
                            if isinstance(b.label, Say))
    return said


@pytest.mark.parametrize("coping", [(), ("I can walk away",)], ids=["no-plan", "plan"])
def test_every_text_of_a_whole_press_pause_renders_with_its_placeholders_filled(
    make: Make, book: Phrasebook, coping: tuple[str, ...]
) -> None:
    for say in _all_texts(_walk(make, restart=False, plan=Plan(coping=coping))):
        rendered = book.render(say.key, say.params)
        assert rendered and not re.search(r"\{[a-z_]+\}", rendered), say.key


def test_the_summary_and_the_facilitators_copy_have_exactly_the_answer_placeholders(
    content: Content,
) -> None:
    texts = content.locale.texts

    assert all(placeholders(v) == set(pause.ANSWER_KEYS) for v in texts["pause.summary"])
    assert all(placeholders(v) == {"alias", *pause.ANSWER_KEYS}
               for v in texts["facilitator.pause_shared"])


def test_the_facilitator_gets_every_answer_when_it_is_shared(book: Phrasebook) -> None:
    # bot/tool_effects.py renders f"facilitator.{kind}_shared" with the answers and the alias.
    said = book.render(f"facilitator.{pause.KIND}_shared", {"alias": "P-17", **ANSWERS})

    assert said.startswith("P-17 ")
    assert all(answer in said for answer in ANSWERS.values())


RECURRING = ("pause.intro", "pause.ask_happened", "pause.ask_thought",
             "pause.ask_strength_before", "pause.ask_fact_or_feeling", "pause.ask_other_view",
             "pause.ask_action", "pause.ask_strength_after", "pause.shared")


@pytest.mark.parametrize("key", RECURRING)
def test_recurring_prompts_have_variants(content: Content, key: str) -> None:
    assert len(content.locale.texts[key]) >= 2


def test_consecutive_uses_do_not_repeat_a_prompt_word_for_word(
    make: Make, book: Phrasebook
) -> None:
    memory: dict[str, int] = {}
    runs = []
    for _ in range(3):
        said = _all_texts(_walk(make, restart=False))
        runs.append([book.render(s.key, s.params, memory) for s in said if s.key in RECURRING])
    for before, after in pairwise(runs):
        assert len(before) == len(after) == len(RECURRING)
        assert all(a != b for a, b in zip(before, after, strict=True))


# --- no collusion: "A fact" is not agreed with ----------------------------------------------

AGREEING = re.compile(r"^\s*(ok|okay|right|yes|fair|true|that's true)\b|facts are clear|"
                      r"you're right|it is a fact", re.IGNORECASE)


@pytest.mark.parametrize("locale", ["en", "plain", "literal"])
def test_calling_a_thought_a_fact_is_not_confirmed_but_checked(
    content: Content, locale: str
) -> None:
    texts = content.locale.texts if locale == "en" else content.overlays[locale].texts
    for said in texts.get("pause.reflect_fact", content.locale.texts["pause.reflect_fact"]):
        assert not AGREEING.search(said), said
        # The check: what an onlooker would actually have seen or heard.
        assert "seen or heard" in said and "watching" in said
