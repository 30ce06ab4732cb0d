"""Long polling that acknowledges an update only after the engine has committed it.

aiogram's own polling moves the offset on even when a handler fails; here a failure (for
instance the database briefly unavailable) stops the batch, waits and asks again from the
same offset, so Telegram redelivers it. Updates already committed are skipped by update id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import Update

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
MAX_BACKOFF = 30.0


async def poll(bot: Bot, dispatcher: Dispatcher, stop: asyncio.Event, *,
               timeout: int = 25, retry_base: float = 0.5) -> None:
    offset: int | None = None
    failures = 0
    while not stop.is_set():
        try:
            updates = await _until_stopped(stop, bot.get_updates(
                offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES,
                request_timeout=timeout + 10))
            if updates is None:
                return
        except (TelegramNetworkError, TelegramAPIError) as exc:
            failures += 1
            log.warning("getUpdates failed: %s", type(exc).__name__)
            await _pause(stop, min(MAX_BACKOFF, retry_base * 2 ** failures))
            continue
        for update in updates:
            try:
                await dispatcher.feed_update(bot, update)
            except Exception as exc:
                failures += 1
                log.error("update %s not processed (%s); it will be retried",
                          update.update_id, type(exc).__name__)
                await _pause(stop, min(MAX_BACKOFF, retry_base * 2 ** failures))
                break
            failures = 0
            offset = update.update_id + 1


async def _until_stopped(stop: asyncio.Event,
                         request: Coroutine[Any, Any, list[Update]]) -> list[Update] | None:
    """Await a long poll, or give it up (None) as soon as ``stop`` is set."""
    polling = asyncio.ensure_future(request)
    stopping = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if polling in done:
        stopping.cancel()
        return polling.result()
    polling.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await polling
    return None


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
