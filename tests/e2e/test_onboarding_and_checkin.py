"""End to end, as people use Steady on Telegram: the real bot against the fake Bot API.

A participant opens their invitation link, reads who the bot is for and what it is not,
agrees, gives a name and a time, and does a colour check-in. Around that journey: an old
button, a sticker, a stranger with a wrong code, an update Telegram delivers twice, and
flood control on sendMessage.

Every wait is on the fake's events. ``Person.next`` takes the very next message of a chat
without a filter, so a message sent out of order, twice, or when it should not have been
fails the test where it happens.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.config import Settings
from tests.e2e.conftest import (
    FACILITATOR_ID,
    INVITE_ALIAS,
    Person,
    RunningBot,
    labels,
    transcript,
)
from tests.e2e.fake_bot_api import FakeBotAPI
from tests.e2e.fake_bot_api_shapes import JSON

PARTICIPANT = 8001
STRANGER = 8002
MENU_HAS = {"Check in", "Help", "Urgent help"}
TIME_BUTTONS = ["08:00", "12:30", "18:00", "21:00", "No daily check-in"]
EXPIRED = "That button has expired."

MakePerson = Callable[..., Person]


def shows_menu(message: JSON) -> bool:
    return MENU_HAS.issubset(labels(message))


def send_index(fake: FakeBotAPI, chat_id: int, text_fragment: str) -> int:
    """Position, among all Bot API calls, of the sendMessage to ``chat_id`` with this text."""
    found = [index for index, (method, params) in enumerate(fake.calls)
             if method == "sendMessage" and params.get("chat_id") == chat_id
             and text_fragment in str(params.get("text", ""))]
    assert len(found) == 1, f"{len(found)} sendMessage calls to {chat_id} with {text_fragment!r}"
    return found[0]


def database_files(settings: Settings) -> list[Path]:
    database = Path(settings.database_url.split("///", 1)[1])
    return sorted(database.parent.glob(database.name + "*"))


async def test_onboarding_then_a_red_checkin(
    fake: FakeBotAPI, bot: RunningBot, invite_code: str, person: MakePerson, settings: Settings
) -> None:
    jordan = person(PARTICIPANT, "Jordan", "jordan_e2e")

    # The invitation link: who Steady is for, and what it is not.
    jordan.say(f"/start {invite_code}")
    intro = await jordan.next("I'm Steady", "not counselling", "not an emergency service",
                              "call 999")
    assert labels(intro) == ["Continue"]
    jordan.tap(intro, "Continue")
    limits = await jordan.next("who sees what", "Your facilitator sees your check-in colours")
    assert labels(limits) == ["Continue"]
    jordan.tap(limits, "Continue")
    consent = await jordan.next("not end-to-end encrypted", "Do you agree")
    assert labels(consent) == ["I agree", "Not now"]

    # Agreeing makes Jordan a participant, and only then is the facilitator told.
    jordan.tap(consent, "I agree")
    await jordan.next("What would you like me to call you?")
    joined = await fake.wait_for_message(FACILITATOR_ID)
    assert joined["text"] == f"{INVITE_ALIAS} has accepted their invitation and joined Steady."
    assert send_index(fake, FACILITATOR_ID, "joined") > send_index(
        fake, PARTICIPANT, "not end-to-end encrypted")

    # Name (spaces tidied) and a daily check-in time.
    jordan.say("  Jo   Bramble  ")
    ask_time = await jordan.next("Thanks, Jo Bramble.", "daily check-in")
    assert labels(ask_time) == TIME_BUTTONS
    jordan.tap(ask_time, "18:00")
    await jordan.next("each day at 18:00")
    menu = await jordan.next()
    assert shows_menu(menu), labels(menu)

    # A colour check-in: Red, described in Jordan's own words, with a note.
    jordan.tap(menu, "Check in")
    red_meaning = "At risk of being abusive; what you do next is your choice."
    ask_colour = await jordan.next("Red", red_meaning)
    assert [label.split()[-1] for label in labels(ask_colour)] == [
        "Green", "Blue", "Yellow", "Red"]
    jordan.tap(ask_colour, "Red")
    # At red, a Time Out and "I'm not safe" come before any writing.
    red = await jordan.next("Stop here for now.")
    assert labels(red) == ["Start a Time Out now", "I'm not safe", "Carry on with the check-in"]
    jordan.tap(red, "Carry on with the check-in")
    offer = await jordan.next(f"Red: {red_meaning}", "in your own words")
    assert labels(offer) == ["Yes", "Not now"]
    jordan.tap(offer, "Yes")
    await jordan.next("How would you describe being red?")
    jordan.say("Hot and shaky, jaw tight")
    await jordan.next("your words for Red")
    # The note's questions rotate by day (content/colours.yaml); every set asks about the body.
    ask_note = await jordan.next("Red", "Hot and shaky, jaw tight", "body")
    assert red_meaning not in ask_note["text"]  # their words now
    assert labels(ask_note) == ["Skip"]
    jordan.say("Long day at work and a late train home")
    await jordan.next("Time Out", "call 999")  # red's next step; its wording rotates daily
    after = await jordan.next()
    assert shows_menu(after), labels(after)

    # Every press got its answer (no spinner left on Jordan's screen), none of them "expired".
    assert len(jordan.callback_ids) == 8
    for callback_id in jordan.callback_ids:
        answer = await fake.wait_for_callback_answer(callback_id)
        assert not answer.get("text"), answer

    # The whole chat is exactly what Jordan read, in that order; nothing is half-filled.
    assert transcript(fake.messages_to(PARTICIPANT)) == transcript(jordan.seen)
    assert len(jordan.seen) == 15  # the red offer is one more message
    for message in jordan.seen:
        assert "{" not in message["text"] and "}" not in message["text"], message["text"]
    # The facilitator heard one thing: the alias joined. No name, colour or note.
    assert [m["text"] for m in fake.messages_to(FACILITATOR_ID)] == [joined["text"]]

    # "I store what you write here in encrypted form": no free text in plain on disk.
    files = database_files(settings)
    assert files, settings.database_url
    on_disk = b"".join(path.read_bytes() for path in files)
    for written in ("Jo Bramble", "Hot and shaky, jaw tight", "late train home"):
        assert written.encode() not in on_disk, f"{written!r} is stored unencrypted"


async def test_an_old_button_is_answered_expired_and_changes_nothing(
    fake: FakeBotAPI, bot: RunningBot, invite_code: str, person: MakePerson
) -> None:
    jordan = person(PARTICIPANT, "Jordan")
    intro, _ask_name = await jordan.through_consent(invite_code)
    consent = jordan.seen[2]

    # Jordan scrolls up and taps the intro's Continue, then the consent's "Not now" (the
    # bot takes spent keyboards off, but a client may not have caught up yet).
    old_continue = jordan.tap_stale(intro, "Continue")
    answer = await fake.wait_for_callback_answer(old_continue)
    assert answer.get("text") == EXPIRED
    old_not_now = jordan.tap_stale(consent, "Not now")
    answer = await fake.wait_for_callback_answer(old_not_now)
    assert answer.get("text") == EXPIRED

    # Neither press sent anything nor undid the consent: the name is the next thing asked
    # for, and the very next message is the answer to it.
    jordan.say("Jo")
    await jordan.next("Thanks, Jo.")
    assert len(fake.messages_to(FACILITATOR_ID)) == 1  # joined, once


async def test_a_sticker_gets_a_polite_text_only_reply(
    fake: FakeBotAPI, bot: RunningBot, invite_code: str, person: MakePerson
) -> None:
    jordan = person(PARTICIPANT, "Jordan")
    await jordan.through_consent(invite_code)

    fake.send_sticker(PARTICIPANT)
    reply = await jordan.next("I can only read")
    assert labels(reply) == []

    # The sticker did not count as an answer: the name question still stands, and it got
    # exactly one reply (the next message answers the name).
    jordan.say("Jo")
    await jordan.next("Thanks, Jo.")


async def test_a_stranger_with_a_wrong_code_gets_one_neutral_sentence(
    fake: FakeBotAPI, bot: RunningBot, invite_code: str, person: MakePerson,
    make_invite: Callable[[str], Awaitable[str]],
) -> None:
    casey = person(STRANGER, "Casey", "casey_e2e")

    casey.say("/start wrongcode")
    reply = await casey.next("personal invitation link")
    assert labels(reply) == []
    # Discreet: someone else may read this phone, so nothing about what the chat is for.
    for word in ("Steady", "abuse", "programme", "facilitator", "behaviour", "999"):
        assert word.lower() not in reply["text"].lower(), word

    # One reply only: when Casey then uses a real link, the intro is the very next message.
    second_code = await make_invite("wren-12")
    casey.say(f"/start {second_code}")
    await casey.next("I'm Steady")
    assert len(fake.messages_to(STRANGER)) == 2
    assert fake.messages_to(FACILITATOR_ID) == []  # nobody is told about a wrong code


async def test_a_redelivered_update_gets_no_second_reply(
    fake: FakeBotAPI, bot: RunningBot, invite_code: str, person: MakePerson
) -> None:
    jordan = person(PARTICIPANT, "Jordan")
    await jordan.through_consent(invite_code)
    name_update = jordan.say("Jo")
    ask_time = await jordan.next("Thanks, Jo.")

    # Telegram delivers the name again (same update_id), then Jordan picks a time.
    fake.redeliver(name_update)
    jordan.tap(ask_time, "08:00")

    # Handled once: no second "Thanks, Jo", and not read as a (wrong) time either.
    await jordan.next("each day at 08:00")
    assert shows_menu(await jordan.next())
    # The fake only forgets a redelivered update once it was handed out again and the bot
    # confirmed it, so the duplicate really went through the bot.
    await fake.wait_until(lambda: not fake.pending_updates, what="the redelivery confirmed")
    assert [m["text"].startswith("Thanks, Jo.") for m in fake.messages_to(PARTICIPANT)].count(
        True) == 1


async def test_flood_control_delays_a_message_but_loses_nothing(
    fake: FakeBotAPI, bot: RunningBot, invite_code: str, person: MakePerson
) -> None:
    jordan = person(PARTICIPANT, "Jordan")
    await jordan.through_consent(invite_code)
    jordan.say("Jo")
    ask_time = await jordan.next("Thanks, Jo.")

    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    pressed_at = time.monotonic()
    jordan.tap(ask_time, "21:00")

    done = await jordan.next("each day at 21:00", timeout=10.0)
    waited = time.monotonic() - pressed_at
    menu = await jordan.next()
    assert shows_menu(menu), labels(menu)

    # The 429 hit the "Done" message; it was sent again after retry_after, exactly once,
    # and the menu waited behind it instead of overtaking it.
    [(method, params, status, _)] = fake.failed_calls
    assert (method, status, params["chat_id"]) == ("sendMessage", 429, PARTICIPANT)
    assert params["text"] == done["text"]
    assert waited >= 0.95, f"resent after {waited:.2f}s, before retry_after (1 s)"
    attempts = [p for p in fake.calls_to("sendMessage") if p.get("text") == done["text"]]
    assert len(attempts) == 2
    assert transcript(fake.messages_to(PARTICIPANT)) == transcript(jordan.seen)
