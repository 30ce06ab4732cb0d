"""Undelivered outbox rows do not keep text: a failed row drops its body, housekeeping
deletes old failed rows, and forget me deletes a participant's unsent rows."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.channel import Rejected
from bot.clock import FakeClock
from bot.housekeeping import Housekeeping
from tests.integration.conftest import RecordingChannel, UserFactory, onboard

PARTICIPANT = 8501
OTHER = 8502


async def _queue(app: App, chat_id: int, text: str, *, later: timedelta | None = None) -> None:
    now = app.clock.now()
    async with app.uow() as uow:
        await app.engine.writer.write(uow, chat_id=chat_id, audience="participant", text=text,
                                      buttons=[], now=now,
                                      not_before=now + later if later else None)
        await uow.commit()


async def _rows(app: App, chat_id: int) -> list[tuple[str, bool]]:
    async with app.uow() as uow:
        return [(r.status, r.payload_enc is not None) for r in await uow.outbox.all()
                if r.chat_id == chat_id]


async def _fail_without_dropping_text(app: App, chat_id: int) -> None:
    """A failed row as older code left it: body still there."""
    async with app.uow() as uow:
        for row in await uow.outbox.all():
            if row.chat_id == chat_id and row.status == "pending":
                row.status = "failed"
        await uow.commit()


async def test_a_failed_message_drops_its_text(
        app: App, channel: RecordingChannel) -> None:
    await _queue(app, OTHER, "your journal entry: invented words")
    channel.fail_next(OTHER, Rejected("400 Bad Request"))

    await app.sender.dispatch_due()

    assert await _rows(app, OTHER) == [("failed", False)]


async def test_housekeeping_deletes_old_failed_rows_and_keeps_recent_ones(
        app: App, clock: FakeClock) -> None:
    await _queue(app, OTHER, "old")
    await _fail_without_dropping_text(app, OTHER)
    clock.advance(timedelta(days=29))
    await _queue(app, OTHER, "recent")
    await _fail_without_dropping_text(app, OTHER)

    clock.advance(timedelta(days=2))
    await Housekeeping(app.uow, clock).run()

    assert await _rows(app, OTHER) == [("failed", True)]  # only "recent" is left


async def test_forget_me_deletes_failed_and_later_rows_of_that_chat_only(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)
    await _queue(app, PARTICIPANT, "a journal entry shown back, never delivered")
    await _fail_without_dropping_text(app, PARTICIPANT)
    await _queue(app, PARTICIPANT, "tomorrow's check-in", later=timedelta(hours=20))
    await _queue(app, OTHER, "someone else's failed row")
    await _fail_without_dropping_text(app, OTHER)

    await alex.type("/forgetme")
    await alex.drive("Yes, delete my data")
    await alex.drive("Delete everything now")

    statuses = [status for status, _ in await _rows(app, PARTICIPANT)]
    assert "failed" not in statuses
    assert "pending" not in statuses  # the later check-in is gone, the goodbye went out
    assert channel.to(PARTICIPANT)[-1].text == app.engine.writer.phrasebook.render(
        "forget.goodbye", {})
    assert await _rows(app, OTHER) == [("failed", True)]
