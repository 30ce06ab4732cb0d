"""Long polling that acknowledges an update only after the engine has committed it.

aiogram's own polling moves the offset on even when a handler fails; here a failure (for
instance the database briefly unavailable) is retried a few times from the same offset
(STEADY_POLL_ATTEMPTS, with the backoff of the other STEADY_POLL_* settings).
An update that still fails (a poison update: odd button data, a row the key cannot read)
is recorded in ``skipped_update`` (ids, kind and error class, never text) and skipped, so
one bad update never stops the bot answering everyone else. Updates already committed are
skipped by update id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import Update

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# Defaults of the STEADY_POLL_* settings (bot/config.py), which steady run passes in.
MAX_BACKOFF = 30.0
ATTEMPTS = 3  # tries per update before it is skipped

# (update_id, kind, error class name, attempts): must persist the skip or raise.
RecordSkip = Callable[[int, str, str, int], Awaitable[None]]


def update_kind(update: Update) -> str:
    for kind in ALLOWED_UPDATES:
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


async def poll(bot: Bot, dispatcher: Dispatcher, stop: asyncio.Event, *,
               timeout: int = 25, retry_base: float = 0.5, attempts: int = ATTEMPTS,
               max_backoff: float = MAX_BACKOFF, record_skip: RecordSkip | None = None) -> None:
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
            await _pause(stop, min(max_backoff, retry_base * 2 ** failures))
            continue
        failures = 0
        for update in updates:
            if not await _handle(bot, dispatcher, stop, update, retry_base=retry_base,
                                 attempts=attempts, max_backoff=max_backoff,
                                 record_skip=record_skip):
                return  # stopping: this update stays unacknowledged, redelivered next run
            offset = update.update_id + 1


async def _handle(bot: Bot, dispatcher: Dispatcher, stop: asyncio.Event, update: Update, *,
                  retry_base: float, attempts: int, max_backoff: float,
                  record_skip: RecordSkip | None) -> bool:
    """Process one update, retrying; skip it once every attempt failed.

    Return True when the offset may move past it, False when stopping first.
    """
    tries = 0
    error = ""
    while tries < max(1, attempts):
        if stop.is_set():
            return False
        tries += 1
        try:
            await dispatcher.feed_update(bot, update)
            return True
        except Exception as exc:
            error = type(exc).__name__
            log.error("update %s not processed (%s), attempt %s of %s",
                      update.update_id, error, tries, attempts)
        if tries < attempts:
            await _pause(stop, min(max_backoff, retry_base * 2 ** (tries - 1)))
    # Every attempt failed. If the cause is a database outage, recording the skip fails
    # too: then we keep the offset and retry recording with backoff, so an outage never
    # skips updates en masse (they are processed, or skipped with a record, once the
    # database is back). Only a recorded skip moves the offset on.
    kind = update_kind(update)
    failures = 0
    while record_skip is not None:
        if stop.is_set():
            return False
        try:
            await record_skip(update.update_id, kind, error, tries)
            break
        except Exception as exc:
            failures += 1
            log.error("update %s: cannot record the skip (%s); retrying",
                      update.update_id, type(exc).__name__)
            await _pause(stop, min(max_backoff, retry_base * 2 ** failures))
    log.error("update %s (%s) skipped after %s attempts (%s)",
              update.update_id, kind, tries, error)
    return True


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
    if seconds <= 0:
        await asyncio.sleep(0)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
