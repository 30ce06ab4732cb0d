"""Fixtures for the end-to-end tests: the real bot (``run_bot``) against the fake Bot API.

Each test gets its own fake Telegram server, its own SQLite file under ``tmp_path``, a
facilitator (who has already opened the bot, so it may message them) with one invite, and
the bot itself running as an asyncio task: aiogram adapter, our long polling, engine,
outbox sender and scheduler ticks, exactly as ``steady run`` wires them.

All names, ids and codes are invented.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from pydantic import SecretStr

from bot.admin import add_facilitator, create_invite
from bot.config import Settings
from bot.runner import run_bot
from storage.crypto import FieldCipher
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.uow import UnitOfWork
from tests.e2e.fake_bot_api import FakeBotAPI, button_data, buttons
from tests.e2e.fake_bot_api_shapes import JSON, describe

FACILITATOR_ID = 7001
FACILITATOR_NAME = "Frankie (facilitator)"
INVITE_ALIAS = "kestrel-07"
# Generous bounds for a slow CI machine; they are ceilings, never waits. Starting takes
# seconds the first time in a process: build_app compiles the screening rules.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0  # run_bot grants running ticks up to 10 s (bot.scheduler) to finish
REPLY_TIMEOUT = 10.0

T = TypeVar("T")


def labels(message: JSON) -> list[str]:
    """The button labels on a bot message, row by row."""
    return [text for text, _ in buttons(message)]


def transcript(messages: list[JSON]) -> list[tuple[int, str]]:
    """(message id, text) of each message: a chat compared as read, whatever keyboards the
    bot has since taken off spent messages."""
    return [(int(m["message_id"]), str(m.get("text", ""))) for m in messages]


class Person:
    """A human on Telegram, as the tests play them: they type, tap buttons, read replies."""

    def __init__(self, fake: FakeBotAPI, user_id: int) -> None:
        self.fake = fake
        self.id = user_id
        self.seen: list[JSON] = []  # bot messages read with next(), in order
        self.callback_ids: list[str] = []  # every button press, in order

    def say(self, text: str) -> JSON:
        return self.fake.send_text(self.id, text)

    def tap(self, message: JSON, label: str) -> str:
        """Press the one button whose label contains ``label``; return the callback id."""
        update = self.fake.press(self.id, message, button_data(message, label))
        callback_id = str(update["callback_query"]["id"])
        self.callback_ids.append(callback_id)
        return callback_id

    def tap_stale(self, message: JSON, label: str) -> str:
        """Press a button as ``message`` showed it when read, though the bot has since
        taken the keyboard off (a client that has not caught up); return the callback id."""
        update = self.fake.press(self.id, message, button_data(message, label), strict=False)
        callback_id = str(update["callback_query"]["id"])
        self.callback_ids.append(callback_id)
        return callback_id

    async def next(self, *fragments: str, timeout: float = REPLY_TIMEOUT) -> JSON:
        """The very next bot message in this chat; it must contain every fragment.

        No predicate is used on purpose: an unexpected message in between fails here.
        """
        message = await self.fake.wait_for_message(self.id, timeout=timeout)
        self.seen.append(message)
        text = message.get("text", "")
        missing = [fragment for fragment in fragments if fragment not in text]
        assert not missing, f"expected {missing!r} in the next message, got {describe(message)}"
        return message

    async def through_consent(self, invite_code: str) -> tuple[JSON, JSON]:
        """From the invite link to "I agree"; return (intro, the name question)."""
        self.say(f"/start {invite_code}")
        intro = await self.next("Steady")
        self.tap(intro, "Continue")
        limits = await self.next("who sees what")
        self.tap(limits, "Continue")
        consent = await self.next("not end-to-end encrypted")
        self.tap(consent, "I agree")
        ask_name = await self.next("What would you like me to call you?")
        return intro, ask_name


@dataclass
class RunningBot:
    """One ``run_bot`` task and the event that asks it to stop."""

    task: asyncio.Task[None]
    stop_event: asyncio.Event

    async def stop(self) -> None:
        """Set the stop event and wait until ``run_bot`` has returned (it must, promptly,
        even with a long poll parked on the server); re-raise anything it died of."""
        self.stop_event.set()
        await asyncio.wait_for(self.task, STOP_TIMEOUT)


async def start_bot(settings: Settings, fake: FakeBotAPI) -> RunningBot:
    """Start ``run_bot`` and return once it is long polling the fake for updates."""
    stop_event = asyncio.Event()
    task = asyncio.create_task(run_bot(settings, stop_event), name="steady-run-bot")
    polls_before = len(fake.calls_to("getUpdates"))
    polling = asyncio.ensure_future(fake.wait_until(
        lambda: len(fake.calls_to("getUpdates")) > polls_before, START_TIMEOUT,
        "the bot's first getUpdates"))
    done, _ = await asyncio.wait({task, polling}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:  # it died on the way up: say why, at once
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        task.result()
        raise AssertionError("run_bot returned before it started polling")
    polling.result()
    return RunningBot(task, stop_event)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """run_bot configures logging for a process: root handlers and some logger levels.
    Put pytest's handlers and every level back afterwards."""
    root = logging.getLogger()
    handlers = root.handlers[:]
    levels = {name: logger.level for name, logger in logging.root.manager.loggerDict.items()
              if isinstance(logger, logging.Logger)}
    root_level = root.level
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per 0.2 s tick
    yield
    root.handlers[:] = handlers
    root.setLevel(root_level)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            logger.setLevel(levels.get(name, logging.NOTSET))


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        api.add_user(FACILITATOR_ID, "Frankie", "frankie_facilitator", started=True)
        yield api
    # The bot has stopped by now. Finalise what it left unreachable (an unclosed database
    # connection, say), so a ResourceWarning fails this test rather than a later one.
    gc.collect()


@pytest.fixture
def person(fake: FakeBotAPI) -> Callable[..., Person]:
    """Make a Telegram user known to the fake and return them as a :class:`Person`."""

    def make(user_id: int, first_name: str, username: str | None = None) -> Person:
        fake.add_user(user_id, first_name, username)
        return Person(fake, user_id)

    return make


@pytest.fixture
def settings(tmp_path: Path, fake: FakeBotAPI) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'steady-e2e.db'}",
        encryption_key=SecretStr(FieldCipher.generate_key()),
        telegram_token=SecretStr(fake.token),
        telegram_api_base=fake.base_url,
        sender_interval_seconds=0.2,
        # Reminders and escalations are not under test: no such tick mid-test.
        planner_interval_seconds=3600,
        escalation_interval_seconds=3600,
        log_level="INFO",
    )


@pytest.fixture
def with_uow(settings: Settings) -> Callable[[Callable[[UnitOfWork], Awaitable[T]]], Awaitable[T]]:
    """Run ``work(uow)`` on the test database, the way the admin CLI does."""

    async def run(work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        assert settings.encryption_key is not None
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
            cipher = FieldCipher(settings.encryption_key.get_secret_value())
            async with UnitOfWork(make_session_factory(engine), cipher) as uow:
                return await work(uow)
        finally:
            await engine.dispose()

    return run


@pytest.fixture
async def facilitator(
    with_uow: Callable[[Callable[[UnitOfWork], Awaitable[int]]], Awaitable[int]],
) -> int:
    """Seed the facilitator (as ``steady facilitator add`` would); return their Telegram id."""
    now = datetime.now(UTC)
    await with_uow(lambda uow: add_facilitator(uow, FACILITATOR_ID, FACILITATOR_NAME, now))
    return FACILITATOR_ID


@pytest.fixture
def make_invite(
    facilitator: int, with_uow: Callable[[Callable[[UnitOfWork], Awaitable[str]]], Awaitable[str]]
) -> Callable[[str], Awaitable[str]]:
    """Create an invite (as ``steady invite`` would) and return its code."""

    async def make(alias: str) -> str:
        async def work(uow: UnitOfWork) -> str:
            new = await create_invite(uow, facilitator, alias, None, datetime.now(UTC),
                                      timedelta(days=14))
            return new.code

        return await with_uow(work)

    return make


@pytest.fixture
async def invite_code(make_invite: Callable[[str], Awaitable[str]]) -> str:
    return await make_invite(INVITE_ALIAS)


@pytest.fixture
async def bot(
    settings: Settings, fake: FakeBotAPI, invite_code: str
) -> AsyncIterator[RunningBot]:
    """The bot, running against the fake, on a database seeded with one invite."""
    running = await start_bot(settings, fake)
    try:
        yield running
    finally:
        await running.stop()
