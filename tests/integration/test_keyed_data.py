"""Invite codes are stored as keyed hashes, facilitator names encrypted, old rows converted,
and a deactivated facilitator's participants and flags go to the team chat."""

from __future__ import annotations

from datetime import timedelta

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select, text

from bot.admin import deactivate_facilitator
from bot.app import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.rate_limit import RateLimiter
from storage.models import Facilitator, Invite
from tests.integration.conftest import (
    FACILITATOR_ID,
    RecordingChannel,
    UserFactory,
    onboard,
    seed_facilitator,
    seed_invite,
)
from tests.integration.test_safeguarding import TEAM_CHAT, URGENT_TEXT, flags, set_team_chat


async def test_an_invite_is_stored_as_a_keyed_hash_and_still_redeems(app: App) -> None:
    await seed_facilitator(app)
    code = await seed_invite(app)
    async with app.uow() as uow:
        [row] = list(await uow.session.scalars(select(Invite)))
        assert row.code is None and row.code_hash not in (None, code)
        found = await uow.invites.by_code(code)
        assert found is not None and found.id == row.id


async def test_an_invite_made_before_a_key_rotation_is_found_after_it(
        settings: Settings, channel: RecordingChannel, clock: FakeClock) -> None:
    first = await build_app(settings, channel, clock, limiter=RateLimiter.unlimited(clock))
    await seed_facilitator(first)
    code = await seed_invite(first)
    await first.close()
    old = settings.encryption_key
    assert old is not None
    rotated = settings.model_copy(update={"encryption_key": SecretStr(
        f"{Fernet.generate_key().decode()},{old.get_secret_value()}")})
    second = await build_app(rotated, channel, clock, limiter=RateLimiter.unlimited(clock))
    try:
        async with second.uow() as uow:
            assert await uow.invites.by_code(code) is not None
            assert await uow.invites.by_code("not-the-code") is None
    finally:
        await second.close()


async def test_facilitator_names_are_encrypted_and_read_back_through_the_accessor(
        app: App) -> None:
    await seed_facilitator(app, name="Robin Facilitator")
    async with app.uow() as uow:
        [row] = await uow.facilitators.all()
        assert row.name is None and row.name_enc is not None
        assert b"Robin" not in row.name_enc
        assert uow.facilitators.name_of(row) == "Robin Facilitator"


async def test_start_converts_plain_invite_codes_and_names_left_by_old_versions(
        app: App, settings: Settings, channel: RecordingChannel, clock: FakeClock) -> None:
    now = clock.now()
    async with app.db.begin() as conn:
        await conn.execute(text(
            "INSERT INTO facilitator (id, telegram_user_id, name, created_at) "
            "VALUES (1, 7001, 'Old Name', :now)"), {"now": now})
        await conn.execute(text(
            "INSERT INTO invite (code, facilitator_id, alias, created_at, expires_at) "
            "VALUES ('legacy-code-1234', 1, 'p-old', :now, :later)"),
            {"now": now, "later": now + timedelta(days=7)})
    await app.close()
    again = await build_app(settings, channel, clock, limiter=RateLimiter.unlimited(clock))
    try:
        async with again.uow() as uow:
            invite = await uow.invites.by_code("legacy-code-1234")
            assert invite is not None and invite.code is None
            facilitator = await uow.session.scalar(select(Facilitator))
            assert facilitator is not None and facilitator.name is None
            assert uow.facilitators.name_of(facilitator) == "Old Name"
    finally:
        await again.close()


async def test_a_deactivated_facilitators_participants_and_flags_go_to_the_team_chat(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel) -> None:
    await set_team_chat(app)
    person = user(8101)
    await onboard(person, invite_code)
    await person.type(URGENT_TEXT)
    await user(FACILITATOR_ID).press("Acknowledge")

    async with app.uow() as uow:
        done = await deactivate_facilitator(uow, FACILITATOR_ID, app.clock.now(),
                                            app.engine.writer)
    assert done.aliases == ["p-017"] and done.flags_escalated == 1
    async with app.uow() as uow:
        assert await uow.facilitators.by_telegram_id(FACILITATOR_ID) is None
        participant = await uow.participants.by_telegram_id(8101)
        assert participant is not None and participant.facilitator_id is None
    assert await app.escalate() == 1
    await app.sender.dispatch_due()
    texts = [s.text for s in channel.to(TEAM_CHAT)]
    assert any("p-017" in t and "reassign" in t for t in texts)
    assert any("Escalated" in t for t in texts)
    [flag] = await flags(app)
    assert flag.status == "escalated"
