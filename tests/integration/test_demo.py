"""`steady chat`, the terminal demo: its files are the owner's only from the start, and a
restart resumes an open flow at the same step (a journal draft, Press Pause answers kept)
instead of sending /start, which would end the flow and lose them.

Each "run" is a whole demo session on the same database file with scripted input, as if
someone typed the lines and then closed the terminal. All text is invented.
"""

from __future__ import annotations

import io
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.demo import run_demo
from storage.crypto import FieldCipher
from storage.database import make_engine, make_session_factory
from storage.models import JournalEntry
from storage.uow import UnitOfWork

ONBOARDING = ["Continue", "Continue", "I agree", "Sam", "No daily check-in"]


@pytest.fixture(autouse=True)
def demo_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As a terminal would start it: no key in the environment, the usual umask 022; and
    put back the logging the demo configures for its process."""
    monkeypatch.delenv("STEADY_ENCRYPTION_KEY", raising=False)
    umask = os.umask(0o022)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        os.umask(umask)
        root.handlers[:], root.level = handlers, level


class Files:
    def __init__(self, tmp_path: Path) -> None:
        self.database = tmp_path / "demo.db"
        self.key = tmp_path / "demo.key"


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return Files(tmp_path)


class Recording(io.StringIO):
    """Scripted input that also notes the file modes at the moment the demo reads a line:
    the database is open then, with its -wal and -shm files beside it."""

    def __init__(self, lines: list[str], watch: Path) -> None:
        super().__init__("".join(f"{line}\n" for line in lines))
        self.watch = watch
        self.modes: dict[str, int] = {}

    def readline(self, size: int | None = -1) -> str:
        for suffix in ("", "-wal", "-shm"):
            path = Path(f"{self.watch}{suffix}")
            if path.exists():
                self.modes[suffix or "db"] = stat.S_IMODE(path.stat().st_mode)
        return super().readline(size)


async def run(files: Files, lines: list[str]) -> tuple[str, Recording]:
    """One demo session typing ``lines``; return what it showed and the input record."""
    stdin, out = Recording(lines, files.database), io.StringIO()
    await run_demo(files.database, files.key, False, stdin=stdin, out=out)
    return out.getvalue(), stdin


def last_message(output: str) -> str:
    """The last thing the bot showed (after the last line the person typed)."""
    return output.rsplit("\n> ", 1)[-1].split("\n", 1)[-1].strip()


def keyboard(message: str) -> list[str]:
    """The button labels of a message as the demo prints them ("  [1] Done")."""
    return [line.split("] ", 1)[1] for line in message.splitlines()
            if line.startswith("  [")]


async def test_the_demo_key_database_and_its_wal_files_are_the_owners_only(
        files: Files) -> None:
    _, stdin = await run(files, ONBOARDING)

    assert stdin.modes["db"] == 0o600
    assert {"-wal", "-shm"} <= stdin.modes.keys()  # the database was open in WAL mode
    assert stdin.modes["-wal"] == stdin.modes["-shm"] == 0o600
    for path in (files.database, files.key):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_an_older_demo_database_readable_by_others_is_tightened(files: Files) -> None:
    await run(files, ONBOARDING)
    files.database.chmod(0o644)

    await run(files, [])

    assert stat.S_IMODE(files.database.stat().st_mode) == 0o600


async def _journal_entries(files: Files) -> list[str]:
    engine = make_engine(f"sqlite+aiosqlite:///{files.database}")
    try:
        cipher = FieldCipher(files.key.read_text().strip())
        async with UnitOfWork(make_session_factory(engine), cipher) as uow:
            rows = await uow.session.scalars(select(JournalEntry).order_by(JournalEntry.id))
            return [cipher.decrypt(row.text_enc) for row in rows]
    finally:
        await engine.dispose()


async def test_a_restart_mid_journal_keeps_the_draft_and_asks_for_more(files: Files) -> None:
    await run(files, [*ONBOARDING, "/journal", "Write an entry",
                      "Had a calm evening and we talked it through"])

    output, _ = await run(files, [])  # the terminal was closed; opened again

    resumed = last_message(output)
    assert "journal entry in progress" in resumed and "[1] Done" in resumed  # still writing
    assert "What would you like to do?" not in output
    await run(files, ["Then I went for a walk", "Done"])
    [entry] = await _journal_entries(files)
    assert "Had a calm evening and we talked it through" in entry
    assert "Then I went for a walk" in entry


async def test_a_restart_mid_press_pause_shows_the_same_step_with_the_answers_kept(
        files: Files) -> None:
    first, _ = await run(files, [*ONBOARDING, "/pause",
                                 "She said I never listen and I raised my voice",
                                 "She always blames me for everything"])
    asked = last_message(first)
    assert "10" in asked  # how strongly do you believe it, 1 to 10

    second, _ = await run(files, [])

    again = last_message(second)
    assert "strong" in again and "strong" in asked  # the same question (worded afresh)
    assert keyboard(again) == keyboard(asked) == [str(n) for n in range(1, 11)]
    assert "What would you like to do?" not in second
    third, _ = await run(files, ["8"])
    assert "She always blames me for everything" in last_message(third)  # the answer kept
    assert "fact" in last_message(third)
