"""Reflect, don't echo: the bot acknowledges what people write without parroting it, and
never answers a flagged message or a Time Out message with "I'm not sure what you'd like"."""

from __future__ import annotations

import pytest

from content.loader import load_content
from dialogues import checkin
from dialogues.effects import Reply, Say
from dialogues.events import Inbound, Kind
from dialogues.flow import Context, FlowState, Outcome, Profile
from dialogues.menu import menu_reply
from dialogues.router import Situation, route
from tests.unit.conftest import NOW, MakeContext
from tests.unit.flow_helpers import press, reply_keys, text

CONTENT = load_content()
USER = 4040


def inbound(payload: str) -> Inbound:
    return Inbound(60, USER, USER, Kind.TEXT, payload, NOW)


def idle(*, just_flagged: bool = False) -> Situation:
    return Situation(True, False, None, 4, just_flagged=just_flagged)


def test_an_idle_flagged_message_gets_only_the_safety_reply(ctx: MakeContext) -> None:
    outcome = route(idle(just_flagged=True), inbound("I hit him"), ctx())

    assert outcome == Outcome(None, ())


def test_idle_text_that_is_not_flagged_still_points_to_the_menu(ctx: MakeContext) -> None:
    assert route(idle(), inbound("hello"), ctx()) == Outcome(None, (menu_reply("menu.idle_text"),))


def test_text_during_a_time_out_is_answered_about_the_time_out(ctx: MakeContext) -> None:
    base = ctx()
    during = Context(base.now, base.library, Profile(running_timeout="77"))

    outcome = route(idle(), inbound("this is so unfair"), during)

    [reply] = outcome.effects
    assert isinstance(reply, Reply) and reply.text == Say("timeout.text_while_out")
    assert [b.data for row in reply.buttons for b in row] == ["m:0:timeout_end.77", "m:0:menu"]


NOTE = FlowState("checkin", "note", 14, {"colour": "yellow", "ref": "40"})


def test_a_check_in_note_is_acknowledged(ctx: MakeContext) -> None:
    outcome = checkin.FLOW.handle(NOTE, ctx(), text("row about money"))

    assert reply_keys(outcome)[0] == "checkin.next_step_after_note"


def test_a_skipped_note_is_not_thanked_for(ctx: MakeContext) -> None:
    assert reply_keys(checkin.FLOW.handle(NOTE, ctx(), press("skip")))[0] == "checkin.next_step"


@pytest.mark.parametrize("mode", ["base", "plain", "literal"])
def test_no_text_opens_with_you_said(mode: str) -> None:
    texts = CONTENT.locale.texts if mode == "base" else CONTENT.overlays[mode].texts
    echoing = [key for key, variants in texts.items()
               if any(v.strip().lower().startswith("you said") for v in variants)]

    assert echoing == []


def test_a_re_asked_question_does_not_repeat_the_thanks_and_the_name() -> None:
    again = CONTENT.locale.texts["onboarding.ask_time_again"]

    assert all("{name}" not in v and "Thanks" not in v for v in again)


@pytest.mark.parametrize("mode", ["base", "plain"])
def test_a_voice_note_gets_a_pointer_to_the_phones_voice_typing(mode: str) -> None:
    texts = CONTENT.locale.texts if mode == "base" else CONTENT.overlays[mode].texts

    assert all("microphone" in variant for variant in texts["common.text_only"])


@pytest.mark.parametrize("mode", ["base", "plain"])
def test_danger_is_not_asked_as_a_riddle(mode: str) -> None:
    # "Might you act on this now? Are you in danger? Then call 999." reads as a quiz.
    texts = CONTENT.locale.texts if mode == "base" else CONTENT.overlays[mode].texts
    riddles = [key for key, variants in texts.items()
               if any("Might you" in v or "Then call" in v for v in variants)]

    assert riddles == []
