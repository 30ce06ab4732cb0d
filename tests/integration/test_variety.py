"""Recurring replies rotate per person through the whole bot, not just in the phrasebook."""

from __future__ import annotations

import pytest

from tests.integration.conftest import FACILITATOR_ID, RecordingChannel, User, UserFactory, onboard

PARTICIPANT = 8201
CONCERN_TEXT = "I hit my partner last week and I feel awful about it"


@pytest.fixture
async def participant(invite_code: str, user: UserFactory) -> User:
    person = user(PARTICIPANT)
    await onboard(person, invite_code)
    return person


async def test_two_flagged_messages_in_a_row_get_different_safety_replies(
        participant: User) -> None:
    first = participant.mine(await participant.type(CONCERN_TEXT))
    second = participant.mine(await participant.type(CONCERN_TEXT))

    assert first and second
    assert first[0] != second[0]
    assert all("999" in reply[0] for reply in (first, second))


async def test_a_flagged_message_when_idle_gets_the_safety_reply_and_nothing_else(
        participant: User) -> None:
    replies = participant.mine(await participant.type(CONCERN_TEXT))

    assert len(replies) == 1
    assert "not sure what you'd like" not in replies[0]


async def test_press_pause_shows_the_judgement_in_words_to_both_people(
        participant: User, channel: RecordingChannel) -> None:
    await participant.type("/pause")
    for answer in ("We argued about the bills", "She never listens to me"):
        await participant.type(answer)
    await participant.drive("8")
    await participant.drive("How it felt")
    for answer in ("She was worried about money too", "Go for a walk and talk later"):
        await participant.type(answer)
    summary = participant.mine(await participant.drive("4"))[0]
    await participant.drive("Share with my facilitator")

    assert "Fact or how it felt: How it felt" in summary
    shared = [s.text for s in channel.to(FACILITATOR_ID) if "Press Pause" in s.text]
    assert len(shared) == 1 and "Fact or how it felt: How it felt" in shared[0]
    assert "feeling\n" not in summary + shared[0]


async def test_a_second_urgent_message_does_not_say_the_flag_is_now_urgent(
        participant: User, channel: RecordingChannel) -> None:
    await participant.type("i'm going to strangle her when i get home tonight")
    await participant.type("I've got a knife and I'm going to use it on her")

    to_facilitator = [s.text for s in channel.to(FACILITATOR_ID)]
    assert not any("is now URGENT" in text for text in to_facilitator)
    assert any(text.startswith("New message on flag") for text in to_facilitator)
