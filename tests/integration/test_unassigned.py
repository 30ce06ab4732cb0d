"""Nothing dropped for want of a facilitator: a participant with none assigned (theirs
left, or was never set) still has their notes read. They go to the team chat, marked
unassigned, and the participant is told truthfully who has it; with no team chat either,
the participant is told it was not passed on."""

from __future__ import annotations

from bot.app import App
from dialogues.proactive import appointment_buttons
from storage.models import Participant
from tests.integration.conftest import (
    FACILITATOR_ID,
    RecordingChannel,
    User,
    UserFactory,
    onboard,
    say,
)
from tests.integration.test_answers import ALEX, SESSION_WHEN, add_appointment, data
from tests.integration.test_safeguarding import TEAM_CHAT, set_team_chat
from tests.integration.test_tools import ENTRY, write_entry


async def unassigned(app: App, invite_code: str, user: UserFactory) -> User:
    alex = user(ALEX)
    await onboard(alex, invite_code)
    async with app.uow() as uow:
        participant = await uow.participants.by_telegram_id(ALEX)
        assert isinstance(participant, Participant)
        participant.facilitator_id = None
        await uow.commit()
    return alex


async def test_a_shared_entry_of_an_unassigned_participant_reaches_the_team_marked(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel) -> None:
    await set_team_chat(app)
    alex = await unassigned(app, invite_code, user)
    await write_entry(alex)

    await alex.drive("Share with my facilitator")
    await alex.drive("Yes, share it")

    [note] = [sent.text for sent in channel.to(TEAM_CHAT) if ENTRY in sent.text]
    assert note.startswith("Unassigned: p-017 has no facilitator at the moment")
    assert not any(ENTRY in sent.text for sent in channel.to(FACILITATOR_ID))


async def test_a_rearrange_request_with_no_facilitator_goes_to_the_team_and_says_so(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel) -> None:
    await set_team_chat(app)
    alex = await unassigned(app, invite_code, user)
    appointment = await add_appointment(app, ALEX)

    turn = await alex.press_data(data(appointment_buttons(appointment), 1))

    [note] = [sent.text for sent in turn.sent if sent.chat_id == TEAM_CHAT]
    assert note.startswith("Unassigned: p-017")
    assert note.endswith(say(app, "facilitator.answers.rearrange", alias="p-017",
                             **SESSION_WHEN))
    assert alex.mine(turn) == [say(app, "answers.told_team")]


async def test_with_no_team_chat_either_nothing_is_claimed(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel) -> None:
    alex = await unassigned(app, invite_code, user)
    appointment = await add_appointment(app, ALEX)

    turn = await alex.press_data(data(appointment_buttons(appointment), 1))

    assert [sent for sent in turn.sent if sent.chat_id != ALEX] == []
    assert alex.mine(turn) == [say(app, "answers.rearrange_untold")]
