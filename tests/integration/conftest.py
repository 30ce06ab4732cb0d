"""Shared fixtures for integration tests: a real database (SQLite, and PostgreSQL when
STEADY_TEST_DATABASE_URL is set), a moving clock, a recording channel, the wired app, and
helpers that talk to the engine like a Telegram user would."""

from __future__ import annotations

import itertools
import os
import shutil
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import create_engine, func, select

from bot.admin import add_facilitator, create_invite
from bot.app import App, build_app
from bot.channel import Buttons, SendError
from bot.clock import FakeClock
from bot.config import Settings
from bot.engine import HandleResult
from bot.rate_limit import RateLimiter
from dialogues.events import Inbound, Kind
from storage.migrate import alembic_config
from storage.models import Base
from tests.databases import PG_ENV, postgres_param, reset_postgres

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday; London is on GMT (UTC+0)
FACILITATOR_ID = 7001


@dataclass(frozen=True)
class Sent:
    chat_id: int
    text: str
    buttons: Buttons
    audience: str
    message_id: int


class RecordingChannel:
    """A bot.channel.Channel that records what is sent and fails on request."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.attempts: list[int] = []  # chat ids of every send attempt, failures included
        self._failures: dict[int, list[SendError]] = defaultdict(list)
        self._ids = itertools.count(1)

    def fail_next(self, chat_id: int, error: SendError, times: int = 1) -> None:
        """Make the next ``times`` sends to ``chat_id`` raise ``error``."""
        self._failures[chat_id].extend([error] * times)

    async def send(self, chat_id: int, text: str, buttons: Buttons, audience: str) -> int | None:
        self.attempts.append(chat_id)
        if self._failures[chat_id]:
            raise self._failures[chat_id].pop(0)
        sent = Sent(chat_id, text, buttons, audience, next(self._ids))
        self.sent.append(sent)
        return sent.message_id

    def to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    def last_keyboard(self, chat_id: int) -> Buttons:
        for sent in reversed(self.to(chat_id)):
            if sent.buttons:
                return sent.buttons
        return []

    def callback_data(self, chat_id: int, label: str) -> str:
        """The callback data of ``label`` on the last keyboard sent to ``chat_id``."""
        for row in self.last_keyboard(chat_id):
            for button in row:
                if button["text"] == label:
                    return button["data"]
        raise LookupError(f"no button {label!r} on the last keyboard in chat {chat_id}")

    def labels(self, chat_id: int) -> list[str]:
        return [b["text"] for row in self.last_keyboard(chat_id) for b in row]


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head, copied for each test: migrating a new file for every
    test cost ~130 ms each (minutes over the suite, hours under mutation testing)."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    # Synchronous, so that it can be built from inside a running event loop.
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
    finally:
        engine.dispose()
    return path


@pytest.fixture(params=[pytest.param("sqlite", id="sqlite"), postgres_param()])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database for each test: migrated to head on SQLite (the app's own migration
    run then finds nothing to do), empty on PostgreSQL. A test marked ``empty_database``
    gets an empty SQLite file, for the tests of the migrations themselves."""
    if request.param == "sqlite":
        if request.node.get_closest_marker("empty_database") is None:
            template = request.getfixturevalue("migrated_sqlite_template")
            shutil.copyfile(template, tmp_path / "t.db")
        return f"sqlite+aiosqlite:///{tmp_path}/t.db"
    url = os.environ[PG_ENV]
    await reset_postgres(url)
    return url


@pytest.fixture
def sqlite_path(database_url: str) -> Path | None:
    prefix = "sqlite+aiosqlite:///"
    return Path(database_url.removeprefix(prefix)) if database_url.startswith(prefix) else None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def channel() -> RecordingChannel:
    return RecordingChannel()


@pytest.fixture
def encryption_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def settings(database_url: str, encryption_key: str) -> Settings:
    return Settings(database_url=database_url, encryption_key=SecretStr(encryption_key))


AppFactory = Callable[[], Awaitable[App]]


@pytest.fixture
async def make_app(settings: Settings, channel: RecordingChannel,
                   clock: FakeClock) -> AsyncIterator[AppFactory]:
    """Build apps on the test database; any still open are closed at teardown.

    Without Telegram's sending limits: these tests hold the clock still while a person
    reads several replies in a row. The limits have their own tests (test_delivery_limits).
    """
    opened: list[App] = []

    async def _make() -> App:
        app = await build_app(settings, channel, clock, limiter=RateLimiter.unlimited(clock))
        opened.append(app)
        return app

    yield _make
    for app in opened:
        await app.close()  # disposing twice is harmless


@pytest.fixture
async def app(make_app: AppFactory) -> App:
    return await make_app()


@pytest.fixture
def update_ids() -> Iterator[int]:
    return itertools.count(10_000)


InboundFactory = Callable[..., Inbound]


@pytest.fixture
def make_inbound(update_ids: Iterator[int], clock: FakeClock) -> InboundFactory:
    """Build an Inbound with the next update id (or a given one, for redelivery)."""

    def _make(user_id: int, kind: Kind, payload: str, *, chat_id: int | None = None,
              update_id: int | None = None) -> Inbound:
        return Inbound(
            update_id=next(update_ids) if update_id is None else update_id,
            user_id=user_id, chat_id=user_id if chat_id is None else chat_id, kind=kind,
            payload=payload, at=clock.now(),
            callback_id="cb" if kind is Kind.BUTTON else None,
        )

    return _make


async def seed_facilitator(app: App, telegram_id: int = FACILITATOR_ID,
                           name: str = "Robin Facilitator") -> int:
    async with app.uow() as uow:
        return await add_facilitator(uow, telegram_id, name, app.clock.now())


async def seed_invite(app: App, facilitator_telegram_id: int = FACILITATOR_ID,
                      alias: str = "p-017", start: date | None = None) -> str:
    valid_for = timedelta(days=app.settings.invite_valid_days)
    async with app.uow() as uow:
        invite = await create_invite(uow, facilitator_telegram_id, alias, start,
                                     app.clock.now(), valid_for)
    return invite.code


@pytest.fixture
async def invite_code(app: App) -> str:
    """A facilitator (Telegram id 7001) and one fresh invite from them."""
    await seed_facilitator(app)
    return await seed_invite(app)


@dataclass
class Turn:
    result: HandleResult
    sent: list[Sent] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.sent]


class User:
    """One Telegram account talking to the app: types text, presses buttons, sees replies."""

    def __init__(self, app: App, channel: RecordingChannel, make_inbound: InboundFactory,
                 user_id: int) -> None:
        self.app = app
        self.channel = channel
        self.make_inbound = make_inbound
        self.user_id = user_id

    async def deliver(self, inbound: Inbound) -> Turn:
        before = len(self.channel.sent)
        result = await self.app.engine.handle(inbound)
        await self.app.sender.dispatch_due()
        return Turn(result, self.channel.sent[before:])

    async def drive(self, text_or_button: str) -> Turn:
        """Press the button with this label if the last keyboard has one, else type it."""
        if text_or_button in self.channel.labels(self.user_id):
            return await self.press(text_or_button)
        return await self.type(text_or_button)

    async def type(self, typed: str) -> Turn:
        kind = Kind.COMMAND if typed.startswith("/") else Kind.TEXT
        return await self.deliver(self.make_inbound(self.user_id, kind, typed))

    async def press(self, label: str) -> Turn:
        return await self.press_data(self.channel.callback_data(self.user_id, label))

    async def press_data(self, data: str) -> Turn:
        return await self.deliver(self.make_inbound(self.user_id, Kind.BUTTON, data))

    async def unsupported(self) -> Turn:
        return await self.deliver(self.make_inbound(self.user_id, Kind.UNSUPPORTED, ""))

    def mine(self, turn: Turn) -> list[str]:
        """Texts of ``turn`` that went to this user's chat."""
        return [s.text for s in turn.sent if s.chat_id == self.user_id]


UserFactory = Callable[[int], User]


@pytest.fixture
def user(app: App, channel: RecordingChannel, make_inbound: InboundFactory) -> UserFactory:
    def _user(user_id: int) -> User:
        return User(app, channel, make_inbound, user_id)

    return _user


async def onboard(person: User, code: str, *, name: str = "Alex",
                  time_label: str = "21:00") -> list[Turn]:
    """Walk ``person`` through the whole onboarding with ``code``."""
    return [
        await person.type(f"/start {code}"),
        await person.drive("Continue"),
        await person.drive("Continue"),
        await person.drive("I agree"),
        await person.drive(name),
        await person.drive(time_label),
    ]


async def table_counts(app: App) -> dict[str, int]:
    """Rows per table, for every table the models define."""
    counts = {}
    async with app.uow() as uow:
        for name, table in Base.metadata.tables.items():
            counts[name] = await uow.session.scalar(select(func.count()).select_from(table)) or 0
    return counts


@dataclass(frozen=True)
class ConversationView:
    flow: str | None
    state: str | None
    step: int
    data: dict[str, Any]


async def conversation_of(app: App, user_id: int) -> ConversationView | None:
    async with app.uow() as uow:
        row = await uow.conversations.get(user_id)
        if row is None:
            return None
        return ConversationView(row.flow, row.state, row.step,
                                uow.cipher.decrypt_json(row.data_enc, {}))


def say(app: App, key: str, **params: str) -> str:
    """The first variant of a content sentence, as the bot renders it."""
    return app.engine.writer.phrasebook.render(key, params)


def variants(app: App, key: str, **params: str) -> list[str]:
    """Every variant of a content sentence (recurring prompts rotate through them)."""
    memory: dict[str, int] = {}
    phrasebook = app.engine.writer.phrasebook
    return [phrasebook.render(key, params, memory) for _ in app.content.locale.texts[key]]
