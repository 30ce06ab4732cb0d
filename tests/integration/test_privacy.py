"""Free text never reaches the database or the logs in plain text."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot.app import App
from bot.channel import Transient
from bot.clock import FakeClock
from tests.integration.conftest import (
    AppFactory,
    InboundFactory,
    RecordingChannel,
    User,
    onboard,
    seed_facilitator,
    seed_invite,
)

NAME = "Zebedee"
COLOUR_WORDS = "quivering-porcupine-words"
NOTE = "marmalade-tangerine-note"
SECRETS = (NAME, COLOUR_WORDS, NOTE)
PARTICIPANT = 5301
FACILITATOR_NAME = "Robin Facilitator"
ALIAS = "p-017"  # kept in plain text: proves a scan can see text


def _dump_rows(conn: Connection) -> bytes:
    """Every value of every column of every table: bytes as stored, the rest as text."""
    chunks: list[bytes] = []
    for table in inspect(conn).get_table_names():
        for row in conn.execute(text(f'SELECT * FROM "{table}"')):
            for value in row:
                if isinstance(value, bytes | bytearray | memoryview):
                    chunks.append(bytes(value))
                elif value is not None:
                    chunks.append(str(value).encode())
    return b"\n".join(chunks)


async def _database_bytes(app: App) -> bytes:
    async with app.db.connect() as conn:
        return await conn.run_sync(_dump_rows)


def _sqlite_files(db_path: Path) -> bytes:
    files = [Path(f"{db_path}{suffix}") for suffix in ("", "-wal", "-journal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


async def _conversation(app: App, person: User, clock: FakeClock,
                        channel: RecordingChannel) -> str:
    """Onboard as Zebedee, check in with own words and a note, get a reminder."""
    await seed_facilitator(app, name=FACILITATOR_NAME)
    code = await seed_invite(app)
    await person.type("/start not-the-code")  # a wrong code first: counted, not echoed
    await onboard(person, code, name=NAME, time_label="21:00")
    await person.drive("Check in")
    await person.drive("🔵 Blue")
    await person.drive("Yes")
    await person.drive(COLOUR_WORDS)
    channel.fail_next(PARTICIPANT, Transient("502"))  # a failed send is logged too
    await person.drive(NOTE)
    clock.advance(timedelta(seconds=2))
    await app.sender.dispatch_due()
    await person.drive("Check in")  # the colour list now quotes their own words
    await person.drive("🔵 Blue")
    await person.drive("Skip")
    clock.current = clock.current.replace(hour=21, minute=0)
    assert await app.planner.plan() == 1
    await app.sender.dispatch_due()

    seen = "\n".join(s.text for s in channel.to(PARTICIPANT))
    assert NAME in seen and COLOUR_WORDS in seen  # the bot did use them
    return code


@pytest.fixture
async def after_conversation(make_app: AppFactory, channel: RecordingChannel,
                             make_inbound: InboundFactory, clock: FakeClock,
                             caplog: pytest.LogCaptureFixture) -> tuple[App, str]:
    # Everything at the production default (INFO), and Steady's own loggers at DEBUG.
    # (Third-party DEBUG logs, e.g. aiosqlite's, echo SQL parameters and are not for use
    # with real data.)
    caplog.set_level(logging.INFO)
    for name in ("bot", "storage", "dialogues", "content"):
        caplog.set_level(logging.DEBUG, logger=name)
    app = await make_app()
    person = User(app, channel, make_inbound, PARTICIPANT)
    code = await _conversation(app, person, clock, channel)
    async with app.uow() as uow:  # the words were stored, encrypted
        participant = await uow.participants.by_telegram_id(PARTICIPANT)
        assert participant is not None
        checkins = await uow.checkins.for_participant(participant.id)
        notes = [uow.cipher.decrypt(c.note_enc) if c.note_enc else None for c in checkins]
        assert notes == [NOTE, None]
    return app, code


async def test_free_text_is_not_in_the_database_in_plain_text(
        after_conversation: tuple[App, str], sqlite_path: Path | None) -> None:
    app, _ = after_conversation
    rows = await _database_bytes(app)
    files_open = _sqlite_files(sqlite_path) if sqlite_path else b""
    await app.close()
    files_closed = _sqlite_files(sqlite_path) if sqlite_path else b""

    assert ALIAS.encode() in rows
    if sqlite_path is not None:
        assert ALIAS.encode() in files_open + files_closed
    for secret in SECRETS:
        needle = secret.encode()
        assert needle not in rows, f"{secret!r} stored in plain text"
        assert needle not in files_open, f"{secret!r} in the SQLite files while open"
        assert needle not in files_closed, f"{secret!r} in the SQLite files after close"


async def test_facilitator_names_and_invite_codes_are_not_in_the_database_in_plain_text(
        after_conversation: tuple[App, str], sqlite_path: Path | None) -> None:
    app, code = after_conversation
    rows = await _database_bytes(app)
    await app.close()
    files = _sqlite_files(sqlite_path) if sqlite_path else b""
    assert ALIAS.encode() in rows
    for secret in (FACILITATOR_NAME, code):
        assert secret.encode() not in rows, f"{secret!r} stored in plain text"
        assert secret.encode() not in files, f"{secret!r} in the SQLite files"


async def test_delivered_messages_keep_no_body(after_conversation: tuple[App, str]) -> None:
    app, _ = after_conversation
    async with app.uow() as uow:
        rows = await uow.outbox.all()
        assert rows
        assert {(row.status, row.payload_enc) for row in rows} == {("sent", None)}


async def test_logs_hold_no_free_text_and_no_invite_code(
        after_conversation: tuple[App, str], caplog: pytest.LogCaptureFixture) -> None:
    _, code = after_conversation
    records = caplog.get_records("setup") + caplog.get_records("call")
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in records)
    assert "update" in logged and "handled" in logged  # the whole run was logged
    assert "not delivered: Transient" in logged
    for secret in (*SECRETS, code, "not-the-code"):
        assert secret not in logged, f"{secret!r} written to the log"
