"""Retention: operational records go, safeguarding records stay."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import FakeClock
from bot.housekeeping import Housekeeping
from tests.integration.conftest import UserFactory, onboard, table_counts


async def test_old_delivery_records_update_ids_and_stranger_counters_are_deleted(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock) -> None:
    await onboard(user(8201), invite_code)
    await user(8202).type("/start not-a-code")
    await user(8201).type("i'm going to strangle her tonight")  # a flag and its audit trail
    before = await table_counts(app)
    assert before["outbox"] and before["processed_update"] and before["start_attempt"]

    clock.advance(timedelta(days=31))
    await Housekeeping(app.uow, clock).run()

    after = await table_counts(app)
    assert after["outbox"] == 0
    assert after["processed_update"] == 0
    assert after["start_attempt"] == 0
    for kept in ("flag", "audit", "participant", "checkin", "conversation"):
        assert after[kept] == before[kept], kept


async def test_recent_records_are_kept(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock) -> None:
    await onboard(user(8201), invite_code)
    before = await table_counts(app)

    clock.advance(timedelta(days=2))
    await Housekeeping(app.uow, clock).run()

    after = await table_counts(app)
    assert after["outbox"] == before["outbox"]
    assert after["processed_update"] == before["processed_update"]
