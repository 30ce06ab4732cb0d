"""`steady chat`: the terminal demo on an embedded SQLite file, no Telegram token.

It seeds a demo facilitator and an invite, then opens the conversation as a new
participant. State lives in the database file, so stopping and starting again resumes at
the same step; ``--fresh`` starts over.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from bot.admin import add_facilitator, create_invite
from bot.app import build_app
from bot.clock import OffsetClock
from bot.config import Settings
from bot.console import ConsoleChannel, ConsoleSession
from bot.logs import configure_logging
from storage.crypto import FieldCipher
from storage.uow import UnitOfWork

DEMO_FACILITATOR = 900_001
DEMO_PARTICIPANT = 900_002
DEMO_TEAM_CHAT = -900_003
DEMO_DUTY_MEMBER = 900_004


def demo_key(key_file: Path) -> str:
    if key_file.exists():
        return key_file.read_text().strip()
    key = FieldCipher.generate_key()
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    print(f"(demo) Generated a local encryption key in {key_file}. It is for this demo only.")
    return key


async def _opening_line(uow: UnitOfWork, now: datetime) -> str:
    """Return what the demo participant 'types' first: the invite link, or /start to resume."""
    if await uow.facilitators.by_telegram_id(DEMO_FACILITATOR) is None:
        await add_facilitator(uow, DEMO_FACILITATOR, "Demo facilitator", now)
        await uow.settings.put("team_chat_id", str(DEMO_TEAM_CHAT))
        await uow.commit()
    known = (await uow.participants.by_telegram_id(DEMO_PARTICIPANT) is not None
             or await uow.conversations.get(DEMO_PARTICIPANT) is not None)
    if known:
        print("(demo) Resuming where you left off. Use --fresh to start again.")
        return "/start"
    invite = await create_invite(uow, DEMO_FACILITATOR, "demo-participant", None, now,
                                 timedelta(days=14))
    print("(demo) You are a new participant opening your invitation link.")
    return f"/start {invite.code}"


async def run_demo(database: Path, key_file: Path, fresh: bool) -> None:
    if fresh and database.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    key = os.environ.get("STEADY_ENCRYPTION_KEY") or demo_key(key_file)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{database}",
                        encryption_key=SecretStr(key))
    configure_logging("WARNING", [])
    channel = ConsoleChannel(sys.stdout, DEMO_PARTICIPANT)
    app = await build_app(settings, channel, OffsetClock())
    try:
        async with app.uow() as uow:
            opening = await _opening_line(uow, datetime.now(UTC))
        print("(demo) Type a number or a button's label to press it. :wait MINUTES moves the "
              "clock on. ':facilitator 1' or ':team 1' presses a staff button. "
              ":quit or Ctrl-D ends.")
        others = {"facilitator": (DEMO_FACILITATOR, DEMO_FACILITATOR),
                  "team": (DEMO_DUTY_MEMBER, DEMO_TEAM_CHAT)}
        session = ConsoleSession(app, channel, DEMO_PARTICIPANT, others=others)
        app.ticker.start()
        await session.say(opening)
        await session.run()
    finally:
        await app.close()
