"""The router's decision table: who sent what, and which flow (if any) gets it."""

from __future__ import annotations

import pytest

from dialogues.effects import Reply, Say
from dialogues.errors import StaleButton
from dialogues.events import Inbound, Kind
from dialogues.flow import FlowState, Outcome
from dialogues.menu import help_reply, menu_reply
from dialogues.router import Situation, route
from tests.unit.conftest import NOW, MakeContext

USER = 3003
NEUTRAL = Outcome(None, (Reply(Say("access.neutral")),))
MENU = Outcome(None, (menu_reply(),))
MID_CHECKIN = FlowState("checkin", "note", 6, {"colour": "blue", "ref": "5"})


def inbound(kind: Kind, payload: str) -> Inbound:
    return Inbound(60, USER, USER, kind, payload, NOW)


def stranger(invite_id: int | None = None) -> Situation:
    return Situation(False, False, None, 0, valid_invite_id=invite_id)


def participant(conversation: FlowState | None = None, step: int = 4) -> Situation:
    return Situation(True, False, conversation, conversation.step if conversation else step)


def keys(outcome: Outcome) -> list[str]:
    return [e.text.key for e in outcome.effects if isinstance(e, Reply)]


@pytest.mark.parametrize(
    "message",
    [inbound(Kind.TEXT, "hello"), inbound(Kind.COMMAND, "/start abc"),
     inbound(Kind.COMMAND, "/checkin"), inbound(Kind.BUTTON, "checkin:1:skip"),
     inbound(Kind.BUTTON, "m:0:checkin")],
    ids=["text", "start", "checkin", "old-button", "menu-button"],
)
def test_a_facilitator_gets_the_facilitator_hello_whatever_they_send(
    ctx: MakeContext, message: Inbound
) -> None:
    who = Situation(False, True, None, 0, valid_invite_id=9)

    assert route(who, message, ctx()) == Outcome(None, (Reply(Say("facilitator.hello")),))


def test_a_stranger_with_a_valid_invite_begins_onboarding(ctx: MakeContext) -> None:
    outcome = route(stranger(invite_id=12), inbound(Kind.COMMAND, "/start code"), ctx())

    assert outcome.state == FlowState("onboarding", "intro", 1, {"invite_id": 12})
    assert keys(outcome) == ["onboarding.intro"]


def test_onboarding_begins_one_step_after_the_chats_last_event(ctx: MakeContext) -> None:
    who = Situation(False, False, None, 17, valid_invite_id=12)

    outcome = route(who, inbound(Kind.COMMAND, "/start@SteadyBot code"), ctx())

    assert outcome.state is not None
    assert outcome.state.step == 18


@pytest.mark.parametrize(
    ("who", "message"),
    [
        (stranger(), inbound(Kind.COMMAND, "/start")),
        (stranger(), inbound(Kind.COMMAND, "/start wrong-code")),
        (stranger(), inbound(Kind.TEXT, "hello")),
        (stranger(), inbound(Kind.COMMAND, "/help")),
        (stranger(), inbound(Kind.COMMAND, "/checkin")),
        (stranger(invite_id=12), inbound(Kind.TEXT, "start")),
        (stranger(invite_id=12), inbound(Kind.COMMAND, "/menu")),
    ],
    ids=["start-no-code", "start-bad-code", "text", "help", "checkin", "text-with-invite",
         "menu-with-invite"],
)
def test_a_stranger_without_a_valid_invite_gets_one_neutral_sentence_and_no_state(
    ctx: MakeContext, who: Situation, message: Inbound
) -> None:
    assert route(who, message, ctx()) == NEUTRAL


@pytest.mark.parametrize("payload", ["m:0:checkin", "onboarding:1:agree", "nonsense"])
def test_a_stranger_pressing_any_button_is_stale(ctx: MakeContext, payload: str) -> None:
    with pytest.raises(StaleButton):
        route(stranger(), inbound(Kind.BUTTON, payload), ctx())


def test_idle_text_from_a_participant_points_to_the_menu(ctx: MakeContext) -> None:
    outcome = route(participant(), inbound(Kind.TEXT, "hi there"), ctx())

    assert outcome == Outcome(None, (menu_reply("menu.idle_text"),))


@pytest.mark.parametrize("command", ["/menu", "/start", "/start old-code", "/cancel", "/MENU"])
def test_menu_start_and_cancel_show_the_menu_when_idle(ctx: MakeContext, command: str) -> None:
    assert route(participant(), inbound(Kind.COMMAND, command), ctx()) == MENU


@pytest.mark.parametrize(
    "message", [inbound(Kind.COMMAND, "/help"), inbound(Kind.BUTTON, "m:0:help")],
    ids=["command", "menu-button"],
)
def test_help_gives_the_help_text_and_the_menu(ctx: MakeContext, message: Inbound) -> None:
    outcome = route(participant(), message, ctx())

    assert outcome == Outcome(None, (help_reply(), menu_reply()))


@pytest.mark.parametrize(
    "message",
    [inbound(Kind.COMMAND, "/checkin"), inbound(Kind.COMMAND, "/CheckIn@SteadyBot"),
     inbound(Kind.BUTTON, "m:0:checkin")],
    ids=["command", "command-with-bot-name", "menu-button"],
)
def test_checkin_begins_the_checkin_flow(ctx: MakeContext, message: Inbound) -> None:
    outcome = route(participant(step=4), message, ctx())

    assert outcome.state == FlowState("checkin", "colour", 5, {})
    assert keys(outcome) == ["checkin.ask_colour"]


@pytest.mark.parametrize("conversation", [None, MID_CHECKIN], ids=["idle", "mid-checkin"])
@pytest.mark.parametrize(
    "message", [inbound(Kind.COMMAND, "/frobnicate"), inbound(Kind.BUTTON, "m:0:frobnicate")],
    ids=["command", "menu-button"],
)
def test_an_unknown_command_says_so_and_shows_the_menu(
    ctx: MakeContext, message: Inbound, conversation: FlowState | None
) -> None:
    outcome = route(participant(conversation), message, ctx())

    assert outcome == Outcome(None, (Reply(Say("common.unknown_command")), menu_reply()))


def test_cancel_mid_flow_says_it_stopped(ctx: MakeContext) -> None:
    outcome = route(participant(MID_CHECKIN), inbound(Kind.COMMAND, "/cancel"), ctx())

    assert keys(outcome) == ["common.cancelled", "menu.prompt"]
    assert outcome.state is None


def test_text_mid_flow_goes_to_that_flow(ctx: MakeContext) -> None:
    outcome = route(participant(MID_CHECKIN), inbound(Kind.TEXT, "a long day"), ctx())

    assert keys(outcome) == ["checkin.next_step_after_note", "menu.after_checkin"]


@pytest.mark.parametrize(
    ("conversation", "payload"),
    [
        (None, "checkin:4:skip"),  # the flow it belonged to has ended
        (MID_CHECKIN, "checkin:5:skip"),  # an earlier step
        (MID_CHECKIN, "checkin:7:skip"),  # a step that has not happened
        (MID_CHECKIN, "onboarding:6:next"),  # another flow at the same step
        (MID_CHECKIN, "checkin:six:skip"),  # malformed step
        (MID_CHECKIN, "checkin-6-skip"),  # not flow:step:value
        (MID_CHECKIN, ""),
    ],
    ids=["flow-ended", "earlier-step", "future-step", "other-flow", "malformed-step",
         "no-separators", "empty"],
)
def test_an_old_foreign_or_malformed_button_is_stale(
    ctx: MakeContext, conversation: FlowState | None, payload: str
) -> None:
    with pytest.raises(StaleButton):
        route(participant(conversation), inbound(Kind.BUTTON, payload), ctx())


def test_the_current_button_reaches_its_flow(ctx: MakeContext) -> None:
    outcome = route(participant(MID_CHECKIN), inbound(Kind.BUTTON, "checkin:6:skip"), ctx())

    assert keys(outcome) == ["checkin.next_step", "menu.after_checkin"]
    assert outcome.state is None


@pytest.mark.parametrize(
    "message", [inbound(Kind.COMMAND, "/urgent"), inbound(Kind.BUTTON, "m:0:urgent")],
    ids=["command", "menu-button"],
)
@pytest.mark.parametrize("conversation", [None, MID_CHECKIN], ids=["idle", "mid-checkin"])
def test_urgent_help_is_reachable_from_anywhere(
    ctx: MakeContext, message: Inbound, conversation: FlowState | None
) -> None:
    outcome = route(participant(conversation, step=4), message, ctx())

    step = (conversation.step if conversation else 4) + 1
    assert outcome.state == FlowState("urgent", "choose", step, {})
    assert keys(outcome) == ["urgent.ask"]


def test_the_menu_button_shows_the_menu_mid_flow(ctx: MakeContext) -> None:
    assert route(participant(MID_CHECKIN), inbound(Kind.BUTTON, "m:0:menu"), ctx()) == MENU


def test_carry_on_after_a_flag_asks_the_interrupted_step_again(ctx: MakeContext) -> None:
    outcome = route(participant(MID_CHECKIN), inbound(Kind.BUTTON, "m:0:resume"), ctx())

    assert outcome.state == FlowState("checkin", "note", 7, MID_CHECKIN.data)
    assert keys(outcome) == ["checkin.ask_note"]


def test_an_old_carry_on_button_with_nothing_to_resume_shows_the_menu(ctx: MakeContext) -> None:
    assert route(participant(), inbound(Kind.BUTTON, "m:0:resume"), ctx()) == MENU
