"""End to end: a pressed button is spent, so its keyboard is taken off that message
(editMessageReplyMarkup with an empty markup) instead of staying on screen to answer
"That button has expired"; a failure to do so changes nothing else."""

from __future__ import annotations

from collections.abc import Callable

from tests.e2e.conftest import REPLY_TIMEOUT, Person, RunningBot
from tests.e2e.fake_bot_api import FakeBotAPI
from tests.e2e.fake_bot_api_shapes import JSON

PARTICIPANT_ID = 8701


def current(fake: FakeBotAPI, message: JSON) -> JSON:
    """``message`` as the person's screen shows it now (edits applied)."""
    [now] = [m for m in fake.messages_to(int(message["chat"]["id"]))
             if m["message_id"] == message["message_id"]]
    return now


async def _keyboard_removed(fake: FakeBotAPI, message: JSON) -> None:
    await fake.wait_until(lambda: "reply_markup" not in current(fake, message), REPLY_TIMEOUT,
                          "the pressed message's keyboard to go")


async def test_a_pressed_keyboard_is_taken_off_its_message(
        fake: FakeBotAPI, bot: RunningBot, person: Callable[..., Person],
        invite_code: str) -> None:
    jo = person(PARTICIPANT_ID, "Jo")
    jo.say(f"/start {invite_code}")
    intro = await jo.next("Steady")
    assert "reply_markup" in current(fake, intro)

    jo.tap(intro, "Continue")
    limits = await jo.next("who sees what")

    await _keyboard_removed(fake, intro)
    [edit] = fake.calls_to("editMessageReplyMarkup")
    assert edit["chat_id"] == PARTICIPANT_ID and edit["message_id"] == intro["message_id"]
    assert edit["reply_markup"] == {"inline_keyboard": []}  # Telegram's "no keyboard"
    assert "reply_markup" in current(fake, limits)  # the new step keeps its buttons


async def test_a_stale_press_loses_its_keyboard_too(
        fake: FakeBotAPI, bot: RunningBot, person: Callable[..., Person],
        invite_code: str) -> None:
    jo = person(PARTICIPANT_ID, "Jo")
    jo.say(f"/start {invite_code}")
    intro = await jo.next("Steady")
    jo.say(f"/start {invite_code}")  # the set-up step again, on a new message
    await jo.next("Steady")

    callback = jo.tap(intro, "Continue")  # the old message's button: expired
    answer = await fake.wait_for_callback_answer(callback)
    assert "expired" in str(answer.get("text"))
    await _keyboard_removed(fake, intro)


async def test_a_failed_edit_does_not_stop_the_conversation(
        fake: FakeBotAPI, bot: RunningBot, person: Callable[..., Person],
        invite_code: str) -> None:
    jo = person(PARTICIPANT_ID, "Jo")
    jo.say(f"/start {invite_code}")
    intro = await jo.next("Steady")
    fake.fail_next("editMessageReplyMarkup", 400, "Bad Request: message can't be edited")

    jo.tap(intro, "Continue")
    limits = await jo.next("who sees what")
    jo.tap(limits, "Continue")
    await jo.next("not end-to-end encrypted")  # handled once, and the bot goes on

    await _keyboard_removed(fake, limits)
    assert [call[0] for call in fake.failed_calls] == ["editMessageReplyMarkup"]
    assert "reply_markup" in current(fake, intro)  # that edit failed: left as it was
