"""The colour check-in flow as a transition table: every step, every valid and invalid input."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from content.loader import Content
from dialogues import checkin
from dialogues.effects import (
    AddCheckInNote,
    Effect,
    RecordCheckIn,
    Reply,
    Say,
    StartTimeOut,
    UpdateProfile,
)
from dialogues.errors import StaleButton
from dialogues.events import Kind
from dialogues.flow import Event, FlowState, Outcome
from dialogues.menu import help_reply, menu_reply
from dialogues.router import route
from tests.unit.conftest import NOW, MakeContext
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

FLOW = checkin.FLOW
USER = 2002
inbound = inbound_for(USER)
PICK_UPDATE = 40  # the update id of the colour press, which becomes the check-in's ref
REF = str(PICK_UPDATE)

SAVED: dict[str, FlowState] = {
    "colour": FlowState("checkin", "colour", 11, {}),
    "red_offer": FlowState("checkin", "red_offer", 15, {"colour": "red", "ref": REF}),
    "describe_offer": FlowState("checkin", "describe_offer", 12, {"colour": "red", "ref": REF}),
    "describe": FlowState("checkin", "describe", 13, {"colour": "red", "ref": REF}),
    "note": FlowState("checkin", "note", 14, {"colour": "red", "ref": REF}),
}
PROMPT = {
    "colour": "checkin.ask_colour",
    "red_offer": "checkin.red_offer",
    "describe_offer": "checkin.offer_own_words",
    "describe": "checkin.ask_own_words",
    "note": "checkin.ask_note",
}
BUTTON_ONLY = ("colour", "red_offer", "describe_offer")
DONE = ["checkin.next_step", "menu.after_checkin"]
TODAY = NOW.astimezone(ZoneInfo("Europe/London")).toordinal()  # the rotation's turn at NOW


# --- beginning ------------------------------------------------------------------------------


def test_begin_offers_every_colour_as_a_button(ctx: MakeContext, content: Content) -> None:
    outcome = FLOW.begin(ctx(), text("/checkin"), 3)

    assert outcome.state == FlowState("checkin", "colour", 3, {})
    assert reply_keys(outcome) == ["checkin.ask_colour"]
    assert actions(outcome) == []
    assert [len(row) for row in replies(outcome)[0].buttons] == [2, 2]
    assert [b.data for b in buttons(outcome)] == [
        f"checkin:3:pick.{c.key}" for c in content.palette.colours
    ]
    assert [b.label for b in buttons(outcome)] == [
        f"{c.emoji} {c.label}" for c in content.palette.colours
    ]


def test_the_colour_list_uses_the_persons_own_words_where_they_have_them(
    ctx: MakeContext, content: Content
) -> None:
    words = {"red": "about to blow", "blue": ""}

    outcome = FLOW.begin(ctx(colour_words=words), text("/checkin"), 3)

    lines = replies(outcome)[0].text.params["colours"].splitlines()
    palette = content.palette
    assert lines == [
        f"{palette.get('green').emoji} Green: {palette.get('green').meaning}",
        f"{palette.get('blue').emoji} Blue: {palette.get('blue').meaning}",  # "" keeps default
        f"{palette.get('yellow').emoji} Yellow: {palette.get('yellow').meaning}",
        f"{palette.get('red').emoji} Red: about to blow",
    ]


# --- the transition table -------------------------------------------------------------------

RECORD_RED = RecordCheckIn(REF, "red", NOW)
RECORD_YELLOW = RecordCheckIn(REF, "yellow", NOW)

VALID: list[Any] = [
    # Red: safety first, whatever the person has or hasn't described yet.
    pytest.param(
        "colour", {}, press("pick.red", PICK_UPDATE), "red_offer", [RECORD_RED],
        ["checkin.red_offer"], id="red-offers-time-out-first",
    ),
    pytest.param(
        "colour", {"red": "about to blow"}, press("pick.red", PICK_UPDATE), "red_offer",
        [RECORD_RED], ["checkin.red_offer"], id="red-described-offers-time-out-first",
    ),
    pytest.param(
        "red_offer", {}, press("carry_on"), "describe_offer", [],
        ["checkin.offer_own_words"], id="red-carry-on-offers-own-words",
    ),
    pytest.param(
        "red_offer", {"red": "about to blow"}, press("carry_on"), "note", [],
        ["checkin.ask_note"], id="red-carry-on-described",
    ),
    pytest.param(
        "red_offer", {"red": ""}, press("carry_on"), "note", [], ["checkin.ask_note"],
        id="red-carry-on-offer-declined-before",
    ),
    pytest.param(
        "colour", {}, press("pick.yellow", PICK_UPDATE), "describe_offer", [RECORD_YELLOW],
        ["checkin.offer_own_words"], id="first-yellow-offers-own-words",
    ),
    pytest.param(
        "colour", {"blue": "flat"}, press("pick.yellow", PICK_UPDATE), "describe_offer",
        [RECORD_YELLOW], ["checkin.offer_own_words"], id="other-colour-described",
    ),
    pytest.param(
        "colour", {"yellow": "tight"}, press("pick.yellow", PICK_UPDATE), "note",
        [RECORD_YELLOW], ["checkin.ask_note"], id="yellow-already-described",
    ),
    pytest.param(
        "colour", {"yellow": ""}, press("pick.yellow", PICK_UPDATE), "note", [RECORD_YELLOW],
        ["checkin.ask_note"], id="yellow-offer-declined-before",
    ),
    pytest.param(
        "describe_offer", {}, press("yes"), "describe", [], ["checkin.ask_own_words"],
        id="offer-yes",
    ),
    pytest.param(
        "describe_offer", {}, press("no"), "note", [UpdateProfile(colour_words={"red": ""})],
        ["checkin.ask_note"], id="offer-no",
    ),
    pytest.param(
        "describe", {}, text("  ready to snap "), "note",
        [UpdateProfile(colour_words={"red": "ready to snap"})],
        ["checkin.words_saved", "checkin.ask_note"], id="own-words",
    ),
    pytest.param(
        "note", {}, text("row about money"), None, [AddCheckInNote(REF, "row about money")],
        ["checkin.next_step_after_note", "menu.after_checkin"], id="note",
    ),
    pytest.param("note", {}, press("skip"), None, [], DONE, id="skip"),
]


@pytest.mark.parametrize(
    ("state", "colour_words", "event", "next_state", "effects", "reply_key_list"), VALID
)
def test_each_valid_input_moves_to_the_expected_step_with_its_effects(
    ctx: MakeContext, state: str, colour_words: dict[str, str], event: Event,
    next_state: str | None, effects: list[Effect], reply_key_list: list[str],
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, ctx(colour_words=colour_words), event)

    assert state_name(outcome) == next_state
    assert actions(outcome) == effects
    assert reply_keys(outcome) == reply_key_list
    if outcome.state is not None:
        assert outcome.state.step == saved.step + 1
        assert all(b.data.startswith(f"checkin:{saved.step + 1}:") for b in buttons(outcome))


# --- red: Time Out or "I'm not safe" first, words and notes later ------------------------------


def test_red_offers_time_out_and_im_not_safe_before_any_writing(ctx: MakeContext) -> None:
    outcome = FLOW.handle(SAVED["colour"], ctx(), press("pick.red", PICK_UPDATE))

    assert reply_keys(outcome) == ["checkin.red_offer"]
    assert [b.data.split(":", 2)[2] for b in buttons(outcome)] == [
        "timeout_now", "not_safe", "carry_on"]
    assert [b.label for b in buttons(outcome)] == [
        Say("checkin.button.timeout_now"), Say("checkin.button.not_safe"),
        Say("checkin.button.carry_on")]


def test_one_tap_at_red_starts_the_time_out_at_the_usual_length(ctx: MakeContext) -> None:
    picked = route(situation(SAVED["colour"]), inbound(Kind.BUTTON, "checkin:11:pick.red",
                                                       PICK_UPDATE), ctx())
    assert picked.state is not None

    tapped = route(situation(picked.state), inbound(Kind.BUTTON, _press_shown(
        picked, "timeout_now"), 41), ctx())

    assert tapped.state is None  # nothing more to answer: it has started
    [start] = [a for a in actions(tapped) if isinstance(a, StartTimeOut)]
    assert (start.minutes, start.colour_before) == (30, "red")
    assert reply_keys(tapped) == ["timeout.started_now"]


def test_im_not_safe_at_red_asks_which_kind_of_danger_straight_away(ctx: MakeContext) -> None:
    outcome = route(situation(SAVED["red_offer"]), inbound(Kind.BUTTON, "checkin:15:not_safe"),
                    ctx())

    assert outcome.state is not None and (outcome.state.flow, outcome.state.state) == (
        "urgent", "which")
    assert reply_keys(outcome) == ["urgent.not_safe_ask"]
    # The red check-in was recorded when it was picked; the tap raises the urgent flag.
    assert [type(a).__name__ for a in actions(outcome)] == ["RaiseFlag"]


@pytest.mark.parametrize("colour", ["green", "blue", "yellow", "red"])
def test_a_picked_colour_is_recorded_at_once(ctx: MakeContext, colour: str) -> None:
    outcome = FLOW.handle(SAVED["colour"], ctx(), press(f"pick.{colour}", PICK_UPDATE))

    assert outcome.effects[0] == RecordCheckIn(REF, colour, NOW)
    assert outcome.state is not None
    assert outcome.state.data == {"colour": colour, "ref": REF}


def test_an_unknown_colour_records_nothing_and_asks_again(ctx: MakeContext) -> None:
    outcome = FLOW.handle(SAVED["colour"], ctx(), press("pick.purple"))

    assert state_name(outcome) == "colour"
    assert actions(outcome) == []
    assert reply_keys(outcome) == ["checkin.ask_colour"]


def test_own_words_are_offered_with_the_default_meaning(
    ctx: MakeContext, content: Content
) -> None:
    outcome = FLOW.handle(SAVED["colour"], ctx(), press("pick.yellow", PICK_UPDATE))

    yellow = content.palette.get("yellow")
    assert replies(outcome)[0].text == Say(
        "checkin.offer_own_words", {"colour": yellow.label, "meaning": yellow.meaning}
    )
    assert [b.data.rsplit(":", 1)[1] for b in buttons(outcome)] == ["yes", "no"]


def test_new_own_words_are_reflected_back_straight_away(ctx: MakeContext) -> None:
    outcome = FLOW.handle(SAVED["describe"], ctx(), text("ready to snap"))

    assert replies(outcome)[0].text == Say("checkin.words_saved", {"colour": "Red"})
    assert replies(outcome)[1].text.params["meaning"] == "ready to snap"
    assert outcome.state is not None
    assert outcome.state.data["words"] == "ready to snap"


def test_the_note_prompt_lists_the_colours_follow_up_questions(
    ctx: MakeContext, content: Content
) -> None:
    outcome = FLOW.handle(SAVED["describe_offer"], ctx(), press("no"))

    red = content.palette.get("red")
    assert replies(outcome)[0].text == Say("checkin.ask_note", {
        "colour": red.label,
        "meaning": red.meaning,
        "questions": "\n".join(f"• {q}" for q in red.wording().questions(TODAY)),
    })
    assert [b.data for b in buttons(outcome)] == ["checkin:13:skip"]


@pytest.mark.parametrize(("event", "key"),
                         [(text("went for a walk"), "checkin.next_step_after_note"),
                          (press("skip"), "checkin.next_step")], ids=["note", "skip"])
def test_done_gives_the_colours_next_step_and_the_menu(
    ctx: MakeContext, content: Content, event: Event, key: str
) -> None:
    outcome = FLOW.handle(SAVED["note"], ctx(), event)

    red = content.palette.get("red")
    assert outcome.state is None
    assert replies(outcome) == [
        Reply(Say(key, {"colour": red.label,
                                        "next_step": red.wording().next_step(TODAY)})),
        menu_reply("menu.after_checkin"),
    ]


# --- input the step cannot use ---------------------------------------------------------------


@pytest.mark.parametrize("state", BUTTON_ONLY)
def test_typing_where_a_button_is_needed_asks_for_the_buttons_and_repeats_the_step(
    ctx: MakeContext, state: str
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, ctx(), text("red I think"))

    assert outcome.state == FlowState("checkin", state, saved.step + 1, saved.data)
    assert reply_keys(outcome) == ["common.use_buttons", PROMPT[state]]
    assert actions(outcome) == []


@pytest.mark.parametrize(
    "typed", ["", "   ", "x" * (checkin.MAX_WORDS_LENGTH + 1)], ids=["empty", "blank", "too-long"]
)
def test_unusable_own_words_are_explained_and_asked_again(ctx: MakeContext, typed: str) -> None:
    outcome = FLOW.handle(SAVED["describe"], ctx(), text(typed))

    assert state_name(outcome) == "describe"
    assert reply_keys(outcome) == ["checkin.words_too_long", "checkin.ask_own_words"]
    assert actions(outcome) == []


STALE_VALUES = [
    ("colour", "yes"), ("colour", "no"), ("colour", "skip"), ("colour", "begin"),
    ("describe_offer", "pick.red"), ("describe_offer", "skip"),
    ("describe", "yes"), ("describe", "no"), ("describe", "skip"), ("describe", "pick.red"),
    ("note", "yes"), ("note", "no"), ("note", "pick.red"), ("note", "begin"),
]


@pytest.mark.parametrize(("state", "value"), STALE_VALUES)
def test_a_button_that_does_not_belong_to_the_step_is_stale(
    ctx: MakeContext, state: str, value: str
) -> None:
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED[state], ctx(), press(value))


def test_a_forged_text_button_is_stale(ctx: MakeContext) -> None:
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED["note"], ctx(), press("text"))


# --- through the router: leaving, menu presses, stale presses --------------------------------


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_menu_ends_the_checkin_with_the_menu(ctx: MakeContext, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/menu"), ctx())

    assert outcome == Outcome(None, (menu_reply(),))


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_cancel_ends_the_checkin_with_the_menu(ctx: MakeContext, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/cancel"), ctx())

    assert outcome == Outcome(None, (Reply(Say("common.cancelled")), menu_reply()))


@pytest.mark.parametrize("state", list(SAVED))
def test_typing_cancel_ends_the_checkin_with_the_menu(ctx: MakeContext, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.TEXT, "Cancel"), ctx())

    assert outcome.state is None
    assert actions(outcome) == []
    assert replies(outcome)[-1] == menu_reply()


@pytest.mark.parametrize("state", list(SAVED))
def test_the_menu_check_in_button_starts_a_fresh_checkin_from_any_step(
    ctx: MakeContext, state: str
) -> None:
    saved = SAVED[state]

    outcome = route(situation(saved), inbound(Kind.BUTTON, "m:0:checkin"), ctx())

    assert outcome.state == FlowState("checkin", "colour", saved.step + 1, {})
    assert reply_keys(outcome) == ["checkin.ask_colour"]


@pytest.mark.parametrize("state", list(SAVED))
def test_the_menu_help_button_works_from_any_step(ctx: MakeContext, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.BUTTON, "m:0:help"), ctx())

    assert outcome == Outcome(None, (help_reply(), menu_reply()))


@pytest.mark.parametrize("state", list(SAVED))
def test_a_press_from_an_earlier_step_is_stale(ctx: MakeContext, state: str) -> None:
    saved = SAVED[state]

    with pytest.raises(StaleButton):
        route(situation(saved), inbound(Kind.BUTTON, f"checkin:{saved.step - 1}:skip"), ctx())


@pytest.mark.parametrize("state", list(SAVED))
def test_a_press_from_another_flow_is_stale(ctx: MakeContext, state: str) -> None:
    saved = SAVED[state]

    with pytest.raises(StaleButton):
        route(situation(saved), inbound(Kind.BUTTON, f"onboarding:{saved.step}:next"), ctx())


def test_text_mid_checkin_goes_to_the_checkin(ctx: MakeContext) -> None:
    outcome = route(situation(SAVED["note"]), inbound(Kind.TEXT, "tired"), ctx())

    assert actions(outcome) == [AddCheckInNote(REF, "tired")]


# --- restarts: all memory lives in FlowState -------------------------------------------------


def _reload(saved: FlowState) -> FlowState:
    """Round-trip through JSON as the conversation table would store it."""
    row = json.dumps({"flow": saved.flow, "state": saved.state, "step": saved.step,
                      "data": dict(saved.data)})
    return FlowState(**json.loads(row))


def _press_shown(outcome: Outcome, value: str) -> str:
    matches = [b.data for b in buttons(outcome) if b.data.endswith(f":{value}")]
    assert len(matches) == 1, f"{value} not offered"
    return matches[0]


def _walk(ctx: MakeContext, restart: bool) -> list[Outcome]:
    outcome = route(situation(None, step=20), inbound(Kind.COMMAND, "/checkin", 1), ctx())
    seen = [outcome]
    script = [(Kind.BUTTON, "pick.yellow"), (Kind.BUTTON, "yes"), (Kind.TEXT, "wired"),
              (Kind.TEXT, "work")]
    for update_id, (kind, value) in enumerate(script, start=2):
        assert outcome.state is not None
        saved = _reload(outcome.state) if restart else outcome.state
        payload = _press_shown(outcome, value) if kind is Kind.BUTTON else value
        outcome = route(situation(saved), inbound(kind, payload, update_id), ctx())
        seen.append(outcome)
    return seen


def test_a_restart_between_every_step_changes_nothing(ctx: MakeContext) -> None:
    without = _walk(ctx, restart=False)
    with_restarts = _walk(ctx, restart=True)

    assert with_restarts == without
    assert without[-1].state is None
    assert [a for o in without for a in actions(o)] == [
        RecordCheckIn("2", "yellow", NOW),
        UpdateProfile(colour_words={"yellow": "wired"}),
        AddCheckInNote("2", "work"),
    ]


def test_a_note_after_a_restart_joins_the_checkin_recorded_before_it(ctx: MakeContext) -> None:
    loaded = FlowState(**json.loads(
        '{"flow": "checkin", "state": "note", "step": 8, "data": {"colour": "blue", "ref": "77"}}'
    ))

    outcome = route(situation(loaded), inbound(Kind.TEXT, "slept badly", 99), ctx())

    assert actions(outcome) == [AddCheckInNote("77", "slept badly")]
    assert outcome.state is None


def test_own_words_typed_before_a_restart_are_reflected_after_it(ctx: MakeContext) -> None:
    after_words = FLOW.handle(SAVED["describe"], ctx(), text("ready to snap"))
    assert after_words.state is not None

    asked_again = FLOW.resume(_reload(after_words.state), ctx(), text("/start"))

    assert reply_keys(asked_again) == ["checkin.ask_note"]
    assert replies(asked_again)[0].text.params["meaning"] == "ready to snap"


def test_the_machine_holds_no_model_between_events(ctx: MakeContext) -> None:
    FLOW.handle(SAVED["colour"], ctx(), press("pick.red"))
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED["colour"], ctx(), press("skip"))

    assert FLOW.machine.models == []
