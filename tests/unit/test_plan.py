"""My plan as a transition table, several edits in one visit, and its words reflected back."""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest

from content.loader import Content
from content.phrasebook import Phrasebook
from dialogues import checkin, plan
from dialogues.effects import Effect, Reply, Say, UpdatePlan
from dialogues.errors import StaleButton
from dialogues.events import Kind
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
    values,
)

FLOW = plan.FLOW
USER = 2002
inbound = inbound_for(USER)
PHRASE = "I'm getting wound up, I'm taking a time out, I'll be back at eight"
PLAN = Plan(short=("Stop shouting at home",), helps=("Walking the dog", "Calling my brother"),
            hinders=("Drinking after work",), coping=("I can walk away",),
            timeout_phrase=PHRASE)
DATA = {"plan": PLAN.to_dict()}

MakePlanContext = Callable[..., Context]


@pytest.fixture
def pctx(library: Library) -> MakePlanContext:
    """``pctx()``: an empty plan; ``pctx(plan=PLAN)``."""

    def make(*, plan: Plan | None = None) -> Context:
        return Context(NOW, library, Profile(preferred_name="Sam", plan=plan or Plan()))

    return make


def edited(**changes: Any) -> dict[str, Any]:
    return {**PLAN.to_dict(), **changes}


SAVED: dict[str, FlowState] = {
    "overview": FlowState("plan", "overview", 11, DATA),
    "goal_term": FlowState("plan", "goal_term", 12, DATA),
    "section": FlowState("plan", "section", 13, {**DATA, "section": "helps"}),
    "adding": FlowState("plan", "adding", 14, {**DATA, "section": "helps"}),
    "removing": FlowState("plan", "removing", 15, {**DATA, "section": "helps"}),
    "phrase": FlowState("plan", "phrase", 16, DATA),
}
PROMPT = {
    "overview": "plan.summary",
    "goal_term": "plan.ask_term",
    "section": "plan.view.helps",
    "adding": "plan.ask.helps",
    "removing": "plan.ask_remove",
    "phrase": "plan.phrase_current",
}
BUTTON_ONLY = ["overview", "goal_term", "section", "removing"]


# --- beginning ------------------------------------------------------------------------------


def test_begin_with_no_plan_says_nothing_yet_and_offers_every_section(
    pctx: MakePlanContext,
) -> None:
    outcome = FLOW.begin(pctx(), text("/plan"), 3)

    assert outcome.state == FlowState("plan", "overview", 3, {"plan": Plan().to_dict()})
    assert reply_keys(outcome) == ["plan.nothing_yet"]
    assert values(outcome) == ["goals", "open.helps", "open.hinders", "phrase", "open.coping",
                               "done"]
    assert actions(outcome) == []


def test_begin_summarises_the_current_plan(pctx: MakePlanContext) -> None:
    outcome = FLOW.begin(pctx(plan=PLAN), text("/plan"), 3)

    assert replies(outcome)[0].text == Say("plan.summary", {
        "short": "1", "medium": "0", "long": "0", "helps": "2", "hinders": "1", "coping": "1",
        "phrase": PHRASE})


def test_a_plan_without_a_phrase_shows_a_dash_for_it(pctx: MakePlanContext) -> None:
    outcome = FLOW.begin(pctx(plan=Plan(helps=("Music",))), text("/plan"), 3)

    assert replies(outcome)[0].text.params["phrase"] == plan.NO_PHRASE


def test_the_plan_command_and_the_menu_button_start_my_plan(pctx: MakePlanContext) -> None:
    by_command = route(situation(None, 7), inbound(Kind.COMMAND, "/plan"), pctx())
    by_button = route(situation(None, 7), inbound(Kind.BUTTON, "m:0:plan"), pctx())

    assert state_name(by_command) == state_name(by_button) == "overview"


# --- the transition table -------------------------------------------------------------------

VALID: list[Any] = [
    pytest.param("overview", press("goals"), "goal_term", [], ["plan.ask_term"], id="goals"),
    pytest.param("overview", press("open.helps"), "section", [], ["plan.view.helps"],
                 id="helps"),
    pytest.param("overview", press("open.hinders"), "section", [], ["plan.view.hinders"],
                 id="hinders"),
    pytest.param("overview", press("open.coping"), "section", [], ["plan.view.coping"],
                 id="coping"),
    pytest.param("overview", press("phrase"), "phrase", [], ["plan.phrase_current"],
                 id="phrase"),
    pytest.param("overview", press("done"), None, [], ["plan.done", "menu.prompt"], id="done"),
    pytest.param("goal_term", press("open.short"), "section", [], ["plan.view.short"],
                 id="short-term"),
    pytest.param("goal_term", press("open.medium"), "section", [], ["plan.empty.medium"],
                 id="medium-term-empty"),
    pytest.param("goal_term", press("open.long"), "section", [], ["plan.empty.long"],
                 id="long-term-empty"),
    pytest.param("goal_term", press("back"), "overview", [], ["plan.summary"],
                 id="goal-term-back"),
    pytest.param("section", press("add"), "adding", [], ["plan.ask.helps"], id="add"),
    pytest.param("section", press("remove_one"), "removing", [], ["plan.ask_remove"],
                 id="remove-one"),
    pytest.param("section", press("back"), "overview", [], ["plan.summary"],
                 id="section-back"),
    pytest.param("adding", text(" Going to the gym "), "section",
                 [UpdatePlan(edited(helps=["Walking the dog", "Calling my brother",
                                           "Going to the gym"]))],
                 ["plan.added", "plan.view.helps"], id="add-text"),
    pytest.param("adding", press("back"), "section", [], ["plan.view.helps"], id="adding-back"),
    pytest.param("removing", press("remove.0"), "section",
                 [UpdatePlan(edited(helps=["Calling my brother"]))],
                 ["plan.removed", "plan.view.helps"], id="remove-first"),
    pytest.param("removing", press("back"), "section", [], ["plan.view.helps"],
                 id="removing-back"),
    pytest.param("phrase", text("I need a break, back in half an hour"), "overview",
                 [UpdatePlan(edited(timeout_phrase="I need a break, back in half an hour"))],
                 ["plan.phrase_saved", "plan.summary"], id="new-phrase"),
    pytest.param("phrase", press("clear"), "overview",
                 [UpdatePlan(edited(timeout_phrase=None))],
                 ["plan.phrase_cleared", "plan.summary"], id="clear-phrase"),
    pytest.param("phrase", press("back"), "overview", [], ["plan.summary"], id="phrase-back"),
]


@pytest.mark.parametrize(("state", "event", "next_state", "effects", "keys"), VALID)
def test_each_valid_input_moves_to_the_expected_step_with_its_effects(
    pctx: MakePlanContext, state: str, event: Event, next_state: str | None,
    effects: list[Effect], keys: list[str],
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, pctx(plan=PLAN), event)

    assert state_name(outcome) == next_state
    assert actions(outcome) == effects
    assert reply_keys(outcome) == keys
    if outcome.state is not None:
        assert outcome.state.step == saved.step + 1
        assert all(b.data.startswith(f"plan:{saved.step + 1}:") for b in buttons(outcome))


def test_every_state_has_a_row_in_the_table() -> None:
    assert {param.values[0] for param in VALID} == set(SAVED)


# --- lists ----------------------------------------------------------------------------------


def test_a_list_is_shown_numbered_with_add_remove_and_back(pctx: MakePlanContext) -> None:
    outcome = FLOW.handle(SAVED["overview"], pctx(plan=PLAN), press("open.helps"))

    assert replies(outcome)[0].text == Say(
        "plan.view.helps", {"items": "1. Walking the dog\n2. Calling my brother"})
    assert values(outcome) == ["add", "remove_one", "back"]


def test_an_empty_list_offers_only_add_and_back(pctx: MakePlanContext) -> None:
    saved = FlowState("plan", "overview", 4, {"plan": Plan().to_dict()})

    outcome = FLOW.handle(saved, pctx(), press("open.coping"))

    assert reply_keys(outcome) == ["plan.empty.coping"]
    assert values(outcome) == ["add", "back"]


def test_a_new_item_is_reflected_back_in_the_persons_own_words(pctx: MakePlanContext) -> None:
    outcome = FLOW.handle(SAVED["adding"], pctx(plan=PLAN), text("Going to the gym"))

    assert replies(outcome)[0].text == Say("plan.added", {"item": "Going to the gym"})


def test_removing_offers_one_numbered_button_per_item(pctx: MakePlanContext) -> None:
    many = Plan(coping=tuple(f"statement {n}" for n in range(1, 8)))
    saved = FlowState("plan", "section", 4, {"plan": many.to_dict(), "section": "coping"})

    outcome = FLOW.handle(saved, pctx(plan=many), press("remove_one"))

    assert [[b.label for b in row] for row in replies(outcome)[0].buttons] == [
        ["1", "2", "3", "4", "5"], ["6", "7"], [Say("plan.button.back")]]
    assert values(outcome)[:7] == [f"remove.{i}" for i in range(7)]
    assert replies(outcome)[0].text.params["items"].splitlines()[0] == "1. statement 1"


def test_goal_lists_go_back_to_the_choice_of_term(pctx: MakePlanContext) -> None:
    saved = FlowState("plan", "section", 4, {**DATA, "section": "short"})

    outcome = FLOW.handle(saved, pctx(plan=PLAN), press("back"))

    assert state_name(outcome) == "goal_term"
    assert values(outcome) == ["open.short", "open.medium", "open.long", "back"]


@pytest.mark.parametrize("typed", ["x" * (plan.MAX_ITEM_LENGTH + 1)], ids=["too-long"])
def test_an_item_that_is_too_long_is_explained_and_asked_again(
    pctx: MakePlanContext, typed: str
) -> None:
    outcome = FLOW.handle(SAVED["adding"], pctx(plan=PLAN), text(typed))

    assert state_name(outcome) == "adding"
    assert actions(outcome) == []
    assert reply_keys(outcome) == ["plan.too_long", "plan.ask.helps"]


def test_an_item_of_exactly_the_limit_is_accepted(pctx: MakePlanContext) -> None:
    outcome = FLOW.handle(SAVED["adding"], pctx(plan=PLAN), text("x" * plan.MAX_ITEM_LENGTH))

    assert state_name(outcome) == "section"


def test_a_full_list_takes_no_more_items(pctx: MakePlanContext) -> None:
    full = Plan(helps=tuple(f"help {n}" for n in range(plan.MAX_ITEMS)))
    saved = FlowState("plan", "section", 4, {"plan": full.to_dict(), "section": "helps"})

    outcome = FLOW.handle(saved, pctx(plan=full), press("add"))

    assert state_name(outcome) == "section"
    assert reply_keys(outcome) == ["plan.list_full", "plan.view.helps"]


@pytest.mark.parametrize("value", ["remove.2", "remove.9", "remove.x", "remove.", "remove.-1"])
def test_removing_an_item_that_is_not_there_removes_nothing_and_asks_again(
    pctx: MakePlanContext, value: str
) -> None:
    outcome = FLOW.handle(SAVED["removing"], pctx(plan=PLAN), press(value))

    assert state_name(outcome) == "removing"
    assert actions(outcome) == []
    assert reply_keys(outcome) == ["plan.ask_remove"]


def test_remove_one_on_an_empty_list_asks_again(pctx: MakePlanContext) -> None:
    saved = FlowState("plan", "section", 4, {"plan": Plan().to_dict(), "section": "helps"})

    outcome = FLOW.handle(saved, pctx(), press("remove_one"))

    assert state_name(outcome) == "section"
    assert reply_keys(outcome) == ["plan.empty.helps"]


@pytest.mark.parametrize("value", ["open.nonsense", "open.", "open.timeout_phrase"])
def test_an_unknown_section_asks_again(pctx: MakePlanContext, value: str) -> None:
    outcome = FLOW.handle(SAVED["overview"], pctx(plan=PLAN), press(value))

    assert state_name(outcome) == "overview"
    assert reply_keys(outcome) == ["plan.summary"]


# --- the Time Out phrase --------------------------------------------------------------------


def test_without_a_phrase_the_shape_of_one_is_suggested(pctx: MakePlanContext) -> None:
    saved = FlowState("plan", "overview", 4, {"plan": Plan().to_dict()})

    outcome = FLOW.handle(saved, pctx(), press("phrase"))

    assert reply_keys(outcome) == ["plan.phrase_ask"]
    assert values(outcome) == ["back"]


def test_the_current_phrase_is_shown_with_clear_and_back(pctx: MakePlanContext) -> None:
    outcome = FLOW.handle(SAVED["overview"], pctx(plan=PLAN), press("phrase"))

    assert replies(outcome)[0].text == Say("plan.phrase_current", {"phrase": PHRASE})
    assert values(outcome) == ["clear", "back"]


def test_a_new_phrase_is_reflected_back(pctx: MakePlanContext) -> None:
    outcome = FLOW.handle(SAVED["phrase"], pctx(plan=PLAN), text("Back in twenty"))

    assert replies(outcome)[0].text == Say("plan.phrase_saved", {"phrase": "Back in twenty"})
    assert replies(outcome)[1].text.params["phrase"] == "Back in twenty"


def test_a_phrase_that_is_too_long_is_explained_and_asked_again(pctx: MakePlanContext) -> None:
    outcome = FLOW.handle(SAVED["phrase"], pctx(plan=PLAN),
                          text("y" * (plan.MAX_ITEM_LENGTH + 1)))

    assert state_name(outcome) == "phrase"
    assert reply_keys(outcome) == ["plan.too_long", "plan.phrase_current"]
    assert actions(outcome) == []


# --- several edits in one visit -------------------------------------------------------------


def _press_shown(outcome: Outcome, value: str) -> str:
    matches = [b.data for b in buttons(outcome) if b.data.endswith(f":{value}")]
    assert len(matches) == 1, f"{value} not offered"
    return matches[0]


def _reload(saved: FlowState) -> FlowState:
    """Round-trip through JSON as the conversation table would store it."""
    row = json.dumps({"flow": saved.flow, "state": saved.state, "step": saved.step,
                      "data": dict(saved.data)})
    return FlowState(**json.loads(row))


SCRIPT = [
    (Kind.BUTTON, "open.helps"), (Kind.BUTTON, "add"), (Kind.TEXT, "Music"),
    (Kind.BUTTON, "add"), (Kind.TEXT, "Talking to my sister"),
    (Kind.BUTTON, "remove_one"), (Kind.BUTTON, "remove.0"), (Kind.BUTTON, "back"),
    (Kind.BUTTON, "goals"), (Kind.BUTTON, "open.long"), (Kind.BUTTON, "add"),
    (Kind.TEXT, "My kids feel safe with me"), (Kind.BUTTON, "back"), (Kind.BUTTON, "back"),
    (Kind.BUTTON, "phrase"), (Kind.TEXT, "I'm wound up, taking a time out, back at nine"),
    (Kind.BUTTON, "done"),
]


def _visit(pctx: MakePlanContext, restart: bool) -> list[Outcome]:
    # The profile is loaded once and never changes here: the shell applies UpdatePlan only
    # after the flow has run, so every edit must build on the plan kept in the flow's data.
    ctx = pctx(plan=Plan(helps=("Walking the dog",)))
    outcome = route(situation(None, 20), inbound(Kind.COMMAND, "/plan", 1), ctx)
    seen = [outcome]
    for update_id, (kind, value) in enumerate(SCRIPT, start=2):
        assert outcome.state is not None
        saved = _reload(outcome.state) if restart else outcome.state
        payload = _press_shown(outcome, value) if kind is Kind.BUTTON else value
        outcome = route(situation(saved), inbound(kind, payload, update_id), ctx)
        seen.append(outcome)
    return seen


def test_several_edits_in_one_visit_build_on_each_other(pctx: MakePlanContext) -> None:
    seen = _visit(pctx, restart=False)

    updates = [a for o in seen for a in actions(o)]
    assert all(isinstance(u, UpdatePlan) for u in updates)
    plans = [Plan.from_dict(u.plan) for u in updates if isinstance(u, UpdatePlan)]
    assert [p.helps for p in plans] == [
        ("Walking the dog", "Music"),
        ("Walking the dog", "Music", "Talking to my sister"),
        ("Music", "Talking to my sister"),
        ("Music", "Talking to my sister"),
        ("Music", "Talking to my sister"),
    ]
    assert plans[-1] == Plan(helps=("Music", "Talking to my sister"),
                             long=("My kids feel safe with me",),
                             timeout_phrase="I'm wound up, taking a time out, back at nine")
    assert seen[-1].state is None
    assert reply_keys(seen[-1]) == ["plan.done", "menu.prompt"]


def test_the_summary_reflects_edits_made_earlier_in_the_visit(pctx: MakePlanContext) -> None:
    seen = _visit(pctx, restart=False)

    back_at_overview = seen[8]  # after the first Back from What helps
    assert replies(back_at_overview)[0].text.params["helps"] == "2"


def test_a_restart_between_every_step_changes_nothing(pctx: MakePlanContext) -> None:
    assert _visit(pctx, restart=True) == _visit(pctx, restart=False)


@pytest.mark.parametrize("state", list(SAVED))
def test_resuming_asks_the_saved_step_again(pctx: MakePlanContext, state: str) -> None:
    saved = _reload(SAVED[state])

    outcome = FLOW.resume(saved, pctx(), text("/start"))  # the profile may be out of date

    assert outcome.state == FlowState("plan", state, saved.step + 1, saved.data)
    assert reply_keys(outcome) == [PROMPT[state]]
    assert actions(outcome) == []


# --- input a step cannot use ----------------------------------------------------------------


@pytest.mark.parametrize("state", BUTTON_ONLY)
def test_typing_where_a_button_is_needed_asks_for_the_buttons_and_repeats_the_step(
    pctx: MakePlanContext, state: str
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, pctx(plan=PLAN), text("hello"))

    assert outcome.state == FlowState("plan", state, saved.step + 1, saved.data)
    assert reply_keys(outcome) == ["common.use_buttons", PROMPT[state]]
    assert actions(outcome) == []


STALE_VALUES = [
    ("overview", "add"), ("overview", "back"), ("overview", "remove.0"), ("overview", "begin"),
    ("goal_term", "goals"), ("goal_term", "done"), ("goal_term", "add"),
    ("section", "done"), ("section", "remove.0"), ("section", "open.helps"),
    ("adding", "add"), ("adding", "done"), ("adding", "remove.0"),
    ("removing", "add"), ("removing", "remove_one"), ("removing", "done"),
    ("phrase", "done"), ("phrase", "add"), ("phrase", "phrase"),
]


@pytest.mark.parametrize(("state", "value"), STALE_VALUES)
def test_a_button_that_does_not_belong_to_the_step_is_stale(
    pctx: MakePlanContext, state: str, value: str
) -> None:
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED[state], pctx(plan=PLAN), press(value))


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_menu_ends_my_plan_with_the_menu(pctx: MakePlanContext, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/menu"), pctx())

    assert outcome == Outcome(None, (menu_reply(),))


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_cancel_ends_my_plan_with_the_menu(pctx: MakePlanContext, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/cancel"), pctx())

    assert outcome == Outcome(None, (Reply(Say("common.cancelled")), menu_reply()))


@pytest.mark.parametrize("state", list(SAVED))
def test_a_press_from_an_earlier_step_is_stale(pctx: MakePlanContext, state: str) -> None:
    saved = SAVED[state]

    with pytest.raises(StaleButton):
        route(situation(saved), inbound(Kind.BUTTON, f"plan:{saved.step - 1}:back"), pctx())


def test_the_machine_holds_no_model_between_events(pctx: MakePlanContext) -> None:
    FLOW.handle(SAVED["adding"], pctx(), text("Music"))
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED["adding"], pctx(), press("done"))

    assert FLOW.machine.models == []


# --- words: recurring prompts vary ----------------------------------------------------------


def _render(book: Phrasebook, outcome: Outcome, memory: dict[str, int]) -> list[str]:
    return [book.render(r.text.key, r.text.params, memory) for r in replies(outcome)]


def test_consecutive_additions_are_reflected_back_in_different_words(
    pctx: MakePlanContext, content: Content
) -> None:
    book = Phrasebook(content.locale, content.resources)
    memory: dict[str, int] = {}
    said = []
    for item in ["Music", "Music", "Music", "Music"]:  # even the same words
        outcome = FLOW.handle(SAVED["adding"], pctx(plan=PLAN), text(item))
        said.append(_render(book, outcome, memory))

    assert all(before != after for before, after in pairwise(said))
    assert all("Music" in lines[0] for lines in said)


@pytest.mark.parametrize("key", ["plan.summary", "plan.done", "plan.view.helps",
                                 "plan.view.short", "plan.added", "checkin.coping_reflection"])
def test_prompts_that_recur_differ_on_consecutive_uses(content: Content, key: str) -> None:
    book = Phrasebook(content.locale, content.resources)
    memory: dict[str, int] = {}
    params = {"short": "1", "medium": "0", "long": "0", "helps": "2", "hinders": "1",
              "coping": "1", "phrase": PHRASE, "items": "1. x", "item": "x", "statement": "x"}

    said = [book.render(key, params, memory) for _ in range(4)]

    assert all(before != after for before, after in pairwise(said))


# --- the check-in reflects a coping statement back ------------------------------------------


def _checkin_done(library: Library, coping: tuple[str, ...], update_id: int) -> Outcome:
    ctx = Context(NOW, library, Profile(plan=Plan(coping=coping)))
    note = FlowState("checkin", "note", 14, {"colour": "yellow", "ref": "40"})
    return checkin.FLOW.handle(note, ctx, press("skip", update_id))


@pytest.mark.parametrize(("update_id", "statement"),
                         [(60, "I can walk away"), (61, "It will pass"), (62, "Breathe first"),
                          (63, "I can walk away")])
def test_a_check_in_ends_by_reflecting_one_of_their_coping_statements_in_turn(
    library: Library, update_id: int, statement: str
) -> None:
    coping = ("I can walk away", "It will pass", "Breathe first")

    outcome = _checkin_done(library, coping, update_id)

    assert reply_keys(outcome) == ["checkin.next_step", "checkin.coping_reflection",
                                   "menu.after_checkin"]
    assert replies(outcome)[1].text == Say("checkin.coping_reflection",
                                           {"statement": statement})


def test_a_check_in_without_coping_statements_reflects_nothing(library: Library) -> None:
    outcome = _checkin_done(library, (), 60)

    assert reply_keys(outcome) == ["checkin.next_step", "menu.after_checkin"]


# --- the Time Out phrase is agreed with the facilitator, not arranged with the partner ------


@pytest.mark.parametrize("locale", ["en", "plain", "literal"])
def test_the_phrase_is_agreed_with_the_facilitator_first(content: Content, locale: str) -> None:
    texts = content.locale.texts if locale == "en" else content.overlays[locale].texts
    [said] = texts.get("plan.phrase_ask", content.locale.texts["plan.phrase_ask"])

    assert "with your facilitator first" in said
    assert "decide" in said and "partner is told" in said
    assert "where that's safe" not in said and "if that is safe" not in said
