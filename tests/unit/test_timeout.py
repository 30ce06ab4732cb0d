"""The Time Out flow as a transition table: safety check, phrase, colour, length, rules, the
scheduled prompts and end message, silencing them, and coming back."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from content.loader import Content, load_content
from content.phrasebook import Phrasebook
from dialogues import timeout
from dialogues.effects import (
    Button,
    CancelScheduled,
    Effect,
    EndTimeOut,
    Reply,
    Say,
    Schedule,
    StartTimeOut,
)
from dialogues.errors import StaleButton
from dialogues.events import Inbound, Kind
from dialogues.flow import Context, Event, FlowState, Library, Outcome, Profile
from dialogues.menu import menu_reply
from dialogues.preferences import TIMEOUT_LENGTHS, Plan, Preferences
from dialogues.router import Situation, route
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

FLOW = timeout.FLOW
USER = 4004
inbound = inbound_for(USER)
GO_UPDATE = 70  # the update id of the Start press, which becomes the Time Out's ref
REF = str(GO_UPDATE)
Make = Callable[..., Context]

SAVED: dict[str, FlowState] = {
    "danger": FlowState("timeout", "danger", 11, {}),
    "colour_before": FlowState("timeout", "colour_before", 12, {}),
    "length": FlowState("timeout", "length", 13, {"colour_before": "yellow"}),
    "rules": FlowState("timeout", "rules", 14, {"colour_before": "yellow", "minutes": 30}),
    "colour_after": FlowState("timeout", "colour_after", 21, {"arg": "9", "ref": "9"}),
    "return_say": FlowState("timeout", "return_say", 22,
                            {"arg": "9", "ref": "9", "colour_after": "green"}),
    "return_listen": FlowState("timeout", "return_listen", 23,
                               {"arg": "9", "ref": "9", "colour_after": "green"}),
}
PROMPT = {
    "danger": "timeout.ask_danger",
    "colour_before": "timeout.ask_colour",
    "length": "timeout.ask_length",
    "rules": "timeout.rules",
    "colour_after": "timeout.ask_colour_after",
    "return_say": "timeout.ask_say",
    "return_listen": "timeout.ask_listen",
}
BUTTON_ONLY = ("danger", "colour_before", "length", "rules", "colour_after")
FREE_TEXT = ("return_say", "return_listen")


@pytest.fixture
def make(library: Library) -> Make:
    """Return a factory of contexts; keyword arguments go to the Profile."""

    def build(now: datetime = NOW, **profile: Any) -> Context:
        return Context(now, library, Profile(**{"preferred_name": "Sam", **profile}))

    return build


@pytest.fixture(scope="module")
def book() -> Phrasebook:
    content = load_content()
    return Phrasebook(content.locale, content.resources)


def schedules(outcome: Outcome) -> list[Schedule]:
    return [e for e in outcome.effects if isinstance(e, Schedule)]


def started(minutes: int, colour: str | None = "yellow") -> list[Effect]:
    """What pressing Start schedules for a Time Out of ``minutes`` begun at NOW."""
    silence = ((Button(Say("timeout.button.silence"), f"m:0:timeout_silence.{REF}"),),)
    back = ((Button(Say("timeout.button.back"), f"m:0:timeout_end.{REF}"),),)
    length = timedelta(minutes=minutes)
    return [
        StartTimeOut(REF, minutes, colour, NOW),
        Schedule(f"timeout:{REF}:prompt:1", NOW + length / 3, Say("timeout.prompt.first"),
                 silence),
        Schedule(f"timeout:{REF}:prompt:2", NOW + length * 2 / 3, Say("timeout.prompt.second"),
                 silence),
        Schedule(f"timeout:{REF}:end", NOW + length, Say("timeout.end"), back),
    ]


# --- beginning ------------------------------------------------------------------------------


def test_begin_asks_about_danger_first(make: Make) -> None:
    outcome = FLOW.begin(make(), text("/timeout"), 3)

    assert outcome.state == FlowState("timeout", "danger", 3, {})
    assert reply_keys(outcome) == ["timeout.ask_danger"]
    assert [b.data for b in buttons(outcome)] == ["timeout:3:yes", "timeout:3:no"]
    assert actions(outcome) == []


@pytest.mark.parametrize("message", [inbound(Kind.COMMAND, "/timeout"),
                                     inbound(Kind.BUTTON, "m:0:timeout")], ids=["command", "menu"])
def test_the_command_and_the_menu_button_start_a_time_out(make: Make, message: Inbound) -> None:
    outcome = route(situation(None, step=5), message, make())

    assert outcome.state == FlowState("timeout", "danger", 6, {})


# --- the transition table -------------------------------------------------------------------

def _end(colour: str) -> EndTimeOut:
    return EndTimeOut("9", colour, NOW)


VALID: list[Any] = [
    pytest.param("danger", {}, press("no"), "colour_before", [],
                 ["timeout.phrase_default", "timeout.ask_colour"], id="no-danger"),
    pytest.param("danger", {"plan": Plan(timeout_phrase="I need a break, back at nine")},
                 press("no"), "colour_before", [], ["timeout.phrase_own", "timeout.ask_colour"],
                 id="no-danger-own-phrase"),
    pytest.param("colour_before", {}, press("pick.red"), "length", [], ["timeout.ask_length"],
                 id="colour-before"),
    pytest.param("length", {}, press("minutes.20"), "rules", [], ["timeout.rules"],
                 id="length"),
    pytest.param("rules", {}, press("go", GO_UPDATE), None, started(30), ["timeout.started"],
                 id="start"),
    pytest.param("colour_after", {}, press("pick.green"), "return_say", [_end("green")],
                 ["timeout.ask_say"], id="back-green"),
    # Blue (low, flat, resentful) is not calm: no planning the return yet.
    pytest.param("colour_after", {}, press("pick.blue"), None, [_end("blue")],
                 ["timeout.not_calm_blue"], id="back-blue"),
    pytest.param("colour_after", {}, press("pick.yellow"), None, [_end("yellow")],
                 ["timeout.not_calm_yet"], id="back-yellow"),
    pytest.param("colour_after", {}, press("pick.red"), None, [_end("red")],
                 ["timeout.not_calm_red"], id="back-red"),
    pytest.param("return_say", {}, text("Sorry I walked off, can we talk?"), "return_listen", [],
                 ["timeout.ask_listen_after_say"], id="say"),
    pytest.param("return_say", {}, press("skip"), "return_listen", [], ["timeout.ask_listen"],
                 id="say-skip"),
    pytest.param("return_listen", {}, text("let her finish"), None, [],
                 ["timeout.closing_with_listen"], id="listen"),
    pytest.param("return_listen", {}, press("skip"), None, [], ["timeout.closing"],
                 id="listen-skip"),
]


@pytest.mark.parametrize(("state", "profile", "event", "next_state", "effects", "keys"), VALID)
def test_each_valid_input_moves_to_the_expected_step_with_its_effects(
    make: Make, state: str, profile: dict[str, Any], event: Event, next_state: str | None,
    effects: list[Effect], keys: list[str],
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, make(**profile), event)

    assert state_name(outcome) == next_state
    assert actions(outcome) == effects
    assert reply_keys(outcome) == keys
    assert outcome.then is None
    if outcome.state is not None:
        assert outcome.state.step == saved.step + 1
        assert all(b.data.startswith(f"timeout:{saved.step + 1}:") for b in buttons(outcome))


def test_danger_yes_hands_over_to_urgent_help(make: Make) -> None:
    outcome = FLOW.handle(SAVED["danger"], make(), press("yes"))

    assert outcome == Outcome(None, (), ("urgent", "begin"))


def test_danger_yes_through_the_router_shows_urgent_help_at_once(make: Make) -> None:
    saved = SAVED["danger"]

    outcome = route(situation(saved), inbound(Kind.BUTTON, f"timeout:{saved.step}:yes"), make())

    assert outcome.state == FlowState("urgent", "choose", saved.step + 1, {})
    assert reply_keys(outcome) == ["urgent.ask"]
    assert outcome.then is None


def test_the_agreed_phrase_is_reflected_back_in_their_words(make: Make) -> None:
    phrase = "I'm wound up, I'm going out, back at eight"

    outcome = FLOW.handle(SAVED["danger"], make(plan=Plan(timeout_phrase=phrase)), press("no"))

    assert replies(outcome)[0].text == Say("timeout.phrase_own", {"phrase": phrase})


def test_the_colour_question_lists_every_colour_in_the_persons_words(
    make: Make, content: Content
) -> None:
    outcome = FLOW.handle(SAVED["danger"], make(colour_words={"red": "about to blow"}), press("no"))

    ask = replies(outcome)[1]
    palette = content.palette
    red = palette.get("red")
    assert ask.text.params["colours"].splitlines()[-1] == f"{red.emoji} Red: about to blow"
    assert [b.data for row in ask.buttons for b in row] == [
        f"timeout:12:pick.{c.key}" for c in palette.colours
    ]


@pytest.mark.parametrize("colour", ["green", "blue", "yellow", "red"])
def test_the_colour_before_goes_into_the_start_record(make: Make, colour: str) -> None:
    after_colour = FLOW.handle(SAVED["colour_before"], make(), press(f"pick.{colour}"))
    assert after_colour.state is not None
    after_length = FLOW.handle(after_colour.state, make(), press("minutes.30"))
    assert after_length.state is not None

    outcome = FLOW.handle(after_length.state, make(), press("go", GO_UPDATE))

    assert actions(outcome) == started(30, colour)


@pytest.mark.parametrize(
    ("usual", "order", "marked"),
    [(30, [30, 20, 60], 30), (20, [20, 30, 60], 20), (60, [60, 20, 30], 60),
     (45, [20, 30, 60], None)],
)
def test_the_usual_length_comes_first_and_is_marked(
    make: Make, usual: int, order: list[int], marked: int | None
) -> None:
    preferences = Preferences(timeout_minutes=usual)

    outcome = FLOW.handle(SAVED["colour_before"], make(preferences=preferences), press("pick.red"))

    shown = buttons(outcome)
    assert [b.data for b in shown] == [f"timeout:13:minutes.{m}" for m in order]
    assert [b.label for b in shown] == [
        Say("timeout.button.minutes_usual" if m == marked else "timeout.button.minutes",
            {"minutes": str(m)}) for m in order
    ]


def test_the_rules_name_the_length_and_offer_start(make: Make) -> None:
    outcome = FLOW.handle(SAVED["length"], make(), press("minutes.60"))

    assert replies(outcome) == [Reply(Say("timeout.rules", {"minutes": "60"}),
                                      ((Button(Say("timeout.button.go"), "timeout:14:go"),),))]
    assert outcome.state is not None
    assert outcome.state.data == {"colour_before": "yellow", "minutes": 60}


# --- scheduling ------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [20, 30, 60])
def test_start_schedules_two_prompts_and_the_end_message_relative_to_now(
    make: Make, minutes: int
) -> None:
    saved = FlowState("timeout", "rules", 14, {"colour_before": "red", "minutes": minutes})

    outcome = FLOW.handle(saved, make(), press("go", GO_UPDATE))

    assert outcome.state is None
    assert actions(outcome) == started(minutes, "red")
    assert [s.key for s in schedules(outcome)] == [
        "timeout:70:prompt:1", "timeout:70:prompt:2", "timeout:70:end"]
    assert [s.at - NOW for s in schedules(outcome)] == [
        timedelta(minutes=minutes) * k / 3 for k in (1, 2, 3)]


@pytest.mark.parametrize(
    ("now", "zone", "minutes", "shown"),
    [(NOW, "Europe/London", 30, "19:30"),  # summer: BST
     (datetime(2024, 1, 15, 18, 0, tzinfo=UTC), "Europe/London", 30, "18:30"),  # winter: GMT
     (datetime(2024, 3, 31, 0, 40, tzinfo=UTC), "Europe/London", 20, "02:00"),  # clocks go on
     (NOW, "Asia/Kolkata", 60, "00:30")],
    ids=["bst", "gmt", "dst-change", "other-zone"],
)
def test_the_start_reply_gives_the_local_time_to_come_back(
    make: Make, now: datetime, zone: str, minutes: int, shown: str
) -> None:
    saved = FlowState("timeout", "rules", 14, {"colour_before": "red", "minutes": minutes})

    outcome = FLOW.handle(saved, make(now=now, timezone=zone), press("go", GO_UPDATE))

    assert replies(outcome) == [
        Reply(Say("timeout.started", {"minutes": str(minutes), "time": shown}))]
    assert schedules(outcome)[-1].at == now + timedelta(minutes=minutes)


# --- the one-tap start at red ---------------------------------------------------------------


def test_extending_at_red_starts_at_once_with_the_usual_length(make: Make) -> None:
    outcome = route(situation(None, 40),
                    inbound(Kind.BUTTON, "m:0:timeout_now", GO_UPDATE),
                    make(preferences=Preferences(timeout_minutes=20)))

    assert outcome.state is None
    assert actions(outcome) == started(20, colour="red")  # red: the facilitator is told
    assert reply_keys(outcome) == ["timeout.started_now"]
    assert replies(outcome)[0].text.params == {"minutes": "20", "time": "19:20"}


def test_the_one_tap_start_reminds_them_of_their_own_phrase(make: Make) -> None:
    phrase = "I need a break, back at nine"
    outcome = FLOW.begin(make(plan=Plan(timeout_phrase=phrase)), press("", GO_UPDATE), 5,
                         trigger="now")

    assert replies(outcome)[0].text == Say("timeout.started_now_phrase", {
        "minutes": "30", "time": "19:30", "phrase": phrase})


def test_the_one_tap_start_refuses_a_second_time_out(make: Make) -> None:
    outcome = FLOW.begin(make(running_timeout="12"), press("", GO_UPDATE), 5, trigger="now")

    assert reply_keys(outcome) == ["timeout.already_running"]
    assert not [a for a in actions(outcome) if isinstance(a, StartTimeOut)]


def test_no_start_message_claims_they_named_the_time(content: Content) -> None:
    for key in ("timeout.started", "timeout.started_now", "timeout.started_now_phrase"):
        for locale in (content.locale, *content.overlays.values()):
            for variant in locale.texts.get(key, []):
                assert "as you said" not in variant, key
                assert "{minutes}" in variant, key


# --- silencing the prompts and coming back, through the router ------------------------------


@pytest.mark.parametrize("saved", [None, *SAVED.values()], ids=["idle", *SAVED])
def test_the_silence_button_cancels_the_prompts_only(make: Make, saved: FlowState | None) -> None:
    outcome = route(situation(saved, 30), inbound(Kind.BUTTON, "m:0:timeout_silence.70"), make())

    assert outcome.state == saved  # whatever the person was doing carries on
    assert actions(outcome) == [CancelScheduled("timeout:70:prompt")]
    assert reply_keys(outcome) == ["timeout.silenced"]


def test_silencing_without_knowing_which_time_out_cancels_nothing(make: Make) -> None:
    outcome = route(situation(None, 30), inbound(Kind.COMMAND, "/timeout_silence"), make())

    assert outcome == Outcome(None, (Reply(Say("timeout.silence_unknown")),))


@pytest.mark.parametrize("saved", [None, SAVED["colour_after"]], ids=["idle", "mid-flow"])
def test_the_im_back_button_asks_for_the_colour_now(
    make: Make, content: Content, saved: FlowState | None
) -> None:
    outcome = route(situation(saved, 30), inbound(Kind.BUTTON, "m:0:timeout_end.70"), make())

    step = (saved.step if saved else 30) + 1
    assert outcome.state == FlowState("timeout", "colour_after", step, {"arg": "70", "ref": "70"})
    assert reply_keys(outcome) == ["timeout.ask_colour_after"]
    assert [b.data for b in buttons(outcome)] == [
        f"timeout:{step}:pick.{c.key}" for c in content.palette.colours
    ]
    assert actions(outcome) == []


@pytest.mark.parametrize(
    ("colour", "next_state", "keys"),
    [("green", "return_say", ["timeout.ask_say"]), ("blue", None, ["timeout.not_calm_blue"]),
     ("yellow", None, ["timeout.not_calm_yet"]), ("red", None, ["timeout.not_calm_red"])],
)
def test_the_colour_after_is_logged_and_picks_the_branch(
    make: Make, colour: str, next_state: str | None, keys: list[str]
) -> None:
    back = route(situation(None, 30), inbound(Kind.BUTTON, "m:0:timeout_end.70"), make())
    assert back.state is not None

    outcome = route(situation(back.state),
                    inbound(Kind.BUTTON, f"timeout:{back.state.step}:pick.{colour}"), make())

    assert state_name(outcome) == next_state
    assert actions(outcome) == [EndTimeOut("70", colour, NOW)]
    assert reply_keys(outcome) == keys


def test_typing_the_end_command_ends_the_latest_open_time_out(make: Make) -> None:
    back = route(situation(None, 30), inbound(Kind.COMMAND, "/timeout_end"), make())
    assert back.state is not None

    outcome = FLOW.handle(back.state, make(), press("pick.green"))

    assert actions(outcome) == [EndTimeOut("", "green", NOW)]  # "": the shell takes the latest


@pytest.mark.parametrize(("colour", "key"), [("yellow", "timeout.not_calm_yet"),
                                             ("blue", "timeout.not_calm_blue")])
def test_not_calm_yet_offers_another_time_out_press_pause_and_urgent_help(
    make: Make, colour: str, key: str
) -> None:
    outcome = FLOW.handle(SAVED["colour_after"], make(), press(f"pick.{colour}"))

    reply = replies(outcome)[0]
    assert reply.text == Say(key, {"colour": colour.capitalize()})
    assert [[b.data for b in row] for row in reply.buttons] == [
        ["m:0:timeout"], ["m:0:pause"], ["m:0:urgent"]]


def test_still_red_on_return_does_not_go_back_but_extends_or_takes_the_urgent_path(
    make: Make,
) -> None:
    outcome = FLOW.handle(SAVED["colour_after"], make(preferences=Preferences(
        timeout_minutes=20)), press("pick.red"))

    [reply] = replies(outcome)
    assert reply.text == Say("timeout.not_calm_red", {"minutes": "20"})
    assert [[b.data for b in row] for row in reply.buttons] == [
        ["m:0:timeout_now"], ["m:0:urgent_not_safe"]]


def test_the_red_return_text_says_do_not_go_back(content: Content) -> None:
    red = " ".join(content.locale.texts["timeout.not_calm_red"]).lower()
    yellow = " ".join(content.locale.texts["timeout.not_calm_yet"]).lower()

    assert "don't go back" in red and "just long enough" not in red
    assert "extend" in red and "not safe" in red
    assert red != yellow


@pytest.mark.parametrize(
    ("payload", "flow", "state"),
    [("m:0:timeout", "timeout", "danger"), ("m:0:pause", "pause", "happened"),
     ("m:0:urgent", "urgent", "choose"), ("m:0:urgent_not_safe", "urgent", "which")],
)
def test_the_offers_after_a_heated_return_lead_to_their_tools(
    make: Make, payload: str, flow: str, state: str
) -> None:
    outcome = route(situation(None, 40), inbound(Kind.BUTTON, payload), make())

    assert outcome.state is not None
    assert (outcome.state.flow, outcome.state.state) == (flow, state)


def test_the_return_plan_is_reflected_back(make: Make) -> None:
    said = FLOW.handle(SAVED["return_say"], make(), text("  Sorry I walked off. Can we talk? "))
    assert said.state is not None
    assert replies(said)[0].text == Say("timeout.ask_listen_after_say",
                                        {"words": "Sorry I walked off. Can we talk?"})

    closing = FLOW.handle(said.state, make(), text("let her finish"))

    assert replies(closing) == [
        Reply(Say("timeout.closing_with_listen", {"words": "let her finish"}),
              ((Button(Say("button.menu"), "m:0:menu"),),))]


# --- input the step cannot use ---------------------------------------------------------------


@pytest.mark.parametrize("state", BUTTON_ONLY)
def test_typing_where_a_button_is_needed_asks_for_the_buttons_and_repeats_the_step(
    make: Make, state: str
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, make(), text("red I think"))

    assert outcome.state == FlowState("timeout", state, saved.step + 1, saved.data)
    assert reply_keys(outcome) == ["common.use_buttons", PROMPT[state]]
    assert actions(outcome) == []


@pytest.mark.parametrize(
    ("state", "value"),
    [("colour_before", "pick.purple"), ("colour_after", "pick.purple"), ("length", "minutes.45"),
     ("length", "minutes.")],
)
def test_an_unknown_choice_records_nothing_and_asks_again(
    make: Make, state: str, value: str
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, make(), press(value))

    assert outcome.state == FlowState("timeout", state, saved.step + 1, saved.data)
    assert reply_keys(outcome) == [PROMPT[state]]
    assert actions(outcome) == []


@pytest.mark.parametrize("state", FREE_TEXT)
@pytest.mark.parametrize("typed", ["   ", "x" * (timeout.MAX_ANSWER_LENGTH + 1)],
                         ids=["blank", "too-long"])
def test_an_unusable_answer_is_explained_and_asked_again(
    make: Make, state: str, typed: str
) -> None:
    outcome = FLOW.handle(SAVED[state], make(), text(typed))

    assert state_name(outcome) == state
    assert replies(outcome)[0].text == Say("timeout.answer_invalid",
                                           {"limit": str(timeout.MAX_ANSWER_LENGTH)})
    assert reply_keys(outcome)[1:] == [PROMPT[state]]


STALE_VALUES = [
    ("danger", "pick.red"), ("danger", "go"), ("danger", "begin"), ("danger", "silence"),
    ("colour_before", "yes"), ("colour_before", "minutes.30"), ("colour_before", "come_back"),
    ("length", "pick.red"), ("length", "go"), ("rules", "minutes.30"), ("rules", "skip"),
    ("colour_after", "skip"), ("colour_after", "go"), ("colour_after", "come_back"),
    ("return_say", "pick.green"), ("return_say", "go"), ("return_listen", "yes"),
    ("return_listen", "silence"),
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
        route(situation(saved), inbound(Kind.BUTTON, f"timeout:{saved.step - 1}:skip"), make())


# --- leaving ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_menu_ends_the_time_out_flow_with_the_menu(make: Make, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/menu"), make())

    assert outcome == Outcome(None, (menu_reply(),))


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_cancel_ends_the_time_out_flow_with_the_menu(make: Make, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/cancel"), make())

    assert outcome == Outcome(None, (Reply(Say("common.cancelled")), menu_reply()))


# --- restarts: all memory lives in FlowState -------------------------------------------------


def _reload(saved: FlowState) -> FlowState:
    row = json.dumps({"flow": saved.flow, "state": saved.state, "step": saved.step,
                      "data": dict(saved.data)})
    return FlowState(**json.loads(row))


def _press_shown(outcome: Outcome, value: str) -> str:
    matches = [b.data for b in buttons(outcome) if b.data.endswith(f":{value}")]
    assert len(matches) == 1, f"{value} not offered"
    return matches[0]


def _walk(make: Make, restart: bool) -> list[Outcome]:
    """A whole Time Out: start it, then come back later from the end message's button."""
    outcome = route(situation(None, step=20), inbound(Kind.COMMAND, "/timeout", 1), make())
    seen = [outcome]
    script: list[tuple[Kind, str]] = [
        (Kind.BUTTON, "no"), (Kind.BUTTON, "pick.yellow"), (Kind.BUTTON, "minutes.20"),
        (Kind.BUTTON, "go"), (Kind.BUTTON, "m:0:timeout_end.5"), (Kind.BUTTON, "pick.green"),
        (Kind.TEXT, "I'm sorry I raised my voice"), (Kind.BUTTON, "skip"),
    ]
    saved: FlowState | None = None
    for update_id, (kind, value) in enumerate(script, start=2):
        if outcome.state is not None:
            saved = _reload(outcome.state) if restart else outcome.state
        if value.startswith("m:0:"):
            payload, saved = value, None
        else:
            payload = _press_shown(outcome, value) if kind is Kind.BUTTON else value
        step = saved.step if saved else 30
        outcome = route(Situation(True, False, saved, step), inbound(kind, payload, update_id),
                        make())
        seen.append(outcome)
    return seen


def test_a_restart_between_every_step_changes_nothing(make: Make) -> None:
    without = _walk(make, restart=False)
    with_restarts = _walk(make, restart=True)

    assert with_restarts == without
    assert without[-1].state is None
    assert [type(a).__name__ for o in without for a in actions(o)] == [
        "StartTimeOut", "Schedule", "Schedule", "Schedule", "EndTimeOut"]
    assert [a for o in without for a in actions(o) if isinstance(a, StartTimeOut | EndTimeOut)] \
        == [StartTimeOut("5", 20, "yellow", NOW), EndTimeOut("5", "green", NOW)]
    assert reply_keys(without[-1]) == ["timeout.closing"]


@pytest.mark.parametrize("state", list(SAVED))
def test_resuming_after_a_restart_asks_the_same_question_again(make: Make, state: str) -> None:
    outcome = FLOW.resume(_reload(SAVED[state]), make(), text("/resume"))

    assert reply_keys(outcome) == [PROMPT[state]]
    assert outcome.state == FlowState("timeout", state, SAVED[state].step + 1, SAVED[state].data)
    assert actions(outcome) == []


def test_the_machine_holds_no_model_between_events(make: Make) -> None:
    FLOW.handle(SAVED["rules"], make(), press("go"))
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED["rules"], make(), press("skip"))

    assert FLOW.machine.models == []


# --- words: placeholders filled, variation, discreet lock screens ----------------------------


def _all_texts(outcomes: list[Outcome]) -> list[Say]:
    said: list[Say] = []
    for outcome in outcomes:
        for effect in outcome.effects:
            if isinstance(effect, Reply | Schedule):
                said.append(effect.text)
                said.extend(b.label for row in effect.buttons for b in row
                            if isinstance(b.label, Say))
    return said


def test_every_text_of_a_whole_time_out_renders_with_its_placeholders_filled(
    make: Make, book: Phrasebook
) -> None:
    for say in _all_texts(_walk(make, restart=False)):
        rendered = book.render(say.key, say.params)
        assert rendered and not re.search(r"\{[a-z_]+\}", rendered), say.key


RECURRING = ("timeout.ask_danger", "timeout.ask_colour", "timeout.ask_length", "timeout.started",
             "timeout.prompt.first", "timeout.prompt.second", "timeout.end",
             "timeout.ask_colour_after", "timeout.ask_say", "timeout.closing")


@pytest.mark.parametrize("key", RECURRING)
def test_recurring_prompts_have_variants(content: Content, key: str) -> None:
    assert len(content.locale.texts[key]) >= 2


def test_consecutive_time_outs_do_not_repeat_a_prompt_word_for_word(
    make: Make, book: Phrasebook
) -> None:
    memory: dict[str, int] = {}
    runs = []
    for _ in range(3):
        said = _all_texts(_walk(make, restart=False))
        runs.append([book.render(s.key, s.params, memory) for s in said
                     if s.key in RECURRING])
    for before, after in pairwise(runs):
        assert len(before) == len(after) == 10
        assert all(a != b for a, b in zip(before, after, strict=True))


def _scheduled(make: Make) -> list[Schedule]:
    found: list[Schedule] = []
    for minutes in TIMEOUT_LENGTHS:
        saved = FlowState("timeout", "rules", 14, {"colour_before": "red", "minutes": minutes})
        found.extend(schedules(FLOW.handle(saved, make(), press("go", GO_UPDATE))))
    return found


INDISCREET = ("abuse", "abusive", "violence", "violent", "partner", "programme", "perpetrator",
              "domestic", "time out")


def test_every_scheduled_first_line_is_discreet_in_every_variant(
    make: Make, book: Phrasebook
) -> None:
    texts = {s.text.key: s.text for s in _scheduled(make)}
    assert set(texts) == {"timeout.prompt.first", "timeout.prompt.second", "timeout.end"}
    checked = 0
    for say in texts.values():
        memory: dict[str, int] = {}
        for _ in book.locale.texts[say.key]:
            first = book.render(say.key, say.params, memory).splitlines()[0].lower()
            assert not [word for word in INDISCREET if word in first], (say.key, first)
            checked += 1
    assert checked >= 9


def test_the_discreet_check_would_catch_an_indiscreet_first_line() -> None:
    first = "Your Time Out is halfway through."
    assert [word for word in INDISCREET if word in first.lower()] == ["time out"]
