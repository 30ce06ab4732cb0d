"""`steady run`: the Telegram bot with aiogram long polling."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.app import build_app
from bot.clock import Clock
from bot.config import Settings
from bot.logs import configure_logging
from bot.polling import poll
from bot.telegram_aiogram import AiogramChannel, make_bot, make_dispatcher

log = logging.getLogger(__name__)


async def run_bot(settings: Settings, stop: asyncio.Event | None = None,
                  clock: Clock | None = None) -> None:
    """Run until ``stop`` is set (or a signal arrives); ``clock`` is for tests."""
    if settings.telegram_token is None:
        raise ValueError("STEADY_TELEGRAM_TOKEN is not set")
    token = settings.telegram_token.get_secret_value()
    configure_logging(settings.log_level, [token])
    bot = make_bot(token, settings.telegram_api_base)
    app = await build_app(settings, AiogramChannel(bot), clock)
    stop = stop or asyncio.Event()
    try:
        me = await bot.get_me()
        log.info("running as bot id %s", me.id)
        async with app.uow() as uow:
            if await uow.settings.team_chat_id() is None:
                log.warning("no team chat is set: unacknowledged flags cannot escalate "
                            "(set one with: steady team-chat set --chat-id N)")
        _stop_on_signals(stop)
        app.ticker.start()
        await poll(bot, make_dispatcher(app.engine), stop)
    finally:
        await app.close()
        await bot.session.close()


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not main thread
            loop.add_signal_handler(sig, stop.set)
