"""Forget me: what is deleted and kept is said first, two confirmations, "keep" changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from content.loader import Content
from content.phrasebook import Phrasebook
from dialogues import forget
from dialogues.effects import Effect, ForgetMe, Reply, Say
from dialogues.errors import StaleButton
from dialogues.events import Kind
from dialogues.flow import Event, FlowState, Outcome
from dialogues.menu import help_reply, menu_reply
from dialogues.router import route
from tests.unit.conftest import MakeContext
from tests.unit.flow_helpers import (
    actions,
    buttons,
    inbound_for,
    press,
    reply_keys,
    situation,
    text,
)

FLOW = forget.FLOW
USER = 5005
inbound = inbound_for(USER)

SAVED: dict[str, FlowState] = {
    "explain": FlowState("forget", "explain", 7, {}),
    "confirm": FlowState("forget", "confirm", 8, {}),
}
PROMPT = {"explain": "forget.explain", "confirm": "forget.confirm"}
KEPT = Outcome(None, (Reply(Say("forget.kept")), menu_reply()))


# --- beginning --------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", ["/forgetme", "m:0:forgetme"])
def test_forget_me_begins_by_explaining_before_asking(ctx: MakeContext, payload: str) -> None:
    kind = Kind.COMMAND if payload.startswith("/") else Kind.BUTTON

    outcome = route(situation(None, step=3), inbound(kind, payload), ctx())

    assert outcome.state == FlowState("forget", "explain", 4, {})
    assert reply_keys(outcome) == ["forget.explain"]
    assert actions(outcome) == []
    assert [(b.label, b.data) for b in buttons(outcome)] == [
        (Say("forget.button.yes"), "forget:4:yes"), (Say("forget.button.no"), "forget:4:no"),
    ]


def test_the_explanation_says_what_goes_what_stays_and_who_is_told(content: Content) -> None:
    said = Phrasebook(content.locale, content.resources).render("forget.explain", {}).lower()

    for deleted in ("journal", "reflections", "plan", "name", "words for the colours",
                    "notes on your check-ins"):
        assert deleted in said
    for kept in ("safeguarding flags", "audit log", "safeguarding records"):
        assert kept in said
    assert "facilitator will be told" in said
    assert said.index("i delete") < said.index("i keep") < said.rindex("?")


def test_the_goodbye_says_how_to_come_back_and_keeps_the_emergency_number(
    content: Content,
) -> None:
    book = Phrasebook(content.locale, content.resources)

    said = book.render("forget.goodbye", {})

    assert "new invitation" in said
    assert book.shared["emergency_phone"] in said
    assert "{" not in said


# --- the transition table -------------------------------------------------------------------

VALID: list[Any] = [
    pytest.param("explain", press("yes"), "confirm", [], ["forget.confirm"], id="first-yes"),
    pytest.param("explain", press("no"), None, [], ["forget.kept", "menu.prompt"],
                 id="first-no"),
    pytest.param("confirm", press("delete"), None, [ForgetMe()], ["forget.goodbye"],
                 id="second-yes"),
    pytest.param("confirm", press("keep"), None, [], ["forget.kept", "menu.prompt"],
                 id="second-no"),
]


@pytest.mark.parametrize(("state", "event", "next_state", "effects", "reply_key_list"), VALID)
def test_each_valid_input_moves_to_the_expected_step_with_its_effects(
    ctx: MakeContext, state: str, event: Event, next_state: str | None,
    effects: list[Effect], reply_key_list: list[str],
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, ctx(), event)

    assert (outcome.state.state if outcome.state else None) == next_state
    assert actions(outcome) == effects
    assert reply_keys(outcome) == reply_key_list
    if outcome.state is not None:
        assert all(b.data.startswith(f"forget:{saved.step + 1}:") for b in buttons(outcome))


def test_the_second_question_offers_delete_and_keep(ctx: MakeContext) -> None:
    outcome = FLOW.handle(SAVED["explain"], ctx(), press("yes"))

    assert [(b.label, b.data) for b in buttons(outcome)] == [
        (Say("forget.button.delete"), "forget:8:delete"),
        (Say("forget.button.keep"), "forget:8:keep"),
    ]


@pytest.mark.parametrize("state", list(SAVED))
def test_either_no_keeps_everything_and_returns_to_the_menu(
    ctx: MakeContext, state: str
) -> None:
    value = {"explain": "no", "confirm": "keep"}[state]

    assert FLOW.handle(SAVED[state], ctx(), press(value)) == KEPT


def test_deleting_takes_two_confirmations(ctx: MakeContext) -> None:
    begun = route(situation(None, step=3), inbound(Kind.COMMAND, "/forgetme", 1), ctx())
    assert begun.state is not None
    with pytest.raises(StaleButton):  # the second confirmation is not on offer yet
        route(situation(begun.state), inbound(Kind.BUTTON, "forget:4:delete", 2), ctx())

    first = route(situation(begun.state), inbound(Kind.BUTTON, "forget:4:yes", 2), ctx())
    assert actions(first) == []
    assert first.state is not None
    second = route(situation(first.state), inbound(Kind.BUTTON, "forget:5:delete", 3), ctx())

    assert actions(second) == [ForgetMe()]
    assert second.state is None


def test_the_goodbye_comes_after_the_deletion_and_offers_no_menu(ctx: MakeContext) -> None:
    outcome = FLOW.handle(SAVED["confirm"], ctx(), press("delete"))

    # ForgetMe clears the chat's unsent messages, so the goodbye must be written after it.
    assert outcome.effects == (ForgetMe(), Reply(Say("forget.goodbye")))


# --- input a step cannot use ------------------------------------------------------------------


@pytest.mark.parametrize("state", list(SAVED))
@pytest.mark.parametrize("typed", ["yes", "delete everything", "no"])
def test_typing_never_deletes_and_asks_for_the_buttons(
    ctx: MakeContext, state: str, typed: str
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, ctx(), text(typed))

    assert outcome.state == FlowState("forget", state, saved.step + 1, {})
    assert reply_keys(outcome) == ["common.use_buttons", PROMPT[state]]
    assert actions(outcome) == []


@pytest.mark.parametrize(("state", "value"), [
    ("explain", "delete"), ("explain", "keep"), ("explain", "begin"),
    ("confirm", "yes"), ("confirm", "no"), ("confirm", "begin"),
])
def test_a_button_that_does_not_belong_to_the_step_is_stale(
    ctx: MakeContext, state: str, value: str
) -> None:
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED[state], ctx(), press(value))


# --- through the router -----------------------------------------------------------------------


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_menu_ends_forget_me_and_keeps_everything(ctx: MakeContext, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/menu"), ctx())

    assert outcome == Outcome(None, (menu_reply(),))


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_cancel_ends_forget_me_and_keeps_everything(ctx: MakeContext, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/cancel"), ctx())

    assert outcome == Outcome(None, (Reply(Say("common.cancelled")), menu_reply()))


@pytest.mark.parametrize("state", list(SAVED))
def test_a_press_from_an_earlier_step_is_stale(ctx: MakeContext, state: str) -> None:
    saved = SAVED[state]

    with pytest.raises(StaleButton):
        route(situation(saved), inbound(Kind.BUTTON, f"forget:{saved.step - 1}:delete"), ctx())


@pytest.mark.parametrize("state", list(SAVED))
def test_the_menu_buttons_still_work_mid_way(ctx: MakeContext, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.BUTTON, "m:0:help"), ctx())

    assert outcome == Outcome(None, (help_reply(), menu_reply()))


# --- restarts ---------------------------------------------------------------------------------


def _reload(saved: FlowState) -> FlowState:
    row = json.dumps({"flow": saved.flow, "state": saved.state, "step": saved.step,
                      "data": dict(saved.data)})
    return FlowState(**json.loads(row))


@pytest.mark.parametrize("state", list(SAVED))
def test_resuming_after_a_restart_asks_the_same_question_again(
    ctx: MakeContext, state: str
) -> None:
    saved = _reload(SAVED[state])

    outcome = route(situation(saved), inbound(Kind.COMMAND, "/resume"), ctx())

    assert outcome.state == FlowState("forget", state, saved.step + 1, {})
    assert reply_keys(outcome) == [PROMPT[state]]
    assert actions(outcome) == []


def test_the_second_confirmation_after_a_restart_still_deletes(ctx: MakeContext) -> None:
    first = FLOW.handle(SAVED["explain"], ctx(), press("yes"))
    assert first.state is not None

    outcome = route(situation(_reload(first.state)),
                    inbound(Kind.BUTTON, f"forget:{first.state.step}:delete"), ctx())

    assert actions(outcome) == [ForgetMe()]


def test_consecutive_keep_replies_do_not_repeat_word_for_word(content: Content) -> None:
    book = Phrasebook(content.locale, content.resources)
    memory: dict[str, int] = {}

    said = [book.render("forget.kept", {}, memory) for _ in range(3)]

    assert said[0] != said[1] != said[2]
