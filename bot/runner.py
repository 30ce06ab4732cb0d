"""`steady run`: the Telegram bot with aiogram long polling; `steady send`: delivery only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError

from bot.app import App, build_app
from bot.clock import Clock
from bot.config import Settings
from bot.logs import configure_logging
from bot.polling import RecordSkip, poll
from bot.telegram_aiogram import AiogramChannel, make_bot, make_dispatcher

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """The bot cannot start; the message is one line for the operator, never the token."""


async def run_bot(settings: Settings, stop: asyncio.Event | None = None,
                  clock: Clock | None = None) -> None:
    """Run until ``stop`` is set (or a signal arrives); ``clock`` is for tests."""
    bot, app = await _start(settings, clock=clock, migrate=True)
    stop = stop or asyncio.Event()
    try:
        me = await _get_me(bot)
        log.info("running as bot id %s", me)
        async with app.uow() as uow:
            if await uow.settings.team_chat_id() is None:
                log.warning("no team chat is set: unacknowledged flags cannot escalate "
                            "(set one with: steady team-chat set --chat-id N)")
        _stop_on_signals(stop)
        app.ticker.start()
        await poll(bot, make_dispatcher(app.engine), stop,
                   timeout=settings.poll_timeout_seconds,
                   retry_base=settings.poll_retry_base_seconds,
                   attempts=settings.poll_attempts,
                   max_backoff=settings.poll_max_backoff_seconds,
                   record_skip=_skip_recorder(app))
    finally:
        await app.close()
        await bot.session.close()


async def _get_me(bot: Bot) -> int:
    """The bot's own id; a failure is a StartupError naming only the error's class (the
    exception text of a network failure carries the request URL, and so the token)."""
    try:
        return (await bot.get_me()).id
    except TelegramUnauthorizedError:
        raise StartupError("the Telegram Bot API refused STEADY_TELEGRAM_TOKEN") from None
    except TelegramAPIError as exc:
        raise StartupError(
            f"cannot reach the Telegram Bot API ({type(exc).__name__}); "
            "check STEADY_TELEGRAM_API_BASE and the network") from None


async def run_sender(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Deliver the outbox and nothing else, until ``stop`` is set (or a signal arrives).

    An extra delivery worker beside one ``steady run`` on the same PostgreSQL database:
    it does not poll (Telegram gives updates to one poller only), plan, escalate or tidy
    (the ``steady run`` process does those once). Claims skip each other's rows (``FOR
    UPDATE SKIP LOCKED``), so each row goes once; SQLite has no such lock, so it is refused.
    """
    if settings.telegram_token is not None and not settings.database_url.startswith("postgresql"):
        raise StartupError("steady send shares a PostgreSQL database with steady run; "
                           "on SQLite, steady run delivers on its own")
    # The schema is steady run's to migrate: two processes must not race to do it.
    bot, app = await _start(settings, clock=None, migrate=False)
    stop = stop or asyncio.Event()
    try:
        me = await _get_me(bot)
        log.info("delivering as bot id %s", me)
        _stop_on_signals(stop)
        app.ticker.jobs.clear()  # delivery only
        app.ticker.start()
        await stop.wait()
    finally:
        await app.close()
        await bot.session.close()


async def _start(settings: Settings, *, clock: Clock | None, migrate: bool) -> tuple[Bot, App]:
    """The bot's Telegram client and the wired app, with logging that masks the token; the
    client is closed again if the app cannot be built."""
    if settings.telegram_token is None:
        raise ValueError("STEADY_TELEGRAM_TOKEN is not set")
    token = settings.telegram_token.get_secret_value()
    configure_logging(settings.log_level, [token])
    bot = make_bot(token, settings.telegram_api_base)
    try:
        return bot, await build_app(settings, AiogramChannel(bot), clock, migrate=migrate)
    except BaseException:
        await bot.session.close()
        raise


def _skip_recorder(app: App) -> RecordSkip:
    async def record(update_id: int, kind: str, error: str, attempts: int) -> None:
        async with app.uow() as uow:
            await uow.skipped_updates.record(update_id, kind, error, attempts, app.clock.now())
            await uow.commit()

    return record


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not main thread
            loop.add_signal_handler(sig, stop.set)
