"""The engine end to end on a real database: onboarding, a check-in, strangers, invites,
redelivery, stale buttons, restarts, long messages and the daily reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from aiogram.types import Chat as TgChat
from aiogram.types import Message as TgMessage
from aiogram.types import Update as TgUpdate
from aiogram.types import User as TgUser
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.rate_limit import RateLimiter
from bot.telegram_aiogram import on_edit
from dialogues.events import Kind
from storage.crypto import EncryptionKeyError
from storage.models import CheckIn, OutboxMessage, StartAttempt
from tests.integration.conftest import (
    FACILITATOR_ID,
    AppFactory,
    InboundFactory,
    RecordingChannel,
    User,
    UserFactory,
    conversation_of,
    onboard,
    say,
    seed_facilitator,
    seed_invite,
    table_counts,
    variants,
)

ALEX = 5001
SAM = 5002
STRANGER = 5999


async def _participant(app: App, user_id: int) -> dict[str, object] | None:
    async with app.uow() as uow:
        row = await uow.participants.by_telegram_id(user_id)
        if row is None:
            return None
        return {
            "id": row.id, "status": row.status, "alias": row.alias,
            "checkin_time": row.checkin_time, "facilitator_id": row.facilitator_id,
            "name": uow.cipher.decrypt(row.preferred_name_enc) if row.preferred_name_enc else None,
            "words": uow.cipher.decrypt_json(row.colour_words_enc, {}),
        }


async def _invite(app: App, code: str) -> tuple[datetime | None, int | None]:
    async with app.uow() as uow:
        invite = await uow.invites.by_code(code)
        assert invite is not None
        return invite.used_at, invite.participant_id


async def _outbox_count(app: App) -> int:
    return (await table_counts(app))["outbox"]


# --- the happy path ------------------------------------------------------------------------


async def test_onboarding_then_a_checkin(app: App, invite_code: str, user: UserFactory,
                                         channel: RecordingChannel) -> None:
    alex = user(ALEX)
    turns = await onboard(alex, invite_code, name="Alex", time_label="21:00")

    assert [alex.mine(turn) for turn in turns] == [
        [say(app, "onboarding.intro")],
        [say(app, "onboarding.limits")],
        [say(app, "onboarding.consent")],
        [say(app, "onboarding.ask_name")],
        [say(app, "onboarding.ask_time", name="Alex")],
        [say(app, "onboarding.done_with_time", time="21:00"), say(app, "menu.prompt")],
    ]
    assert channel.labels(ALEX)[0] == "Check in"
    joined = [s for s in channel.sent if s.chat_id == FACILITATOR_ID]
    assert [(s.text, s.audience) for s in joined] == [
        (say(app, "facilitator.participant_joined", alias="p-017"), "facilitator")]

    participant = await _participant(app, ALEX)
    assert participant is not None
    assert participant["status"] == "active"
    assert participant["alias"] == "p-017"
    assert participant["checkin_time"] == "21:00"
    assert participant["name"] == "Alex"
    used_at, participant_id = await _invite(app, invite_code)
    assert used_at == app.clock.now()
    assert participant_id == participant["id"]

    colours = await alex.drive("Check in")
    assert alex.mine(colours)[0].startswith("What colour are you right now?")
    red = await alex.drive("🔴 Red")  # at red, Time Out and "I'm not safe" come first
    assert alex.mine(red) == [say(app, "checkin.red_offer", colour="Red")]
    offer = await alex.drive("Carry on with the check-in")
    assert "Would you like to describe Red in your own words?" in alex.mine(offer)[0]
    ask_words = await alex.drive("Yes")
    assert alex.mine(ask_words) == [say(app, "checkin.ask_own_words", colour="red")]
    saved = await alex.drive("jaw clenched, thoughts racing")
    assert alex.mine(saved)[0] == say(app, "checkin.words_saved", colour="Red")
    assert alex.mine(saved)[1].startswith("Red: jaw clenched, thoughts racing")
    done = await alex.drive("long queue at the bank, then traffic")
    assert alex.mine(done)[0].startswith("Thank you for writing that down.")  # the note
    assert "take a time out" in alex.mine(done)[0].lower()
    assert alex.mine(done)[1] == say(app, "menu.after_checkin")

    async with app.uow() as uow:
        checkins = list(await uow.session.scalars(select(CheckIn)))
        assert [(c.colour, uow.cipher.decrypt(c.note_enc or b"")) for c in checkins] == [
            ("red", "long queue at the bank, then traffic")]
    participant = await _participant(app, ALEX)
    assert participant is not None
    assert participant["words"] == {"red": "jaw clenched, thoughts racing"}
    finished = await conversation_of(app, ALEX)
    assert finished is not None and (finished.flow, finished.state) == (None, None)


async def test_messages_leave_in_the_order_they_were_written_per_chat(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel) -> None:
    alex = user(ALEX)
    await onboard(alex, invite_code)
    await alex.drive("Check in")

    async with app.uow() as uow:
        rows = list(await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        by_chat: dict[int, list[int | None]] = {}
        for row in rows:
            assert row.status == "sent"
            by_chat.setdefault(row.chat_id, []).append(row.telegram_message_id)
    assert set(by_chat) == {ALEX, FACILITATOR_ID}
    for chat_id, message_ids in by_chat.items():
        assert message_ids == [s.message_id for s in channel.to(chat_id)]
        assert message_ids == sorted(message_ids)  # type: ignore[type-var]


# --- at-least-once delivery and stale buttons ------------------------------------------------


async def test_a_redelivered_update_is_a_no_op(app: App, invite_code: str, user: UserFactory,
                                               make_inbound: InboundFactory) -> None:
    alex = user(ALEX)
    await alex.type(f"/start {invite_code}")
    press = make_inbound(ALEX, Kind.BUTTON, alex.channel.callback_data(ALEX, "Continue"))
    first = await alex.deliver(press)
    assert alex.mine(first) == [say(app, "onboarding.limits")]
    rows, state = await _outbox_count(app), await conversation_of(app, ALEX)

    again = await alex.deliver(press)

    assert again.result.duplicate is True
    assert again.sent == []
    assert await _outbox_count(app) == rows
    assert await conversation_of(app, ALEX) == state


async def test_a_stale_button_is_answered_and_changes_nothing(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = user(ALEX)
    await alex.type(f"/start {invite_code}")
    intro_continue = alex.channel.callback_data(ALEX, "Continue")
    await alex.press("Continue")
    rows, state = await _outbox_count(app), await conversation_of(app, ALEX)
    assert state is not None and state.state == "limits"

    stale = await alex.press_data(intro_continue)

    assert stale.result.callback_answer == "That button has expired."
    assert stale.sent == []
    assert await _outbox_count(app) == rows
    assert await conversation_of(app, ALEX) == state
    moved_on = await alex.press("Continue")  # the current button still works
    assert alex.mine(moved_on) == [say(app, "onboarding.consent")]


async def test_a_finished_flows_buttons_are_stale(app: App, invite_code: str,
                                                  user: UserFactory) -> None:
    alex = user(ALEX)
    await onboard(alex, invite_code)
    await alex.drive("Check in")
    red = alex.channel.callback_data(ALEX, "🔴 Red")
    await alex.press("🟢 Green")
    await alex.drive("Not now")
    await alex.drive("Skip")
    counts = await table_counts(app)

    stale = await alex.press_data(red)

    assert stale.result.callback_answer == "That button has expired."
    assert stale.sent == []
    after = await table_counts(app)
    assert after["checkin"] == counts["checkin"] == 1
    assert after["outbox"] == counts["outbox"]


# --- people the bot does not know ------------------------------------------------------------


async def test_an_unknown_user_gets_one_neutral_sentence_and_leaves_no_trace(
        app: App, user: UserFactory, channel: RecordingChannel) -> None:
    stranger = user(STRANGER)
    turn = await stranger.type("hello, is this the support line?")

    assert [(s.chat_id, s.text, s.audience) for s in turn.sent] == [
        (STRANGER, say(app, "access.neutral"), "stranger")]
    counts = await table_counts(app)
    kept = {name for name, count in counts.items() if count}
    # "setting" holds only the key check, written at start (storage/key_check.py).
    assert kept <= {"processed_update", "outbox", "setting"}
    assert counts["conversation"] == counts["participant"] == 0
    async with app.uow() as uow:
        assert await uow.session.get(StartAttempt, STRANGER) is None


async def test_plain_messages_from_a_stranger_do_not_block_a_valid_invite(
        app: App, invite_code: str, user: UserFactory) -> None:
    stranger = user(STRANGER)
    for _ in range(app.settings.wrong_code_limit + 1):
        await stranger.type("hello")
    await stranger.type("/start")
    await stranger.unsupported()

    opened = await stranger.type(f"/start {invite_code}")
    assert stranger.mine(opened) == [say(app, "onboarding.intro")]


@pytest.mark.parametrize(("typed", "key", "helpline"), [
    ("I'm going to kill myself tonight", "safety.stranger_self", "116 123"),
    ("I'm going to hurt her when she gets home tonight", "safety.stranger_others",
     "0808 802 4040"),
])
async def test_a_stranger_in_danger_gets_the_safety_reply_and_leaves_no_trace(
        app: App, user: UserFactory, typed: str, key: str, helpline: str) -> None:
    stranger = user(STRANGER)
    turn = await stranger.type(typed)

    assert stranger.mine(turn) == [say(app, key)]
    assert "999" in turn.sent[0].text and helpline in turn.sent[0].text
    assert [s.chat_id for s in turn.sent] == [STRANGER]  # nobody else is told
    counts = await table_counts(app)
    assert counts["flag"] == counts["conversation"] == counts["participant"] == 0
    assert counts["start_attempt"] == 0


async def test_someone_who_left_gets_the_safety_reply_without_a_new_flag(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = user(ALEX)
    await onboard(alex, invite_code)
    await alex.type("/forgetme")
    await alex.drive("Yes, delete my data")
    await alex.drive("Delete everything now")
    flags_before = (await table_counts(app))["flag"]

    turn = await alex.type("I'm going to kill myself tonight")

    assert alex.mine(turn) == [say(app, "safety.stranger_self")]
    assert [s.chat_id for s in turn.sent] == [ALEX]
    counts = await table_counts(app)
    assert counts["flag"] == flags_before
    assert counts["conversation"] == 0


async def test_wrong_codes_are_throttled_after_the_limit(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock) -> None:
    stranger = user(STRANGER)
    limit = app.settings.wrong_code_limit
    assert limit == 5
    for attempt in range(limit):
        turn = await stranger.type(f"/start wrong-code-{attempt}")
        assert stranger.mine(turn) == [say(app, "access.neutral")]

    silenced = await stranger.type("/start wrong-code-again")
    assert silenced.sent == []
    # While throttled, even the right code gets no answer: guessing is not rewarded.
    assert (await stranger.type(f"/start {invite_code}")).sent == []
    assert (await table_counts(app))["conversation"] == 0

    clock.advance(timedelta(hours=1, minutes=1))
    opened = await stranger.type(f"/start {invite_code}")
    assert stranger.mine(opened) == [say(app, "onboarding.intro")]


async def test_a_second_account_cannot_use_a_used_invite(
        app: App, invite_code: str, user: UserFactory) -> None:
    await onboard(user(ALEX), invite_code)
    sam = user(SAM)

    turn = await sam.type(f"/start {invite_code}")

    assert sam.mine(turn) == [say(app, "access.neutral")]
    assert await _participant(app, SAM) is None
    assert await conversation_of(app, SAM) is None
    assert (await _participant(app, ALEX)) is not None


async def test_a_pending_onboarding_ends_when_another_account_uses_the_invite(
        app: App, invite_code: str, user: UserFactory) -> None:
    sam, alex = user(SAM), user(ALEX)
    await sam.type(f"/start {invite_code}")
    await sam.press("Continue")
    await onboard(alex, invite_code)

    again = await sam.type(f"/start {invite_code}")

    assert sam.mine(again) == [say(app, "access.neutral")]
    assert await conversation_of(app, SAM) is None
    assert await _participant(app, SAM) is None


async def test_an_expired_invite_gets_the_neutral_sentence(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock) -> None:
    clock.advance(timedelta(days=app.settings.invite_valid_days, seconds=1))
    alex = user(ALEX)

    turn = await alex.type(f"/start {invite_code}")

    assert alex.mine(turn) == [say(app, "access.neutral")]
    assert await conversation_of(app, ALEX) is None
    assert await _invite(app, invite_code) == (None, None)


async def test_an_invite_that_expires_mid_onboarding_cannot_be_accepted(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock) -> None:
    alex = user(ALEX)
    await alex.type(f"/start {invite_code}")
    await alex.press("Continue")
    await alex.press("Continue")
    clock.advance(timedelta(days=app.settings.invite_valid_days))

    agree = await alex.press("I agree")

    assert agree.result.callback_answer == "That button has expired."
    assert await _participant(app, ALEX) is None
    assert await conversation_of(app, ALEX) is None


# --- consent declined, restarts ---------------------------------------------------------------


async def test_not_now_keeps_nothing_but_the_invite(app: App, invite_code: str,
                                                    user: UserFactory) -> None:
    alex = user(ALEX)
    await alex.type(f"/start {invite_code}")
    await alex.drive("Continue")
    await alex.drive("Continue")

    declined = await alex.drive("Not now")

    assert alex.mine(declined) == [say(app, "onboarding.not_now")]
    counts = await table_counts(app)
    assert counts["participant"] == counts["conversation"] == counts["checkin"] == 0
    assert counts["start_attempt"] == 0
    assert await _invite(app, invite_code) == (None, None)

    reopened = await alex.type(f"/start {invite_code}")
    assert alex.mine(reopened) == [say(app, "onboarding.intro")]
    await alex.drive("Continue")
    await alex.drive("Continue")
    await alex.drive("I agree")
    participant = await _participant(app, ALEX)
    assert participant is not None and participant["status"] == "active"


@pytest.mark.parametrize(("answers", "step_key", "next_answer", "next_key"), [
    (["Continue"], "onboarding.limits", "Continue", "onboarding.consent"),
    (["Continue", "Continue", "I agree"], "onboarding.ask_name", "Alex",
     "onboarding.ask_time"),
], ids=["before-consent", "after-consent"])
async def test_a_restart_mid_onboarding_resumes_at_the_same_step(
        make_app: AppFactory, channel: RecordingChannel, make_inbound: InboundFactory,
        answers: list[str], step_key: str, next_answer: str, next_key: str) -> None:
    first = await make_app()
    await seed_facilitator(first)
    code = await seed_invite(first)
    alex = User(first, channel, make_inbound, ALEX)
    await alex.type(f"/start {code}")
    for answer in answers:
        last = await alex.drive(answer)
    assert alex.mine(last) == [say(first, step_key)]
    await first.close()

    second = await make_app()
    alex.app = second
    resumed = await alex.type("/start")

    assert alex.mine(resumed) == [say(second, step_key)]
    going_on = await alex.drive(next_answer)
    assert alex.mine(going_on)[0].startswith(say(second, next_key, name="Alex")[:20])
    assert (await table_counts(second))["participant"] == (0 if next_answer == "Continue" else 1)


async def test_buttons_on_screen_keep_working_across_a_restart(
        make_app: AppFactory, channel: RecordingChannel, make_inbound: InboundFactory) -> None:
    first = await make_app()
    await seed_facilitator(first)
    code = await seed_invite(first)
    alex = User(first, channel, make_inbound, ALEX)
    await alex.type(f"/start {code}")
    await alex.drive("Continue")
    await first.close()

    alex.app = await make_app()
    consent = await alex.drive("Continue")  # pressed on the message sent before the restart

    assert alex.mine(consent) == [say(alex.app, "onboarding.consent")]


async def test_opening_a_used_invite_again_shows_its_owner_the_menu(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = user(ALEX)
    await onboard(alex, invite_code)

    again = await alex.type(f"/start {invite_code}")

    [menu] = alex.mine(again)
    assert menu in variants(app, "menu.prompt")
    assert "Check in" in alex.channel.labels(ALEX)
    counts = await table_counts(app)
    assert counts["participant"] == 1
    assert counts["start_attempt"] == 0


async def test_recurring_prompts_vary_and_remember_across_a_restart(
        make_app: AppFactory, channel: RecordingChannel, make_inbound: InboundFactory) -> None:
    app = await make_app()
    await seed_facilitator(app)
    alex = User(app, channel, make_inbound, ALEX)
    await onboard(alex, await seed_invite(app))
    first = alex.mine(await alex.drive("Check in"))[0]
    await alex.drive("/cancel")
    await app.close()

    alex.app = await make_app()
    second = alex.mine(await alex.drive("Check in"))[0]

    assert first.startswith("What colour are you right now?")
    assert second.startswith("Which colour fits how you feel at the moment?")


@pytest.mark.parametrize(("start", "status"), [
    pytest.param(date(2026, 4, 20), "waiting", id="future"),
    pytest.param(date(2026, 3, 2), "active", id="today"),
    pytest.param(date(2026, 2, 23), "active", id="past"),
])
async def test_the_first_session_date_decides_waiting_or_active(
        app: App, user: UserFactory, start: date, status: str) -> None:
    await seed_facilitator(app)
    code = await seed_invite(app, start=start)
    await onboard(user(ALEX), code)
    participant = await _participant(app, ALEX)
    assert participant is not None and participant["status"] == status


async def test_a_restart_with_a_rotated_key_reads_what_was_written_before(
        settings: Settings, channel: RecordingChannel, clock: FakeClock,
        make_inbound: InboundFactory) -> None:
    old_key = settings.encryption_key
    assert old_key is not None
    first = await build_app(settings, channel, clock, limiter=RateLimiter.unlimited(clock))
    try:
        await seed_facilitator(first)
        alex = User(first, channel, make_inbound, ALEX)
        await alex.type(f"/start {await seed_invite(first)}")
        for answer in ("Continue", "Continue", "I agree", "Bartholomew"):
            await alex.drive(answer)
    finally:
        await first.close()

    new_key = Fernet.generate_key().decode()
    rotated = settings.model_copy(update={
        "encryption_key": SecretStr(f"{new_key},{old_key.get_secret_value()}")})
    second = await build_app(rotated, channel, clock, limiter=RateLimiter.unlimited(clock))
    try:
        alex.app = second
        view = await conversation_of(second, ALEX)  # written under the old key, read now
        assert view is not None and view.data["name"] == "Bartholomew"
        resumed = await alex.type("/start")
        assert alex.mine(resumed) == [say(second, "onboarding.ask_time_again")]
        await alex.drive("18:00")
        participant = await _participant(second, ALEX)
        assert participant is not None and participant["name"] == "Bartholomew"
    finally:
        await second.close()

    only_new = settings.model_copy(update={"encryption_key": SecretStr(new_key)})
    # Loud, never a silent fresh start: refused at start by the key check.
    with pytest.raises(EncryptionKeyError, match="cannot read this database"):
        await build_app(only_new, channel, clock, limiter=RateLimiter.unlimited(clock))


async def test_unsupported_content_gets_a_text_only_reply_and_keeps_the_state(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex = user(ALEX)
    await onboard(alex, invite_code)
    await alex.drive("Check in")
    before = await conversation_of(app, ALEX)
    assert before is not None and before.state == "colour"

    sticker = await alex.unsupported()

    assert alex.mine(sticker) == [say(app, "common.text_only")]
    after = await conversation_of(app, ALEX)
    assert after is not None
    assert (after.flow, after.state, after.step, after.data) == (
        before.flow, before.state, before.step, before.data)
    assert (await table_counts(app))["checkin"] == 0
    picked = await alex.drive("🟡 Yellow")  # the colour buttons still work
    assert "Would you like to describe Yellow" in alex.mine(picked)[0]


async def test_unsupported_content_from_a_stranger_does_not_count_as_a_wrong_code(
        app: App, user: UserFactory) -> None:
    stranger = user(STRANGER)
    turn = await stranger.unsupported()
    assert stranger.mine(turn) == [say(app, "access.neutral")]
    counts = await table_counts(app)
    assert counts["conversation"] == counts["participant"] == 0
    assert counts["start_attempt"] == 0


async def _edit(app: App, channel: RecordingChannel, user_id: int, text: str,
                update_id: int) -> list[str]:
    """Send an edited text through the aiogram handler, as Telegram would."""
    when = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    message = TgMessage(message_id=7, date=when, edit_date=int(when.timestamp()),
                        chat=TgChat(id=user_id, type="private"),
                        from_user=TgUser(id=user_id, is_bot=False, first_name="Test"), text=text)
    before = len(channel.sent)
    await on_edit(message, TgUpdate(update_id=update_id, edited_message=message), app.engine)
    await app.sender.dispatch_due()
    return [s.text for s in channel.sent[before:] if s.chat_id == user_id]


async def test_an_edit_into_a_threat_is_flagged_and_the_flow_waits(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel) -> None:
    alex = user(ALEX)
    await onboard(alex, invite_code)
    await alex.drive("Check in")
    before = await conversation_of(app, ALEX)

    mine = await _edit(app, channel, ALEX,
                       "I'm going to hurt her when she gets home tonight", 880001)

    assert mine == [say(app, "safety.urgent_others")]
    async with app.uow() as uow:
        flags = await uow.flags.listing()
    assert len(flags) == 1
    after = await conversation_of(app, ALEX)
    assert before is not None and after is not None
    assert (after.flow, after.state, after.data) == (before.flow, before.state, before.data)


async def test_a_harmless_edit_is_not_taken_as_an_answer(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel) -> None:
    alex = user(ALEX)
    await onboard(alex, invite_code)
    await alex.drive("Check in")
    before = await conversation_of(app, ALEX)

    mine = await _edit(app, channel, ALEX, "had a quiet evening", 880002)

    assert mine == [say(app, "common.edit_not_read")]
    assert say(app, "common.text_only") not in mine
    after = await conversation_of(app, ALEX)
    assert before is not None and after is not None
    assert (after.flow, after.state, after.step, after.data) == (
        before.flow, before.state, before.step, before.data)
    counts = await table_counts(app)
    assert counts["flag"] == counts["checkin"] == 0


async def test_an_edit_to_blank_text_or_a_facilitators_edit_gets_no_answer(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel) -> None:
    alex = user(ALEX)
    await onboard(alex, invite_code)

    assert await _edit(app, channel, ALEX, "   ", 880003) == []
    # A facilitator's edit is neither screened nor answered, even when it quotes a threat.
    assert await _edit(app, channel, FACILITATOR_ID,
                       "I'm going to hurt her when she gets home tonight", 880004) == []
    async with app.uow() as uow:
        assert await uow.flags.listing() == []


# --- outgoing messages --------------------------------------------------------------------


async def test_a_long_message_is_split_with_buttons_on_the_last_piece(
        app: App, channel: RecordingChannel) -> None:
    paragraph = "Steady words for a long letter. " * 40  # about 1,280 characters
    long_text = "\n\n".join(paragraph.strip() for _ in range(10))
    buttons = [[{"text": "Done", "data": "m:0:help"}]]
    writer, now = app.engine.writer, app.clock.now()

    async with app.uow() as uow:
        queued = await writer.write(uow, chat_id=ALEX, audience="participant", text=long_text,
                                    buttons=buttons, now=now, key="long:1")
        await uow.commit()
    async with app.uow() as uow:
        again = await writer.write(uow, chat_id=ALEX, audience="participant", text=long_text,
                                   buttons=buttons, now=now, key="long:1")
        await uow.commit()
        rows = await uow.outbox.all()
        payloads = [uow.cipher.decrypt_json(row.payload_enc) for row in rows]
        keys = [row.idempotency_key for row in rows]

    assert queued is True and again is False
    assert len(payloads) == 4
    assert keys == ["long:1", "long:1:1", "long:1:2", "long:1:3"]
    assert all(0 < len(p["text"]) <= 4096 for p in payloads)
    assert [p["buttons"] for p in payloads] == [[], [], [], buttons]
    assert " ".join(" ".join(p["text"] for p in payloads).split()) == " ".join(long_text.split())

    assert await app.sender.dispatch_due() == 4
    assert [s.text for s in channel.to(ALEX)] == [p["text"] for p in payloads]
    assert [bool(s.buttons) for s in channel.to(ALEX)] == [False, False, False, True]


# --- the daily reminder ---------------------------------------------------------------------


async def test_the_daily_reminder_is_queued_once_at_the_chosen_time(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock,
        channel: RecordingChannel) -> None:
    alex = user(ALEX)
    await onboard(alex, invite_code, time_label="21:00")
    participant = await _participant(app, ALEX)
    assert participant is not None

    assert await app.planner.plan() == 0  # 09:00: not yet
    clock.current = datetime(2026, 3, 2, 20, 59, tzinfo=UTC)
    assert await app.planner.plan() == 0
    clock.current = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)  # 21:00 in London (GMT)
    assert await app.planner.plan() == 1
    assert await app.planner.plan() == 0
    clock.advance(timedelta(minutes=30))
    assert await app.planner.plan() == 0

    async with app.uow() as uow:
        key = f"checkin:{participant['id']}:2026-03-02"
        reminders = [row for row in await uow.outbox.all() if row.idempotency_key == key]
        assert len(reminders) == 1
    before = len(channel.to(ALEX))
    assert await app.sender.dispatch_due() == 1
    reminder = channel.to(ALEX)[before:]
    assert [s.text for s in reminder] == [say(app, "reminder.checkin")]
    assert [b["text"] for row in reminder[0].buttons for b in row] == ["Check in"]
    colours = await alex.drive("Check in")
    assert alex.mine(colours)[0].startswith("What colour are you right now?")


async def test_the_daily_reminder_follows_london_summer_time(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock) -> None:
    await onboard(user(ALEX), invite_code, time_label="21:00")
    clock.current = datetime(2026, 7, 1, 19, 59, tzinfo=UTC)
    assert await app.planner.plan() == 0
    clock.current = datetime(2026, 7, 1, 20, 0, tzinfo=UTC)  # 21:00 BST
    assert await app.planner.plan() == 1


async def test_no_reminder_without_a_daily_checkin_time(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock) -> None:
    await onboard(user(ALEX), invite_code, time_label="No daily check-in")
    participant = await _participant(app, ALEX)
    assert participant is not None and participant["checkin_time"] is None
    for hour in range(24):
        clock.current = datetime(2026, 3, 3, hour, 0, tzinfo=UTC)
        assert await app.planner.plan() == 0

