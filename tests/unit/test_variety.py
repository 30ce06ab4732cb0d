"""Recurring prompts vary per person: safety replies, colour questions and next steps.

The programme report's participants called repeated content "samey". Locale texts rotate
through their variants per person (the phrase memory, see content/phrasebook.py); colour
questions and next steps change with the person's local day, so two days never match.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from content.loader import Content, load_content
from dialogues import checkin
from dialogues.flow import FlowState
from tests.unit.conftest import NOW, MakeContext
from tests.unit.flow_helpers import press, replies, text

CONTENT = load_content()
# The helpline lines added under a reply (a child at risk, drink or drugs) are reference
# information, the same each time on purpose; the replies themselves vary.
HELPLINE_LINES = ("safety.child_line", "safety.substance_line")
SAFETY_KEYS = sorted(k for k in CONTENT.locale.texts
                     if k.startswith("safety.") and k not in HELPLINE_LINES)
RECURRING = ["checkin.ask_colour", "checkin.ask_note", "checkin.next_step", "reminder.checkin",
             "menu.prompt", *SAFETY_KEYS]


@pytest.mark.parametrize("key", RECURRING)
def test_each_recurring_prompt_has_variants_in_every_mode(key: str) -> None:
    assert len(CONTENT.locale.texts[key]) > 1
    for mode, overlay in CONTENT.overlays.items():
        assert len(overlay.texts.get(key, ["a", "b"])) > 1, f"en-{mode}.yaml {key}"


@pytest.mark.parametrize("colour", ["green", "blue", "yellow", "red"])
def test_every_colour_has_several_question_sets_and_next_steps_in_every_wording(
        colour: str) -> None:
    entry = CONTENT.palette.get(colour)
    for modes in [(), ("plain",), ("literal",)]:
        wording = entry.wording(modes)
        assert len(wording.follow_ups) >= 3, (colour, modes)
        assert len(wording.next_steps) >= 2, (colour, modes)
        assert all(len(qs) == 3 and all(q.endswith("?") for q in qs)
                   for qs in wording.follow_ups), (colour, modes)


NOTE = FlowState("checkin", "describe_offer", 12, {"colour": "yellow", "ref": "40"})
DONE = FlowState("checkin", "note", 14, {"colour": "yellow", "ref": "40"})


@pytest.mark.parametrize("days", range(7))
def test_a_daily_user_sees_different_colour_questions_on_consecutive_days(
        ctx: MakeContext, days: int) -> None:
    today, tomorrow = NOW + timedelta(days=days), NOW + timedelta(days=days + 1)

    asked = [replies(checkin.FLOW.handle(NOTE, ctx(now=when), press("no", now=when)))[0]
             .text.params["questions"] for when in (today, tomorrow)]

    assert asked[0] != asked[1]


@pytest.mark.parametrize("days", range(7))
def test_a_daily_user_sees_a_different_next_step_on_consecutive_days(
        ctx: MakeContext, days: int) -> None:
    today, tomorrow = NOW + timedelta(days=days), NOW + timedelta(days=days + 1)

    steps = [replies(checkin.FLOW.handle(DONE, ctx(now=when), text("ok", now=when)))[0]
             .text.params["next_step"] for when in (today, tomorrow)]

    assert steps[0] != steps[1]


def test_the_same_day_keeps_the_same_questions(ctx: MakeContext, content: Content) -> None:
    morning, evening = NOW - timedelta(hours=8), NOW + timedelta(hours=3)  # both 15 July, BST

    asked = {replies(checkin.FLOW.handle(NOTE, ctx(now=when), press("no", now=when)))[0]
             .text.params["questions"] for when in (morning, evening)}

    assert len(asked) == 1
