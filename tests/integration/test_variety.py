"""Recurring replies rotate per person through the whole bot, not just in the phrasebook."""

from __future__ import annotations

import pytest

from tests.integration.conftest import User, UserFactory, onboard

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
