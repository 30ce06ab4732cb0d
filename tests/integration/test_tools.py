"""The participant tools through the engine, sender and planner, on every database:
journal encryption, deletion and sharing; Time Out prompts delivered on time by a
controllable clock; quiet hours; discreet wording; My plan reflected back; forget me."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from storage.models import AuditEntry, JournalEntry, Participant
from tests.integration.conftest import (
    FACILITATOR_ID,
    RecordingChannel,
    User,
    UserFactory,
    onboard,
)
from tests.integration.test_privacy import _database_bytes

PARTICIPANT = 8401
ENTRY = "heliotrope-walrus: walked out before it got loud, proud of that"
DISCREET_BANNED = ("abuse", "violence", "violent", "partner", "programme", "perpetrator",
                   "domestic")


async def journal_rows(app: App) -> int:
    async with app.uow() as uow:
        return await uow.session.scalar(select(func.count()).select_from(JournalEntry)) or 0


async def audit_actions(app: App) -> list[str]:
    async with app.uow() as uow:
        return [a.action for a in await uow.session.scalars(select(AuditEntry))]


async def participant_state(app: App) -> tuple[str, bool, bool]:
    """(status, has a name, has a plan), read before the unit of work expires the row."""
    async with app.uow() as uow:
        row: Participant | None = await uow.participants.by_telegram_id(PARTICIPANT)
        assert row is not None
        return row.status, row.preferred_name_enc is not None, row.plan_enc is not None


async def write_entry(alex: User, text: str = ENTRY) -> None:
    await alex.type("/journal")
    await alex.drive("Write an entry")
    await alex.type(text)
    await alex.drive("Done")


async def test_a_journal_entry_is_stored_encrypted(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)

    await write_entry(alex)

    assert await journal_rows(app) == 1
    assert b"heliotrope-walrus" not in await _database_bytes(app)


async def test_deleting_an_entry_removes_the_row(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)
    await write_entry(alex)
    await alex.drive("Menu")

    await alex.type("/journal")
    await alex.drive("Recent entries")
    [label] = [b for b in alex.channel.labels(PARTICIPANT) if "heliotrope" in b]
    await alex.drive(label)
    await alex.drive("Delete")
    await alex.drive("Yes, delete it")

    assert await journal_rows(app) == 0
    assert "journal.deleted" in await audit_actions(app)


async def test_sharing_an_entry_sends_it_to_the_facilitator_and_is_audited(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)
    await write_entry(alex)

    await alex.drive("Share with my facilitator")
    await alex.drive("Yes, share it")

    assert any(ENTRY in sent.text for sent in channel.to(FACILITATOR_ID))
    assert "journal.shared" in await audit_actions(app)


async def test_an_unshared_entry_never_reaches_the_facilitator(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)
    await write_entry(alex)
    assert not any("heliotrope" in sent.text for sent in channel.to(FACILITATOR_ID))


async def start_time_out(alex: User, minutes: str = "20 minutes") -> None:
    await alex.type("/timeout")
    await alex.drive("No")
    await alex.drive("🟡 Yellow")
    await alex.drive(minutes)
    await alex.drive("Start")


async def test_time_out_prompts_fire_on_time_and_the_end_message_comes(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel,
        clock: FakeClock) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)
    await start_time_out(alex)
    sent_before = len(channel.to(PARTICIPANT))

    clock.advance(timedelta(minutes=6))
    await app.sender.dispatch_due()
    assert len(channel.to(PARTICIPANT)) == sent_before  # nothing early

    clock.advance(timedelta(minutes=1))  # 7 minutes: a third of 20, rounded up
    await app.sender.dispatch_due()
    [first] = channel.to(PARTICIPANT)[sent_before:]
    assert [b["text"] for row in first.buttons for b in row] == ["No more reminders"]

    clock.advance(timedelta(minutes=13))
    await app.sender.dispatch_due()
    second, end = channel.to(PARTICIPANT)[sent_before + 1:]
    assert [b["text"] for row in end.buttons for b in row] == ["I'm back"]
    for message in (first, second, end):
        first_line = message.text.splitlines()[0].lower()
        assert not any(word in first_line for word in (*DISCREET_BANNED, "time out"))


async def test_silencing_stops_the_prompts_but_not_the_end_message(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel,
        clock: FakeClock) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)
    await start_time_out(alex)
    clock.advance(timedelta(minutes=7))
    await app.sender.dispatch_due()

    await alex.drive("No more reminders")
    before = len(channel.to(PARTICIPANT))
    clock.advance(timedelta(minutes=14))
    await app.sender.dispatch_due()

    [end] = channel.to(PARTICIPANT)[before:]
    assert [b["text"] for row in end.buttons for b in row] == ["I'm back"]


async def test_three_time_outs_in_a_week_are_shown_to_the_facilitator(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel,
        clock: FakeClock) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)
    for _ in range(3):
        await start_time_out(alex)
        clock.advance(timedelta(days=1))
    notes = [s.text for s in channel.to(FACILITATOR_ID) if "Time Outs" in s.text]
    assert notes == ["p-017 has started 3 Time Outs in the last seven days."]


async def test_the_agreed_time_out_phrase_is_reflected_back(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)
    await alex.type("/plan")
    await alex.drive("Time Out phrase")
    await alex.type("I'm wound up, I'm stepping out, back at nine")
    await alex.type("/menu")

    await alex.type("/timeout")
    turn = await alex.drive("No")

    assert any("I'm wound up, I'm stepping out, back at nine" in t for t in alex.mine(turn))


async def test_no_reminder_inside_quiet_hours(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel,
        clock: FakeClock) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)  # daily check-in at 21:00
    await alex.type("/settings")
    await alex.drive("🌙 Quiet hours: off")
    await alex.type("20:30")
    await alex.type("07:00")
    before = len(channel.to(PARTICIPANT))

    clock.advance(timedelta(hours=12, minutes=5))  # 21:05 London on the test's date
    assert await app.planner.plan() == 0
    await app.sender.dispatch_due()
    assert len(channel.to(PARTICIPANT)) == before


async def test_reminders_are_discreet_unless_the_person_opts_out(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel,
        clock: FakeClock) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)
    clock.advance(timedelta(hours=12, minutes=5))
    await app.planner.plan()
    await app.sender.dispatch_due()
    discreet = channel.to(PARTICIPANT)[-1].text.splitlines()[0].lower()
    assert not any(word in discreet for word in DISCREET_BANNED)

    await alex.type("/settings")
    await alex.drive("🔒 Discreet notifications: on")
    await alex.drive("Turn off")
    clock.advance(timedelta(days=1))
    await app.planner.plan()
    await app.sender.dispatch_due()
    assert channel.to(PARTICIPANT)[-1].text.splitlines()[0] != discreet


async def test_forget_me_deletes_personal_records_keeps_flags_and_tells_the_facilitator(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code, name="Quillon")
    await write_entry(alex)
    await alex.type("/plan")
    await alex.drive("Time Out phrase")
    await alex.type("I'm stepping out, back at nine")
    assert await participant_state(app) == ("active", True, True)
    await alex.type("i'm going to strangle her tonight")  # a flag, to be kept

    await alex.type("/forgetme")
    await alex.drive("Yes, delete my data")
    await alex.drive("Delete everything now")

    assert await journal_rows(app) == 0
    assert await participant_state(app) == ("left", False, False)
    async with app.uow() as uow:
        assert len(await uow.flags.listing()) == 1
    assert any("has left Steady" in s.text for s in channel.to(FACILITATOR_ID))
    turn = await alex.type("hello?")
    assert alex.mine(turn) == [app.engine.writer.phrasebook.render("access.neutral", {})]


async def test_plain_language_mode_changes_the_words(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)
    standard = alex.mine(await alex.type("/help"))[0]

    await alex.type("/settings")
    await alex.drive("Plain language: off")
    await alex.drive("Turn on")
    plain = alex.mine(await alex.type("/help"))[0]

    assert plain != standard
    assert plain == app.engine.writer.phrasebook.render("help.text", {}, None, ("plain",))
