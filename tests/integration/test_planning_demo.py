"""`make chat` shows the waiting list and an appointment's reminders with :wait and :book."""

from __future__ import annotations

import io
from pathlib import Path

from bot.demo import run_demo

ONBOARDING = ["1", "1", "1", "Alex", "5"]  # no daily check-in, so only the planner's messages


async def test_the_demo_shows_the_welcome_pack_and_an_appointments_reminders(
        tmp_path: Path) -> None:
    stdin = io.StringIO("".join(f"{line}\n" for line in [
        *ONBOARDING, ":wait 1d", ":book 3", ":wait 2d", ":wait 1d", ":wait 3d"]))
    out = io.StringIO()

    await run_demo(tmp_path / "demo.db", tmp_path / "demo.key", True, stdin=stdin, out=out)

    shown = out.getvalue()
    assert "Thanks for joining this chat." in shown
    assert "What the weeks ahead look like." in shown  # day 3 of the welcome pack
    assert "the facilitator booked a session on" in shown
    tomorrow = shown.index("A reminder: you have an appointment tomorrow at 14:00.")
    today = shown.index("A reminder: your appointment is today at 14:00.")
    assert tomorrow < today
    assert shown.count("I'll be there") == 2
    assert "(the clock moves on 3 day(s)" in shown
