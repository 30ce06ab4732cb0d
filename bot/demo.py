"""`steady chat`: the terminal demo on an embedded SQLite file, no Telegram token.

It seeds a demo facilitator and an invite, then opens the conversation as a new
participant. State lives in the database file, so stopping and starting again resumes at
the same step (``/resume``: an open flow asks its current question again, its answers and
drafts kept; otherwise the menu); ``--fresh`` starts over.

The key file and the database (and SQLite's -wal and -shm files beside it) are readable by
their owner only from the moment they exist: they hold the demo's conversations.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from bot.admin import add_facilitator, create_invite
from bot.app import App, build_app
from bot.clock import OffsetClock
from bot.config import Settings
from bot.console import ConsoleChannel, ConsoleSession
from bot.logs import configure_logging
from bot.rate_limit import RateLimiter
from bot.session_admin import SessionError, add_session
from storage.crypto import FieldCipher
from storage.uow import UnitOfWork

DEMO_FACILITATOR = 900_001
DEMO_PARTICIPANT = 900_002
DEMO_TEAM_CHAT = -900_003
DEMO_DUTY_MEMBER = 900_004
DEMO_ALIAS = "demo-participant"
DEMO_START_IN_DAYS = 28


PRIVATE = 0o600


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Files created meanwhile (SQLite's -wal and -shm too) are the owner's only."""
    before = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(before)


def _create_private(path: Path) -> int:
    """Create ``path`` (it must not exist) with mode 0600 from the start: no moment when
    another user could open it, as there is with writing first and chmod after."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)


def demo_key(key_file: Path) -> str:
    if key_file.exists():
        return key_file.read_text().strip()
    key = FieldCipher.generate_key()
    with os.fdopen(_create_private(key_file), "w") as out:
        out.write(key + "\n")
    print(f"(demo) Generated a local encryption key in {key_file}. It is for this demo only.")
    return key


def prepare_database(database: Path) -> None:
    """Create the demo database file empty with mode 0600 (SQLite then creates its -wal and
    -shm files with the database's mode); tighten files left by an older version."""
    if not database.exists():
        os.close(_create_private(database))
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{database}{suffix}").chmod(PRIVATE)


async def _opening_line(uow: UnitOfWork, now: datetime) -> str:
    """Return what the demo participant 'types' first: the invite link, or /resume.

    Not /start: that means "show me the menu" and ends any flow in progress, losing a
    journal draft or the Press Pause answers so far. /resume asks an open flow's current
    question again (or shows the menu when none is open).
    """
    if await uow.facilitators.by_telegram_id(DEMO_FACILITATOR) is None:
        await add_facilitator(uow, DEMO_FACILITATOR, "Demo facilitator", now)
        await uow.settings.put("team_chat_id", str(DEMO_TEAM_CHAT))
        await uow.commit()
    known = (await uow.participants.by_telegram_id(DEMO_PARTICIPANT) is not None
             or await uow.conversations.get(DEMO_PARTICIPANT) is not None)
    if known:
        print("(demo) Resuming where you left off. Use --fresh to start again.")
        return "/resume"
    # On the waiting list: the first session is four weeks away, so `:wait 1d` shows the
    # welcome pack arriving, and `:book 2` then `:wait 1d` an appointment's reminders.
    start = (now + timedelta(days=DEMO_START_IN_DAYS)).date()
    invite = await create_invite(uow, DEMO_FACILITATOR, DEMO_ALIAS, start, now,
                                 timedelta(days=14))
    print("(demo) You are a new participant opening your invitation link.")
    return f"/start {invite.code}"


async def _book(app: App, days: str) -> str:
    """``:book 2``: the admin books a session two days from now at 14:00 (demo only)."""
    if not days.isdigit() or not 1 <= int(days) <= 60:
        return "usage: :book DAYS, a number of days from 1 to 60"
    now = app.clock.now()
    local = (now + timedelta(days=int(days))).astimezone(ZoneInfo("Europe/London"))
    try:
        async with app.uow() as uow:
            booked = await add_session(uow, DEMO_ALIAS, f"{local:%Y-%m-%d} 14:00", None, now)
    except SessionError as exc:
        return str(exc)
    return f"the facilitator booked a session on {booked.local}; reminders come the day " \
           "before and 2 hours before (:wait 1d)"


async def run_demo(database: Path, key_file: Path, fresh: bool,
                   stdin: TextIO | None = None, out: TextIO | None = None) -> None:
    """Run the demo; ``stdin`` and ``out`` default to the terminal (tests pass their own)."""
    with private_files():
        await _run_demo(database, key_file, fresh, stdin or sys.stdin, out or sys.stdout)


async def _run_demo(database: Path, key_file: Path, fresh: bool, stdin: TextIO,
                    out: TextIO) -> None:
    if fresh and database.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    key = os.environ.get("STEADY_ENCRYPTION_KEY") or demo_key(key_file)
    prepare_database(database)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{database}",
                        encryption_key=SecretStr(key))
    configure_logging("WARNING", [])
    channel = ConsoleChannel(out, DEMO_PARTICIPANT)
    clock = OffsetClock()
    # The terminal is not Telegram: no sending limits, or replies would trickle out.
    app = await build_app(settings, channel, clock, limiter=RateLimiter.unlimited(clock))
    try:
        async with app.uow() as uow:
            opening = await _opening_line(uow, datetime.now(UTC))
        print("(demo) Type a number or a button's label to press it. :wait 20 (minutes), "
              ":wait 2h or :wait 3d moves the clock on. ':facilitator 1' or ':team 1' presses "
              "a staff button. "
              ":book DAYS books a session DAYS from now at 14:00. :quit or Ctrl-D ends.")
        others = {"facilitator": (DEMO_FACILITATOR, DEMO_FACILITATOR),
                  "team": (DEMO_DUTY_MEMBER, DEMO_TEAM_CHAT)}
        session = ConsoleSession(app, channel, DEMO_PARTICIPANT, stdin=stdin, out=out,
                                 others=others, commands={"book": lambda days: _book(app, days)})
        app.ticker.start()
        await session.say(opening)
        await session.run()
    finally:
        await app.close()
