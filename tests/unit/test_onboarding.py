"""The onboarding flow as a transition table: every step, every valid and invalid input, no I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dialogues import onboarding
from dialogues.effects import (
    Audit,
    Button,
    CreateParticipant,
    DropConversation,
    Effect,
    Reply,
    Say,
    UpdateProfile,
)
from dialogues.errors import StaleButton
from dialogues.events import Kind
from dialogues.flow import Event, FlowState, Outcome
from dialogues.menu import menu_reply
from dialogues.router import Situation, route
from tests.unit.conftest import MakeContext
from tests.unit.flow_helpers import (
    actions,
    buttons,
    inbound_for,
    press,
    replies,
    reply_keys,
    state_name,
    text,
)

FLOW = onboarding.FLOW
INVITE_ID = 7
USER = 1001
inbound = inbound_for(USER)

# Each state as the database would hand it back: flow, state name, step, JSON data.
SAVED: dict[str, FlowState] = {
    "intro": FlowState("onboarding", "intro", 1, {"invite_id": INVITE_ID}),
    "limits": FlowState("onboarding", "limits", 2, {"invite_id": INVITE_ID}),
    "consent": FlowState("onboarding", "consent", 3, {"invite_id": INVITE_ID}),
    "name": FlowState("onboarding", "name", 4, {"invite_id": INVITE_ID, "joined": True}),
    "checkin_time": FlowState(
        "onboarding", "checkin_time", 5,
        {"invite_id": INVITE_ID, "joined": True, "name": "Sam", "asked_time": True},
    ),
}
PROMPT = {
    "intro": "onboarding.intro",
    "limits": "onboarding.limits",
    "consent": "onboarding.consent",
    "name": "onboarding.ask_name",
    "checkin_time": "onboarding.ask_time_again",  # asked once already, with thanks and name
}
BUTTON_ONLY = ("intro", "limits", "consent")
AGREED = ("name", "checkin_time")  # the participant exists from "I agree" on


def situation(saved: FlowState) -> Situation:
    return Situation(
        is_participant=saved.state in AGREED,
        is_facilitator=False,
        conversation=saved,
        step=saved.step,
    )


# --- the happy path, step by step ------------------------------------------------------------


def test_begin_says_who_the_bot_is_for_before_asking_anything(ctx: MakeContext) -> None:
    outcome = FLOW.begin(ctx(), text("/start abc"), 1, {"invite_id": INVITE_ID})

    assert outcome.state == FlowState("onboarding", "intro", 1, {"invite_id": INVITE_ID})
    assert actions(outcome) == []
    assert replies(outcome) == [
        Reply(Say("onboarding.intro"), ((Button(Say("button.continue"), "onboarding:1:next"),),))
    ]


VALID: list[Any] = [
    pytest.param("intro", press("next"), "limits", [], ["onboarding.limits"], id="intro-continue"),
    pytest.param(
        "limits", press("next"), "consent", [], ["onboarding.consent"], id="limits-continue"
    ),
    pytest.param(
        "consent", press("agree"), "name",
        [CreateParticipant(INVITE_ID), Audit("consent.given")], ["onboarding.ask_name"],
        id="consent-agree",
    ),
    pytest.param(
        "consent", press("not_now"), None, [DropConversation()], ["onboarding.not_now"],
        id="consent-not-now",
    ),
    pytest.param(
        "name", text("Sam"), "checkin_time",
        [UpdateProfile(preferred_name="Sam")], ["onboarding.ask_time"], id="name-typed",
    ),
    pytest.param(
        "checkin_time", press("pick.2100"), None,
        [UpdateProfile(checkin_time="21:00")], ["onboarding.done_with_time", "menu.prompt"],
        id="time-picked",
    ),
    pytest.param(
        "checkin_time", press("pick.none"), None,
        [UpdateProfile(checkin_time="")], ["onboarding.done_without_time", "menu.prompt"],
        id="time-none",
    ),
    pytest.param(
        "checkin_time", text("9pm"), None,
        [UpdateProfile(checkin_time="21:00")], ["onboarding.done_with_time", "menu.prompt"],
        id="time-typed",
    ),
    pytest.param(
        "checkin_time", text("7.30 am"), None,
        [UpdateProfile(checkin_time="07:30")], ["onboarding.done_with_time", "menu.prompt"],
        id="time-typed-with-minutes",
    ),
]


@pytest.mark.parametrize(("state", "event", "next_state", "effects", "reply_key_list"), VALID)
def test_each_valid_input_moves_to_the_expected_step_with_its_effects(
    ctx: MakeContext, state: str, event: Event, next_state: str | None,
    effects: list[Effect], reply_key_list: list[str],
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, ctx(), event)

    assert state_name(outcome) == next_state
    assert actions(outcome) == effects
    assert reply_keys(outcome) == reply_key_list
    if outcome.state is not None:
        assert outcome.state.step == saved.step + 1


def test_buttons_carry_the_step_they_were_sent_at(ctx: MakeContext) -> None:
    outcome = FLOW.handle(SAVED["limits"], ctx(), press("next"))

    assert [b.data for b in buttons(outcome)] == ["onboarding:3:agree", "onboarding:3:not_now"]


def test_agreeing_creates_the_participant_from_the_invite_and_audits_it(
    ctx: MakeContext,
) -> None:
    outcome = FLOW.handle(SAVED["consent"], ctx(), press("agree"))

    assert actions(outcome) == [CreateParticipant(INVITE_ID), Audit("consent.given")]
    assert outcome.state is not None
    assert outcome.state.data == {"invite_id": INVITE_ID, "joined": True}


def test_not_now_keeps_nothing_but_the_invite(ctx: MakeContext) -> None:
    outcome = FLOW.handle(SAVED["consent"], ctx(), press("not_now"))

    assert outcome.state is None
    assert actions(outcome) == [DropConversation()]
    assert reply_keys(outcome) == ["onboarding.not_now"]  # no menu: they are not a participant


def test_the_name_is_kept_as_typed_with_spacing_tidied(ctx: MakeContext) -> None:
    outcome = FLOW.handle(SAVED["name"], ctx(), text("  Sam   Jo \n Smith "))

    assert actions(outcome) == [UpdateProfile(preferred_name="Sam Jo Smith")]
    assert replies(outcome)[0].text.params == {"name": "Sam Jo Smith"}
    assert outcome.state is not None
    assert outcome.state.data["name"] == "Sam Jo Smith"


def test_a_name_of_exactly_the_limit_is_accepted(ctx: MakeContext) -> None:
    name = "x" * onboarding.MAX_NAME_LENGTH

    outcome = FLOW.handle(SAVED["name"], ctx(), text(name))

    assert actions(outcome) == [UpdateProfile(preferred_name=name)]


def _time_buttons(ctx: MakeContext) -> list[Button]:
    asked = FLOW.handle(SAVED["name"], ctx(), text("Sam"))
    return buttons(asked)


def test_every_offered_time_saves_exactly_that_time(ctx: MakeContext) -> None:
    offered = [b for b in _time_buttons(ctx) if isinstance(b.label, str)]
    assert [b.label for b in offered] == list(onboarding.TIME_CHOICES)

    for button in offered:
        label, value = str(button.label), button.data.split(":", 2)[2]
        outcome = FLOW.handle(SAVED["checkin_time"], ctx(), press(value))
        assert actions(outcome) == [UpdateProfile(checkin_time=label)]
        assert replies(outcome)[0].text == Say("onboarding.done_with_time", {"time": label})


def test_no_daily_checkin_switches_the_reminder_off(ctx: MakeContext) -> None:
    none = [b for b in _time_buttons(ctx) if b.label == Say("button.no_daily_checkin")]
    assert len(none) == 1
    value = none[0].data.split(":", 2)[2]

    outcome = FLOW.handle(SAVED["checkin_time"], ctx(), press(value))

    assert actions(outcome) == [UpdateProfile(checkin_time="")]
    assert reply_keys(outcome) == ["onboarding.done_without_time", "menu.prompt"]


def test_finishing_ends_the_flow_with_the_menu(ctx: MakeContext) -> None:
    outcome = FLOW.handle(SAVED["checkin_time"], ctx(), text("21:00"))

    assert outcome.state is None
    assert replies(outcome)[-1] == menu_reply()


# --- input the step cannot use ---------------------------------------------------------------


@pytest.mark.parametrize("state", BUTTON_ONLY)
def test_typing_where_a_button_is_needed_asks_for_the_buttons_and_repeats_the_step(
    ctx: MakeContext, state: str
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, ctx(), text("ok sure"))

    assert outcome.state == FlowState("onboarding", state, saved.step + 1, saved.data)
    assert reply_keys(outcome) == ["common.use_buttons", PROMPT[state]]
    assert actions(outcome) == []


@pytest.mark.parametrize(
    "typed", ["", "   ", "x" * (onboarding.MAX_NAME_LENGTH + 1), "/start abc"],
    ids=["empty", "blank", "too-long", "command-like"],
)
def test_an_unusable_name_is_explained_and_asked_again(ctx: MakeContext, typed: str) -> None:
    outcome = FLOW.handle(SAVED["name"], ctx(), text(typed))

    assert state_name(outcome) == "name"
    assert reply_keys(outcome) == ["onboarding.name_invalid", "onboarding.ask_name"]
    assert replies(outcome)[0].text.params == {"limit": str(onboarding.MAX_NAME_LENGTH)}
    assert actions(outcome) == []


@pytest.mark.parametrize(
    "event",
    [text("25:00"), text("13pm"), text("soon"), text(""), press("pick.2500"), press("pick")],
    ids=["25:00", "13pm", "soon", "empty", "forged-pick", "pick-without-time"],
)
def test_an_unusable_time_is_explained_and_asked_again(ctx: MakeContext, event: Event) -> None:
    outcome = FLOW.handle(SAVED["checkin_time"], ctx(), event)

    assert state_name(outcome) == "checkin_time"
    assert reply_keys(outcome) == ["onboarding.time_invalid", "onboarding.ask_time_again"]
    assert actions(outcome) == []


STALE_VALUES = [
    ("intro", "agree"), ("intro", "pick.2100"), ("intro", "begin"),
    ("limits", "agree"), ("limits", "not_now"),
    ("consent", "next"), ("consent", "pick.2100"), ("consent", "begin"),
    ("name", "next"), ("name", "agree"), ("name", "pick.2100"),
    ("checkin_time", "next"), ("checkin_time", "agree"), ("checkin_time", "skip"),
]


@pytest.mark.parametrize(("state", "value"), STALE_VALUES)
def test_a_button_that_does_not_belong_to_the_step_is_stale(
    ctx: MakeContext, state: str, value: str
) -> None:
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED[state], ctx(), press(value))


# --- through the router: commands, cancel, stale presses -------------------------------------


@pytest.mark.parametrize("command", ["/menu", "/cancel", "/start", "/start abc", "/checkin",
                                     "/help", "/nonsense"])
@pytest.mark.parametrize("state", list(SAVED))
def test_a_command_mid_onboarding_asks_the_current_step_again(
    ctx: MakeContext, state: str, command: str
) -> None:
    saved = SAVED[state]

    outcome = route(situation(saved), inbound(Kind.COMMAND, command), ctx())

    assert outcome.state == FlowState("onboarding", state, saved.step + 1, saved.data)
    assert reply_keys(outcome) == [PROMPT[state]]
    assert actions(outcome) == []
    assert all(b.data.startswith(f"onboarding:{saved.step + 1}:") for b in buttons(outcome))


@pytest.mark.parametrize(
    "state",
    [
        *BUTTON_ONLY,
        "name",
        "checkin_time",
    ],
)
def test_typing_cancel_mid_onboarding_keeps_the_step_and_saves_nothing(
    ctx: MakeContext, state: str
) -> None:
    saved = SAVED[state]

    outcome = route(situation(saved), inbound(Kind.TEXT, "Cancel"), ctx())

    assert state_name(outcome) == state
    assert reply_keys(outcome)[-1] == PROMPT[state]
    assert actions(outcome) == []


@pytest.mark.parametrize(
    ("state", "value"),
    [("intro", "next"), ("limits", "next"), ("consent", "not_now"), ("checkin_time", "pick.none")],
)
def test_the_current_button_goes_through_the_router_to_the_flow(
    ctx: MakeContext, state: str, value: str
) -> None:
    saved = SAVED[state]
    payload = f"onboarding:{saved.step}:{value}"

    outcome = route(situation(saved), inbound(Kind.BUTTON, payload), ctx())

    assert outcome == FLOW.handle(saved, ctx(), press(value))


@pytest.mark.parametrize("state", list(SAVED))
def test_a_press_from_an_earlier_step_is_stale(ctx: MakeContext, state: str) -> None:
    saved = SAVED[state]

    with pytest.raises(StaleButton):
        route(situation(saved), inbound(Kind.BUTTON, f"onboarding:{saved.step - 1}:next"), ctx())


@pytest.mark.parametrize("state", list(SAVED))
def test_a_press_from_another_flow_is_stale(ctx: MakeContext, state: str) -> None:
    saved = SAVED[state]

    with pytest.raises(StaleButton):
        route(situation(saved), inbound(Kind.BUTTON, f"checkin:{saved.step}:skip"), ctx())


@pytest.mark.parametrize("state", BUTTON_ONLY)
def test_menu_buttons_are_stale_before_consent_is_given(ctx: MakeContext, state: str) -> None:
    with pytest.raises(StaleButton):
        route(situation(SAVED[state]), inbound(Kind.BUTTON, "m:0:checkin"), ctx())


@pytest.mark.parametrize("state", AGREED)
def test_a_menu_press_mid_onboarding_asks_the_current_step_again_like_its_command(
    ctx: MakeContext, state: str
) -> None:
    saved = SAVED[state]

    by_press = route(situation(saved), inbound(Kind.BUTTON, "m:0:checkin"), ctx())
    by_command = route(situation(saved), inbound(Kind.COMMAND, "/checkin"), ctx())

    assert by_press == by_command


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
    outcome = route(Situation(False, False, None, 0, valid_invite_id=INVITE_ID),
                    inbound(Kind.COMMAND, "/start code", 1), ctx())
    seen = [outcome]
    script = [(Kind.BUTTON, "next"), (Kind.BUTTON, "next"), (Kind.BUTTON, "agree"),
              (Kind.TEXT, "Sam"), (Kind.BUTTON, "pick.2100")]
    for update_id, (kind, value) in enumerate(script, start=2):
        assert outcome.state is not None
        saved = _reload(outcome.state) if restart else outcome.state
        payload = _press_shown(outcome, value) if kind is Kind.BUTTON else value
        joined = any(isinstance(e, CreateParticipant) for o in seen for e in o.effects)
        where = Situation(joined, False, saved, saved.step)
        outcome = route(where, inbound(kind, payload, update_id), ctx())
        seen.append(outcome)
    return seen


def test_a_restart_between_every_step_changes_nothing(ctx: MakeContext) -> None:
    without = _walk(ctx, restart=False)
    with_restarts = _walk(ctx, restart=True)

    assert with_restarts == without
    assert without[-1].state is None
    assert [a for o in without for a in actions(o)] == [
        CreateParticipant(INVITE_ID), Audit("consent.given"),
        UpdateProfile(preferred_name="Sam"), UpdateProfile(checkin_time="21:00"),
    ]


def test_a_step_loaded_from_the_database_finishes_the_flow(ctx: MakeContext) -> None:
    loaded = FlowState(**json.loads(
        '{"flow": "onboarding", "state": "checkin_time", "step": 9,'
        ' "data": {"invite_id": 7, "joined": true, "name": "Sam"}}'
    ))

    outcome = route(situation(loaded), inbound(Kind.BUTTON, "onboarding:9:pick.1800"), ctx())

    assert outcome.state is None
    assert actions(outcome) == [UpdateProfile(checkin_time="18:00")]
    assert reply_keys(outcome) == ["onboarding.done_with_time", "menu.prompt"]


def test_the_machine_holds_no_model_between_events(ctx: MakeContext) -> None:
    FLOW.handle(SAVED["consent"], ctx(), press("agree"))
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED["consent"], ctx(), press("next"))

    assert FLOW.machine.models == []


def test_two_people_at_different_steps_do_not_affect_each_other(ctx: MakeContext) -> None:
    alone = FLOW.handle(SAVED["intro"], ctx(), press("next"))

    FLOW.handle(SAVED["consent"], ctx(), press("agree"))
    interleaved = FLOW.handle(SAVED["intro"], ctx(), press("next"))

    assert interleaved == alone
