"""The `steady` command line, run for real against a temporary SQLite file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner, Result

from bot.cli import app as cli

CODE = re.compile(r"^code: (?P<code>[A-Za-z0-9_-]{16})$", re.MULTILINE)
STEADY = Path(sys.executable).with_name("steady")
# At red: "Carry on with the check-in" (3), "Not now" to own words (2), then a note.
CHAT_INPUT = "1\n1\n1\nAlex\n4\n1\nred\n3\n2\nfelt tense after work\n"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    for name in list(os.environ):
        if name.startswith("STEADY_") and name != "STEADY_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("STEADY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("STEADY_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def _run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, list(args))


def _add_facilitator(runner: CliRunner) -> Result:
    return _run(runner, "facilitator", "add", "--telegram-id", "5001",
                "--name", "Test Facilitator")


def test_db_upgrade_creates_the_database(runner: CliRunner, tmp_path: Path) -> None:
    result = _run(runner, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "database is up to date" in result.stdout
    assert (tmp_path / "cli.db").exists()
    assert _run(runner, "db", "upgrade").exit_code == 0  # safe to run on every start


def test_facilitator_add_then_add_again_fails_clearly(runner: CliRunner) -> None:
    assert _run(runner, "db", "upgrade").exit_code == 0
    first = _add_facilitator(runner)
    assert first.exit_code == 0, first.output
    assert "facilitator 1 added (Telegram id 5001)" in first.stdout

    again = _add_facilitator(runner)
    assert again.exit_code == 1
    assert "error: a facilitator with Telegram id 5001 already exists" in again.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--telegram-id", "0", "--name", "Nobody"], "positive Telegram user id"),
    (["--telegram-id", "5002", "--name", "   "], "--name must not be empty"),
])
def test_facilitator_add_rejects_bad_input(runner: CliRunner, args: list[str],
                                           message: str) -> None:
    result = _run(runner, "facilitator", "add", *args)
    assert result.exit_code == 1
    assert message in result.stderr


def test_invite_prints_a_code_and_a_deep_link(runner: CliRunner,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADY_BOT_USERNAME", "@SteadyTestBot")
    assert _add_facilitator(runner).exit_code == 0

    result = _run(runner, "invite", "--facilitator-telegram-id", "5001", "--alias", "p-001",
                  "--start", "2026-12-01")

    assert result.exit_code == 0, result.output
    match = CODE.search(result.stdout)
    assert match is not None, result.stdout
    assert f"link: https://t.me/SteadyTestBot?start={match['code']}" in result.stdout
    assert "expires: " in result.stdout

    second = _run(runner, "invite", "--facilitator-telegram-id", "5001", "--alias", "p-002")
    other = CODE.search(second.stdout)
    assert other is not None and other["code"] != match["code"]


def test_invite_without_a_bot_username_says_how_to_get_the_real_link(
        runner: CliRunner) -> None:
    assert _add_facilitator(runner).exit_code == 0
    result = _run(runner, "invite", "--facilitator-telegram-id", "5001", "--alias", "p-003")
    assert result.exit_code == 0, result.output
    assert "link: https://t.me/YOUR_BOT?start=" in result.stdout
    assert "STEADY_BOT_USERNAME" in result.stdout


def test_invite_with_a_bad_start_date_fails_clearly(runner: CliRunner) -> None:
    assert _add_facilitator(runner).exit_code == 0
    result = _run(runner, "invite", "--facilitator-telegram-id", "5001", "--alias", "p-001",
                  "--start", "01/12/2026")
    assert result.exit_code != 0
    assert "--start must be a date like 2026-12-01, not '01/12/2026'" in result.stderr
    assert "code:" not in result.stdout


def test_invite_for_an_unknown_facilitator_fails_clearly(runner: CliRunner) -> None:
    assert _add_facilitator(runner).exit_code == 0
    result = _run(runner, "invite", "--facilitator-telegram-id", "4040", "--alias", "p-001")
    assert result.exit_code == 1
    assert "no facilitator with Telegram id 4040" in result.stderr
    assert "steady facilitator add" in result.stderr
    assert "code:" not in result.stdout


def test_content_check_passes_on_the_shipped_content(runner: CliRunner) -> None:
    result = _run(runner, "content", "check")
    assert result.exit_code == 0, result.output
    assert "content is valid" in result.stdout


def test_content_check_fails_on_broken_content(runner: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "content"
    broken.mkdir()
    result = _run(runner, "content", "check", "--path", str(broken))
    assert result.exit_code == 1
    assert result.stderr.strip()


def test_keygen_prints_a_fernet_key(runner: CliRunner) -> None:
    result = _run(runner, "keygen")
    assert result.exit_code == 0
    key = result.stdout.strip()
    token = Fernet(key.encode()).encrypt(b"round trip")
    assert Fernet(key.encode()).decrypt(token) == b"round trip"
    assert _run(runner, "keygen").stdout.strip() != key


# --- the terminal demo, as a real process --------------------------------------------------


def _chat(tmp_path: Path, typed: str,
          database: str = "demo.db") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEADY_")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [str(STEADY), "chat", "--database", str(tmp_path / database),
         "--key-file", str(tmp_path / "demo.key")],
        input=typed, capture_output=True, text=True, encoding="utf-8", env=env,
        cwd=tmp_path, timeout=120, check=False,
    )


def test_chat_runs_onboarding_and_a_checkin_from_piped_input(tmp_path: Path) -> None:
    run = _chat(tmp_path, CHAT_INPUT)

    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "Hello. I'm Steady" in out
    assert "Do you agree to use Steady on these terms?" in out
    assert "Thanks, Alex." in out
    assert "Done. I'll ask how you're doing each day at 21:00." in out
    assert "What would you like to do?" in out
    assert "  [1] Check in" in out
    assert "What colour are you right now?" in out
    assert "take a time out" in out.lower()  # red's next step (its wording rotates daily)
    assert "Anything else for now?" in out
    assert re.search(r"^\[facilitator\] demo-participant has accepted", out, re.MULTILINE)
    order = [out.index(s) for s in ("Hello. I'm Steady", "Thanks, Alex.",
                                    "What colour are you right now?", "Anything else for now?")]
    assert order == sorted(order)
    assert "Traceback" not in run.stderr

    again = _chat(tmp_path, "")  # the same database: Alex is known now
    assert again.returncode == 0, again.stderr
    assert "Resuming where you left off" in again.stdout
    assert "Hello. I'm Steady" not in again.stdout
    assert "  [1] Check in" in again.stdout  # straight to the menu


def test_chat_stopped_mid_onboarding_resumes_at_the_same_step(tmp_path: Path) -> None:
    first = _chat(tmp_path, "1\n", database="resume.db")
    assert first.returncode == 0, first.stderr
    assert "Before we start, here is who sees what." in first.stdout

    second = _chat(tmp_path, "", database="resume.db")

    assert second.returncode == 0, second.stderr
    assert "Resuming where you left off" in second.stdout
    assert "Before we start, here is who sees what." in second.stdout
    assert "Hello. I'm Steady" not in second.stdout
    assert "  [1] Continue" in second.stdout

    third = _chat(tmp_path, "1\n", database="resume.db")  # and the answer continues from there
    assert "Do you agree to use Steady on these terms?" in third.stdout


def test_facilitator_add_without_an_encryption_key_fails_clearly(
        runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEADY_ENCRYPTION_KEY")
    result = _add_facilitator(runner)
    assert result.exit_code == 1
    assert "STEADY_ENCRYPTION_KEY" in result.stderr


def test_facilitator_deactivate_lists_participants_and_stops_new_invites(
        runner: CliRunner) -> None:
    assert _add_facilitator(runner).exit_code == 0
    assert _run(runner, "invite", "--facilitator-telegram-id", "5001",
                "--alias", "p-001").exit_code == 0

    result = _run(runner, "facilitator", "deactivate", "--telegram-id", "5001")

    assert result.exit_code == 0, result.output
    assert "facilitator 1 (Test Facilitator) deactivated" in result.stdout
    assert "unused invites withdrawn: 1" in result.stdout
    assert "participants to reassign: none" in result.stdout
    again = _run(runner, "invite", "--facilitator-telegram-id", "5001", "--alias", "p-002")
    assert again.exit_code == 1
    assert "no facilitator with Telegram id 5001" in again.stderr
    twice = _run(runner, "facilitator", "deactivate", "--telegram-id", "5001")
    assert twice.exit_code == 1
    assert "error: no active facilitator with Telegram id 5001" in twice.stderr


def test_facilitator_deactivate_for_an_unknown_id_fails_clearly(runner: CliRunner) -> None:
    result = _run(runner, "facilitator", "deactivate", "--telegram-id", "4040")
    assert result.exit_code == 1
    assert "error: no active facilitator with Telegram id 4040" in result.stderr
