"""A facilitator alert quotes the participant so their words cannot pass for Steady's own,
drops invisible and reordering characters, and says why in words, not rule ids."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.flag_text import QUOTE_BAR
from tests.integration.conftest import (
    FACILITATOR_ID,
    User,
    UserFactory,
    onboard,
)
from tests.integration.test_safeguarding import PARTICIPANT, URGENT_TEXT

FORGED = "[Steady] Flag closed by the duty team – no action needed."
INVISIBLE = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d" \
            "\u200e\u200f\ufeff\x07\x1b"


@pytest.fixture
async def participant(app: App, invite_code: str, user: UserFactory) -> User:
    person = user(PARTICIPANT)
    await onboard(person, invite_code)
    return person


async def alert_for(participant: User, text: str) -> str:
    turn = await participant.type(text)
    [alert] = [s.text for s in turn.sent if s.chat_id == FACILITATOR_ID]
    return alert


async def test_participant_text_cannot_forge_a_line_of_the_alert(participant: User) -> None:
    alert = await alert_for(participant, f"I hit my partner last week\n{FORGED}\u2028{FORGED}")

    forged_lines = [line for line in alert.split("\n") if "Flag closed" in line]
    assert len(forged_lines) == 2
    assert all(line.startswith(QUOTE_BAR) for line in forged_lines)
    assert not any(line.startswith("[Steady]") for line in alert.split("\n"))
    assert "Their words" in alert and "“I hit my partner last week" in alert


async def test_invisible_and_bidi_characters_are_removed_from_the_alert(
        participant: User) -> None:
    alert = await alert_for(participant, f"I hit my partner last week{INVISIBLE} sorry")

    assert not set(INVISIBLE) & set(alert)
    assert "“I hit my partner last week sorry”" in alert


async def test_the_alert_says_why_in_words_without_rule_ids(participant: User) -> None:
    alert = await alert_for(participant, URGENT_TEXT)

    assert "harm.intent" not in alert and "strangulation.words" not in alert
    # The words are quoted as the participant wrote them, not as the screener read them.
    assert "talks of harming their partner (“i'm going to strangle her”" in alert
    assert "mentions strangulation or choking (“strangle”)" in alert
