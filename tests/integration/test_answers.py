"""Answers to proactive messages through the engine, as a participant taps them, on every
database: reminder answers recorded and passed on, someone else's appointment refused,
feedback stored once with its comment encrypted, "not any more" told to the facilitator
with the status left alone, and the details behind "Show more"."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.app import App
from dialogues.proactive import appointment_buttons, feedback_button, more_button, stay_buttons
from storage.models import Appointment, AuditEntry, Flag, Participant, SessionFeedback
from tests.integration.conftest import (
    FACILITATOR_ID,
    START,
    Turn,
    User,
    UserFactory,
    onboard,
    say,
    seed_invite,
)

ALEX, BEA = 8601, 8602
# START is Monday 2 March 2026, 09:00 UTC; London is on GMT then.
SESSION_AT = START + timedelta(days=2, hours=5)  # Wednesday 4 March, 14:00
SESSION_WHEN = {"date": "Wednesday 4 March", "time": "14:00"}
EXPIRED = "That button has expired."


def data(keyboard: tuple[tuple[object, ...], ...], index: int = 0) -> str:
    return [b.data for row in keyboard for b in row][index]  # type: ignore[attr-defined]


def stay_data(answer: str) -> str:
    return next(d for d in (data(stay_buttons(), i) for i in range(3)) if d.endswith(answer))


async def participant_id(app: App, telegram_id: int) -> int:
    async with app.uow() as uow:
        participant = await uow.participants.by_telegram_id(telegram_id)
        assert participant is not None
        return participant.id


async def add_appointment(app: App, telegram_id: int, starts_at: datetime = SESSION_AT,
                          status: str = "scheduled") -> int:
    pid = await participant_id(app, telegram_id)
    async with app.uow() as uow:
        appointment = await uow.appointments.add(pid, starts_at, 3, app.clock.now())
        appointment.status = status
        await uow.commit()
        return appointment.id


async def appointment_row(app: App, appointment_id: int) -> tuple[str | None, datetime | None]:
    async with app.uow() as uow:
        row = await uow.session.get(Appointment, appointment_id)
        assert row is not None
        return row.response, row.responded_at


async def feedback_rows(app: App) -> list[SessionFeedback]:
    async with app.uow() as uow:
        rows = list(await uow.session.scalars(select(SessionFeedback)))
        uow.session.expunge_all()
        return rows


def to_facilitator(turn: Turn) -> list[str]:
    return [s.text for s in turn.sent if s.chat_id == FACILITATOR_ID]


async def joined(app: App, invite_code: str, user: UserFactory, telegram_id: int = ALEX,
                 alias: str = "p-017") -> User:
    person = user(telegram_id)
    code = invite_code if telegram_id == ALEX else await seed_invite(app, alias=alias)
    await onboard(person, code)
    return person


# --- appointment reminders ----------------------------------------------------------------------

async def test_ill_be_there_records_attending_and_thanks(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    appointment = await add_appointment(app, ALEX)

    turn = await alex.press_data(data(appointment_buttons(appointment), 0))

    response, responded_at = await appointment_row(app, appointment)
    assert response == "attending" and responded_at is not None
    assert alex.mine(turn) == [say(app, "answers.attending_thanks", **SESSION_WHEN)]
    assert to_facilitator(turn) == []


async def test_rearrange_reaches_the_facilitator_at_the_tap_even_if_no_note_follows(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    appointment = await add_appointment(app, ALEX)

    asked = await alex.press_data(data(appointment_buttons(appointment), 1))

    assert (await appointment_row(app, appointment))[0] == "rearrange"
    assert to_facilitator(asked) == [say(app, "facilitator.answers.rearrange", alias="p-017",
                                         **SESSION_WHEN)]
    assert alex.mine(asked) == [say(app, "answers.rearrange_told"),
                                say(app, "answers.rearrange_ask")]

    turn = await alex.press("No message")
    assert to_facilitator(turn) == []
    assert alex.mine(turn) == [say(app, "answers.rearrange_no_note")]


async def test_a_note_added_after_rearrange_follows_quoted(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    appointment = await add_appointment(app, ALEX)

    await alex.press_data(data(appointment_buttons(appointment), 1))
    turn = await alex.type("My shift moved, could we do Friday morning?")

    [note] = to_facilitator(turn)
    assert note.splitlines()[0] == ("p-017 added a note about rearranging the appointment on "
                                    "Wednesday 4 March at 14:00.")
    assert "My shift moved, could we do Friday morning?" in note
    assert alex.mine(turn) == [say(app, "answers.rearrange_note_told")]


async def test_the_message_in_transit_is_encrypted_in_the_conversation(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    appointment = await add_appointment(app, ALEX)
    await alex.press_data(data(appointment_buttons(appointment), 1))

    async with app.uow() as uow:
        conversation = await uow.conversations.get(ALEX)
        assert conversation is not None and conversation.flow == "appointment_answer"
        assert conversation.data_enc is not None and b"Wednesday" not in conversation.data_enc


async def test_another_participants_appointment_is_refused_and_nothing_recorded(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    await joined(app, invite_code, user, BEA, alias="p-018")
    beas = await add_appointment(app, BEA)

    yes = await alex.press_data(data(appointment_buttons(beas), 0))
    move = await alex.press_data(data(appointment_buttons(beas), 1))

    assert yes.result.callback_answer == EXPIRED and move.result.callback_answer == EXPIRED
    assert yes.sent == [] and move.sent == []
    assert await appointment_row(app, beas) == (None, None)


async def test_a_past_or_cancelled_appointment_is_a_stale_button(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    past = await add_appointment(app, ALEX, START - timedelta(hours=1))
    cancelled = await add_appointment(app, ALEX, status="cancelled")

    for appointment in (past, cancelled):
        turn = await alex.press_data(data(appointment_buttons(appointment), 0))
        assert turn.result.callback_answer == EXPIRED
        assert await appointment_row(app, appointment) == (None, None)


async def test_a_disclosure_typed_as_the_rearrange_message_still_raises_a_flag(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    appointment = await add_appointment(app, ALEX)
    await alex.press_data(data(appointment_buttons(appointment), 1))

    turn = await alex.type("I'm going to hurt her when she gets home tonight")

    async with app.uow() as uow:
        flags = list(await uow.session.scalars(select(Flag)))
        assert [f.severity for f in flags] == ["urgent"]
    # The safety reply is the last word in the participant's chat (no "I've told them").
    assert say(app, "answers.rearrange_note_told") not in alex.mine(turn)
    assert any("URGENT" in text for text in to_facilitator(turn))


async def test_with_no_facilitator_the_participant_is_told_it_was_not_passed_on(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    appointment = await add_appointment(app, ALEX)
    async with app.uow() as uow:
        participant = await uow.session.get(Participant, await participant_id(app, ALEX))
        assert participant is not None
        participant.facilitator_id = None
        await uow.commit()

    turn = await alex.press_data(data(appointment_buttons(appointment), 1))

    assert to_facilitator(turn) == []
    assert alex.mine(turn) == [say(app, "answers.rearrange_untold")]  # and no note is asked for
    assert (await appointment_row(app, appointment))[0] == "rearrange"


# --- "Do you still want to take part?" ----------------------------------------------------------

async def test_not_any_more_tells_the_facilitator_and_leaves_the_status_alone(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    async with app.uow() as uow:
        before = (await uow.participants.by_telegram_id(ALEX)).status  # type: ignore[union-attr]

    asked = await alex.press_data(stay_data("no"))
    turn = await alex.press("Yes, tell them")

    assert to_facilitator(asked) == []
    assert to_facilitator(turn) == [say(app, "facilitator.answers.stay_no", alias="p-017")]
    assert alex.mine(turn) == [say(app, "answers.stay_no_told")]
    async with app.uow() as uow:
        after = (await uow.participants.by_telegram_id(ALEX)).status  # type: ignore[union-attr]
    assert after == before


async def test_a_question_while_waiting_reaches_the_facilitator(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)

    await alex.press_data(stay_data("question"))
    turn = await alex.type("Can my sessions be after work?")

    [note] = to_facilitator(turn)
    assert "Can my sessions be after work?" in note and note.startswith("p-017 ")


async def test_staying_is_only_thanked(app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)

    turn = await alex.press_data(stay_data("yes"))

    assert alex.mine(turn) == [say(app, "answers.stay_yes")] and to_facilitator(turn) == []


# --- feedback after a session -------------------------------------------------------------------

async def give_feedback(alex: User, appointment: int, comment: str | None) -> Turn:
    await alex.press_data(data(feedback_button(appointment)))
    for score in ("4", "2", "5"):
        await alex.press(score)
    return await (alex.type(comment) if comment else alex.press("No comment"))


async def test_feedback_is_stored_once_with_the_comment_encrypted(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    appointment = await add_appointment(app, ALEX, START - timedelta(days=1), "attended")
    comment = "marmalade-heron: the examples helped"

    turn = await give_feedback(alex, appointment, comment)
    again = await alex.press_data(data(feedback_button(appointment)))

    [row] = await feedback_rows(app)
    assert (row.appointment_id, row.clear_pace, row.useful, row.met_needs) == \
        (appointment, 4, 2, 5)
    assert row.participant_id == await participant_id(app, ALEX)
    assert row.comment_enc is not None and b"marmalade" not in row.comment_enc
    assert await _decrypt(app, row.comment_enc) == comment
    assert alex.mine(turn) == [say(app, "answers.feedback_thanks")]
    assert alex.mine(again) == [say(app, "answers.feedback_already")]


async def _decrypt(app: App, blob: bytes) -> str:
    async with app.uow() as uow:
        return uow.cipher.decrypt(blob)


async def test_feedback_without_a_comment_stores_no_comment(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    appointment = await add_appointment(app, ALEX, START - timedelta(days=1), "attended")

    await give_feedback(alex, appointment, None)

    [row] = await feedback_rows(app)
    assert row.comment_enc is None and row.met_needs == 5


async def test_feedback_on_a_session_not_attended_or_not_theirs_is_refused(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    await joined(app, invite_code, user, BEA, alias="p-018")
    beas = await add_appointment(app, BEA, START - timedelta(days=1), "attended")
    missed = await add_appointment(app, ALEX, START - timedelta(days=1), "missed")

    for appointment in (beas, missed):
        turn = await alex.press_data(data(feedback_button(appointment)))
        assert turn.result.callback_answer == EXPIRED and turn.sent == []
    assert await feedback_rows(app) == []


# --- show more ----------------------------------------------------------------------------------

async def test_more_reveals_a_waiting_message_and_a_week_in_the_chat(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    week = app.content.programme.weeks[15]
    waiting = next(m for m in app.content.waiting.messages if m.key == "what_to_expect")

    shown_waiting = await alex.press_data(data(more_button("waiting.what_to_expect")))
    shown_week = await alex.press_data(data(more_button("week.16")))

    assert alex.mine(shown_waiting) == [waiting.more]
    assert alex.mine(shown_week) == [f"Week 16: {week.title}\n\n{week.about}"]


async def test_more_with_an_unknown_reference_is_refused(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)

    for reference in ("week.99", "waiting.nothing_here", "journal.1"):
        turn = await alex.press_data(f"m:0:more.{reference}")
        assert turn.result.callback_answer == EXPIRED and turn.sent == []


async def test_answers_are_audited_without_their_words(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = await joined(app, invite_code, user)
    appointment = await add_appointment(app, ALEX)

    await alex.press_data(data(appointment_buttons(appointment), 0))

    async with app.uow() as uow:
        entries = [(a.action, a.detail) for a in await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("appointment.%")))]
    assert entries == [("appointment.attending", {"appointment_id": str(appointment)})]
