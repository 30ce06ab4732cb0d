"""`steady reassign` and `steady audit`, in-process on every database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner, Result

from bot.app import App
from bot.cli import app as cli
from bot.clock import FakeClock
from tests.integration.conftest import (
    FACILITATOR_ID,
    RecordingChannel,
    UserFactory,
    onboard,
    say,
    seed_facilitator,
)
from tests.integration.test_safeguarding import URGENT_TEXT

KIT = 7002
ALEX = 8711


@pytest.fixture
def steady(monkeypatch: pytest.MonkeyPatch, database_url: str, encryption_key: str) -> CliRunner:
    monkeypatch.setenv("STEADY_DATABASE_URL", database_url)
    monkeypatch.setenv("STEADY_ENCRYPTION_KEY", encryption_key)
    return CliRunner()


async def run(runner: CliRunner, *args: str) -> Result:
    """The CLI runs its own event loop, so it gets a thread of its own."""
    return await asyncio.to_thread(runner.invoke, cli, list(args))


async def test_reassigning_moves_the_caseload_tells_the_new_facilitator_and_is_audited(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel,
        clock: FakeClock, steady: CliRunner) -> None:
    await seed_facilitator(app, KIT, "Kit Facilitator")
    alex = user(ALEX)
    await onboard(alex, invite_code)  # p-017, Robin's
    await alex.type(URGENT_TEXT)

    result = await run(steady, "reassign", "--alias", "p-017", "--to", str(KIT))

    assert result.exit_code == 0, result.output
    assert "p-017" in result.output and "live flags: 1" in result.output
    clock.current = datetime.now(UTC)  # the CLI queued it at the wall clock's time
    await app.sender.dispatch_due()
    assert channel.to(KIT)[-1].text == say(app, "facilitator.reassigned_to_you",
                                           alias="p-017", flags="1")
    robin, kit = user(FACILITATOR_ID), user(KIT)
    assert "p-017" not in robin.mine(await robin.type("/caseload"))[0]
    assert "p-017" in kit.mine(await kit.type("/caseload"))[0]
    async with app.uow() as uow:
        details = [dict(e.detail) for e in await uow.audit.entries()
                   if e.action == "participant.reassigned"]
    assert details == [{"from": "1", "to": "2"}]


@pytest.mark.parametrize(("args", "message"), [
    (("--alias", "p-404", "--to", str(KIT)), "no participant with alias 'p-404'"),
    (("--alias", "p-017", "--to", "99"), "no active facilitator with Telegram id 99"),
    (("--alias", "p-017", "--to", str(FACILITATOR_ID)), "p-017 is already this facilitator's"),
])
async def test_a_reassignment_that_cannot_be_done_says_why_and_changes_nothing(
        app: App, invite_code: str, user: UserFactory, steady: CliRunner,
        args: tuple[str, ...], message: str) -> None:
    await seed_facilitator(app, KIT, "Kit Facilitator")
    await onboard(user(ALEX), invite_code)

    result = await run(steady, "reassign", *args)

    assert result.exit_code == 1 and message in result.output
    async with app.uow() as uow:
        participant = await uow.participants.by_telegram_id(ALEX)
        assert participant is not None and participant.facilitator_id == 1
        assert [e for e in await uow.audit.entries() if e.action == "participant.reassigned"] == []


async def test_the_audit_trail_names_who_saw_what_and_never_the_words(
        app: App, invite_code: str, user: UserFactory, steady: CliRunner) -> None:
    alex = user(ALEX)
    await onboard(alex, invite_code)
    await alex.type(URGENT_TEXT)
    await user(FACILITATOR_ID).type("/caseload")

    whole = await run(steady, "audit")
    theirs = await run(steady, "audit", "--alias", "p-017")
    unknown = await run(steady, "audit", "--alias", "p-404")

    assert whole.exit_code == 0 and theirs.exit_code == 0
    lines = theirs.output.splitlines()
    assert any("system" in line and "flag.raised" in line and "p-017" in line for line in lines)
    assert any("facilitator:1" in line and "caseload.viewed" in line for line in lines)
    assert all("p-017" in line for line in lines)
    assert "invite.created" in whole.output and "invite.created" not in theirs.output
    assert "hurt" not in whole.output.lower() and URGENT_TEXT not in whole.output
    assert unknown.exit_code == 1 and "no participant with alias 'p-404'" in unknown.output
