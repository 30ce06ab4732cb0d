"""`steady session ...` in-process on every database, with the planner queuing reminders."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner, Result

from bot.app import App
from bot.cli import app as cli
from bot.clock import FakeClock
from tests.integration.conftest import UserFactory, onboard

ALEX = 4242
AT = "2099-06-10 14:00"  # BST: 13:00 UTC
STARTS = datetime(2099, 6, 10, 13, tzinfo=UTC)


@pytest.fixture
def steady(monkeypatch: pytest.MonkeyPatch, database_url: str, encryption_key: str) -> CliRunner:
    monkeypatch.setenv("STEADY_DATABASE_URL", database_url)
    monkeypatch.setenv("STEADY_ENCRYPTION_KEY", encryption_key)
    return CliRunner()


async def run(runner: CliRunner, *args: str) -> Result:
    """The CLI runs its own event loop, so it gets a thread of its own."""
    return await asyncio.to_thread(runner.invoke, cli, ["session", *args])


@pytest.fixture
async def alex(app: App, invite_code: str, user: UserFactory) -> None:
    await onboard(user(ALEX), invite_code, time_label="No daily check-in")  # alias p-017


async def queued(app: App) -> list[str]:
    async with app.uow() as uow:
        return sorted(r.idempotency_key or "" for r in await uow.outbox.all()
                      if (r.idempotency_key or "").startswith("appt:") and r.status == "pending")


async def audit_actions(app: App) -> list[str]:
    async with app.uow() as uow:
        return [e.action for e in await uow.audit.entries() if e.action.startswith("session.")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "--alias", "nobody", "--at", AT), "no participant with alias 'nobody'"),
        (("add", "--alias", "p-017", "--at", "10/06/2099 14:00"), "--at must look like"),
        (("add", "--alias", "p-017", "--at", "2001-01-01 10:00"), "has already passed"),
        (("add", "--alias", "p-017", "--at", AT, "--week", "23"), "--week must be 1 to 22"),
        (("move", "--id", "999", "--at", AT), "no appointment with id 999"),
        (("cancel", "--id", "999"), "no appointment with id 999"),
    ],
    ids=["unknown-alias", "bad-format", "past", "bad-week", "move-unknown", "cancel-unknown"],
)
async def test_bad_input_is_refused_with_a_clear_error_and_exit_code_2(
        steady: CliRunner, alex: None, args: tuple[str, ...], message: str) -> None:
    result = await run(steady, *args)

    assert result.exit_code == 2
    assert message in result.output


async def test_an_appointment_is_booked_in_local_time_and_listed(
        steady: CliRunner, alex: None, app: App) -> None:
    added = await run(steady, "add", "--alias", "p-017", "--at", AT, "--week", "3")
    assert added.exit_code == 0, added.output

    listing = await run(steady, "list", "--alias", "p-017")

    assert "p-017 2099-06-10 14:00 Europe/London week 3 scheduled" in listing.output
    async with app.uow() as uow:
        (appointment,) = await uow.appointments.of_participant(1)
        assert appointment.starts_at == STARTS
    assert await audit_actions(app) == ["session.add"]


async def test_moving_replaces_the_queued_reminder(
        steady: CliRunner, alex: None, app: App, clock: FakeClock) -> None:
    await run(steady, "add", "--alias", "p-017", "--at", AT)
    clock.current = STARTS - timedelta(days=1)
    await app.planner.plan()
    assert await queued(app) == ["appt:1:20990610T1400:24h"]

    moved = await run(steady, "move", "--id", "1", "--at", "2099-06-10 16:00")
    assert moved.exit_code == 0 and "1 queued reminder(s) withdrawn" in moved.output
    assert await queued(app) == []
    clock.current = STARTS + timedelta(hours=2) - timedelta(days=1)  # 16:00 BST the day before
    await app.planner.plan()

    assert await queued(app) == ["appt:1:20990610T1600:24h"]
    assert await audit_actions(app) == ["session.add", "session.move"]


async def test_cancelling_withdraws_the_reminders_and_plans_no_more(
        steady: CliRunner, alex: None, app: App, clock: FakeClock) -> None:
    await run(steady, "add", "--alias", "p-017", "--at", AT)
    clock.current = STARTS - timedelta(days=1)
    await app.planner.plan()

    cancelled = await run(steady, "cancel", "--id", "1")
    clock.current = STARTS - timedelta(hours=2)
    await app.planner.plan()

    assert cancelled.exit_code == 0 and "cancelled" in cancelled.output
    assert await queued(app) == []
    assert await audit_actions(app) == ["session.add", "session.cancelled"]


async def test_an_attended_session_brings_the_feedback_request(
        steady: CliRunner, alex: None, app: App, clock: FakeClock) -> None:
    await run(steady, "add", "--alias", "p-017", "--at", AT, "--week", "3")
    attended = await run(steady, "attended", "--id", "1")
    assert attended.exit_code == 0 and "attended" in attended.output
    clock.current = STARTS + timedelta(hours=1)

    await app.planner.plan()

    assert await queued(app) == ["appt:1:feedback"]
    missed = await run(steady, "missed", "--id", "1")
    assert missed.exit_code == 0
    assert await queued(app) == []  # the request for a session they missed is withdrawn
