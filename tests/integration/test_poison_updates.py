"""Our long polling against a Bot stand-in: one update that keeps failing is retried a few
times, recorded in ``skipped_update`` (ids, kind, error class, never text) and skipped, so
everyone else still gets answers; a database outage never skips updates en masse."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, Message, Update

from bot.app import App
from bot.polling import poll

USER = {"id": 8801, "is_bot": False, "first_name": "Sam"}


def text_update(update_id: int, text: str) -> Update:
    return Update.model_validate({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_760_000_000, "chat": {"id": 8801, "type": "private"},
        "from": USER, "text": text}})


def press_update(update_id: int, data: str) -> Update:
    return Update.model_validate({"update_id": update_id, "callback_query": {
        "id": str(update_id), "from": USER, "chat_instance": "ci", "data": data}})


class ScriptedBot(Bot):
    """aiogram's Bot with getUpdates scripted: serves a fixed list of updates from the
    offset asked for, like Telegram, and sets ``stop`` once every one is acknowledged."""

    def __init__(self, updates: list[Update], stop: asyncio.Event) -> None:
        super().__init__("123456:TEST-not-a-real-token")
        self.updates = updates
        self.stop = stop
        self.offsets: list[int | None] = []

    async def get_updates(self, offset: int | None = None,  # type: ignore[override]
                          **_: Any) -> list[Update]:
        self.offsets.append(offset)
        pending = [u for u in self.updates if offset is None or u.update_id >= offset]
        if not pending:
            self.stop.set()
        return pending


class Handled:
    """A dispatcher whose handlers raise for chosen text or button data."""

    def __init__(self, failing: dict[str, int]) -> None:
        self.failing = dict(failing)  # payload -> how many more times to fail (-1: always)
        self.done: list[int] = []
        self.attempts: dict[str, int] = {}
        self.dispatcher = Dispatcher()
        self.dispatcher.message.register(self.on_message)
        self.dispatcher.callback_query.register(self.on_press)

    def _maybe_fail(self, payload: str) -> None:
        self.attempts[payload] = self.attempts.get(payload, 0) + 1
        left = self.failing.get(payload, 0)
        if left:
            self.failing[payload] = left - 1 if left > 0 else left
            raise ValueError("invented failure")

    async def on_message(self, message: Message) -> None:
        self._maybe_fail(message.text or "")
        self.done.append(message.message_id)

    async def on_press(self, query: CallbackQuery) -> None:
        self._maybe_fail(query.data or "")
        self.done.append(int(query.id))


async def test_an_update_that_always_fails_is_skipped_and_the_next_still_answered(
        app: App, caplog: pytest.LogCaptureFixture) -> None:
    stop = asyncio.Event()
    handled = Handled({"checkin:²:x": -1})
    bot = ScriptedBot([text_update(1, "hello from the first"), press_update(2, "checkin:²:x"),
                       text_update(3, "hello from the second")], stop)

    async def record(update_id: int, kind: str, error: str, attempts: int) -> None:
        async with app.uow() as uow:
            await uow.skipped_updates.record(update_id, kind, error, attempts, app.clock.now())
            await uow.commit()

    with caplog.at_level(logging.ERROR, logger="bot.polling"):
        await asyncio.wait_for(poll(bot, handled.dispatcher, stop, timeout=0,  # type: ignore[arg-type]
                                    retry_base=0, attempts=3, record_skip=record), 10)

    assert handled.done == [1, 3]
    assert handled.attempts["checkin:²:x"] == 3
    async with app.uow() as uow:
        skipped = [(s.update_id, s.kind, s.error, s.attempts)
                   for s in await uow.skipped_updates.listing()]
    assert skipped == [
        (2, "callback_query", "ValueError", 3)]
    assert "checkin" not in caplog.text and "hello" not in caplog.text  # never the text
    assert "update 2" in caplog.text and "ValueError" in caplog.text


async def test_an_update_that_fails_once_is_retried_not_skipped() -> None:
    stop = asyncio.Event()
    handled = Handled({"flaky": 1})
    bot = ScriptedBot([text_update(1, "flaky"), text_update(2, "fine")], stop)
    skips: list[int] = []

    async def record(update_id: int, kind: str, error: str, attempts: int) -> None:
        skips.append(update_id)

    await asyncio.wait_for(poll(bot, handled.dispatcher, stop, timeout=0,  # type: ignore[arg-type]
                                retry_base=0, attempts=3, record_skip=record), 10)
    assert handled.done == [1, 2]
    assert skips == []


async def test_when_the_skip_cannot_be_recorded_the_offset_does_not_move_on() -> None:
    """A database outage fails the update and its skip record alike: keep the update (and
    everything after it) until the record is written, rather than skip them all."""
    stop = asyncio.Event()
    handled = Handled({"poison": -1})
    bot = ScriptedBot([text_update(1, "poison"), text_update(2, "later")], stop)
    outage = {"left": 4}
    recorded: list[int] = []
    done_when_recorded: list[list[int]] = []

    async def record(update_id: int, kind: str, error: str, attempts: int) -> None:
        if outage["left"]:
            outage["left"] -= 1
            raise ConnectionError("database unavailable")
        done_when_recorded.append(list(handled.done))
        recorded.append(update_id)

    await asyncio.wait_for(poll(bot, handled.dispatcher, stop, timeout=0,  # type: ignore[arg-type]
                                retry_base=0, attempts=2, record_skip=record), 10)
    assert recorded == [1]
    assert done_when_recorded == [[]]  # nothing after it ran before the skip was recorded
    assert handled.done == [2]
    assert outage["left"] == 0
    assert 2 not in [o for o in bot.offsets if o is not None][:1]  # never jumped past 1 early


async def test_stopping_during_retries_returns_promptly_without_skipping() -> None:
    stop = asyncio.Event()
    handled = Handled({"poison": -1})
    bot = ScriptedBot([text_update(1, "poison")], stop)
    skips: list[int] = []

    async def record(update_id: int, kind: str, error: str, attempts: int) -> None:
        skips.append(update_id)

    task = asyncio.create_task(poll(bot, handled.dispatcher, stop, timeout=0,  # type: ignore[arg-type]
                                    retry_base=3600, attempts=3, record_skip=record))
    async with asyncio.timeout(5):
        while handled.attempts.get("poison", 0) < 1:
            await asyncio.sleep(0)
    stop.set()  # mid-backoff of an hour
    await asyncio.wait_for(task, 5)
    assert skips == []
