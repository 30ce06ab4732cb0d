"""Wire everything in one place: settings, database, content, engine, sender, scheduler."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channel import Channel
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.engine import Engine
from bot.flags import EscalationPolicy, FlagDesk
from bot.housekeeping import Housekeeping
from bot.outgoing import OutgoingWriter
from bot.planning import Planner
from bot.rate_limit import RateLimiter
from bot.reachability import Reachability
from bot.scheduler import Ticker
from bot.screening_combined import screen
from bot.sender import OutboxSender
from content.loader import Content, load_content
from content.phrasebook import Phrasebook
from storage.crypto import EncryptionKeyError, FieldCipher
from storage.database import make_engine, make_session_factory
from storage.key_check import check_key
from storage.keyed_upgrade import keyed_upgrade
from storage.migrate import SchemaNotCurrentError, is_current, upgrade
from storage.uow import UnitOfWork


@dataclass
class App:
    settings: Settings
    db: AsyncEngine
    content: Content
    clock: Clock
    uow: Callable[[], UnitOfWork]
    engine: Engine
    sender: OutboxSender
    planner: Planner
    flags: FlagDesk
    ticker: Ticker

    async def escalate(self) -> int:
        """Escalate every flag whose deadline has passed (the scheduler calls this too)."""
        async with self.uow() as uow:
            count = await self.flags.escalate_due(uow, self.clock.now())
            await uow.commit()
        return count

    async def close(self) -> None:
        await self.ticker.stop()
        await self.db.dispose()


def make_cipher(settings: Settings) -> FieldCipher:
    if settings.encryption_key is None:
        raise EncryptionKeyError(
            "STEADY_ENCRYPTION_KEY is not set (make one with: steady keygen)")
    return FieldCipher(settings.encryption_key.get_secret_value())


def telegram_limiter(settings: Settings, clock: Clock) -> RateLimiter:
    """Telegram's limits for this process: its share of the bot's global rate."""
    return RateLimiter(clock, rate=settings.send_rate / settings.sender_processes)


async def build_app(settings: Settings, channel: Channel, clock: Clock | None = None,
                    *, migrate: bool = True, limiter: RateLimiter | None = None) -> App:
    """``limiter``: one for every sender of this process; by default Telegram's limits."""
    clock = clock or SystemClock()
    limiter = limiter or telegram_limiter(settings, clock)
    cipher = make_cipher(settings)
    content = load_content()
    # Compile the screening rules and load the learned layer now, off the event loop, not
    # on someone's first message.
    await asyncio.to_thread(screen, "")
    db = make_engine(settings.database_url)
    sessions = make_session_factory(db)

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions, cipher)

    try:
        if migrate:
            await upgrade(db)
        elif not await is_current(db):
            raise SchemaNotCurrentError(
                "the database is not at the newest schema: start steady run "
                "(or steady db upgrade) first")
        async with uow() as checking:  # refuse a key that cannot read this database
            await check_key(checking, cipher)
        if migrate:  # only once the key is known to be right: hashing is one-way
            await keyed_upgrade(db, cipher)
    except BaseException:
        await db.dispose()
        raise

    writer = OutgoingWriter(Phrasebook(content.locale, content.resources, content.overlays))
    flags = FlagDesk(writer, EscalationPolicy(
        urgent_after=timedelta(minutes=settings.urgent_escalation_minutes),
        concern_at=settings.concern_escalation_time,
        group_window=timedelta(minutes=settings.flag_group_minutes)))

    reachability = Reachability(flags, writer)
    sender = OutboxSender(uow, channel, clock, on_unreachable=reachability.on_unreachable,
                          on_failed=reachability.on_failed, limiter=limiter)
    planner = Planner(uow, writer, clock, content)
    ticker = Ticker(sender, {}, settings.sender_interval_seconds)
    engine = Engine(uow, content, writer, clock, flags, screen,
                    wrong_code_limit=settings.wrong_code_limit, on_commit=ticker.kick)
    app = App(settings, db, content, clock, uow, engine, sender, planner, flags, ticker)
    ticker.jobs["planner"] = (settings.planner_interval_seconds, planner.plan)
    ticker.jobs["escalations"] = (settings.escalation_interval_seconds, app.escalate)
    ticker.jobs["housekeeping"] = (3600.0, Housekeeping(uow, clock).run)
    return app
