"""The terminal channel behind `steady chat`: the same engine, outbox and scheduler as on
Telegram, with buttons shown numbered and facilitator messages on ``[facilitator]`` lines."""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.app import App
from bot.channel import Buttons
from dialogues.events import Inbound, Kind

PREFIX = {"facilitator": "[facilitator] ", "team": "[facilitator] (team chat) "}


class ConsoleChannel:
    """Prints every chat into one terminal and remembers each audience's latest buttons."""

    def __init__(self, out: TextIO, participant_chat_id: int) -> None:
        self.out = out
        self.participant_chat_id = participant_chat_id
        self.keyboards: dict[str, list[tuple[str, str]]] = {}
        self._ids = itertools.count(1)

    @property
    def keyboard(self) -> list[tuple[str, str]]:
        return self.keyboards.get("participant", [])

    async def send(self, chat_id: int, text: str, buttons: Buttons, audience: str) -> int | None:
        prefix = PREFIX.get(audience, "")
        if chat_id == self.participant_chat_id:
            audience = "participant"
        self.out.write("\n" if not prefix else "")
        for line in text.splitlines() or [""]:
            self.out.write(f"{prefix}{line}\n")
        if buttons:
            self.keyboards[audience] = [(b["text"], b["data"]) for row in buttons for b in row]
            for number, (label, _) in enumerate(self.keyboards[audience], start=1):
                self.out.write(f"{prefix}  [{number}] {label}\n")
        self.out.flush()
        return next(self._ids)

    def press(self, typed: str, audience: str = "participant") -> str | None:
        """Return the callback data of the button typed (number or label) for ``audience``."""
        keyboard = self.keyboards.get(audience, [])
        wanted = typed.strip().casefold()
        if wanted.isdigit() and 1 <= int(wanted) <= len(keyboard):
            return keyboard[int(wanted) - 1][1]
        for label, data in keyboard:
            plain = label.casefold().lstrip("🟢🔵🟡🔴 ").strip()
            if wanted in {label.casefold(), plain}:
                return data
        return None


class ConsoleSession:
    """Reads lines as the participant; ``:facilitator ...`` and ``:team ...`` act as staff.

    ``others`` maps "facilitator" and "team" to the (user id, chat id) they act from.
    """

    def __init__(self, app: App, channel: ConsoleChannel, user_id: int,
                 stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
                 others: dict[str, tuple[int, int]] | None = None,
                 commands: Mapping[str, Callable[[str], Awaitable[str]]] | None = None) -> None:
        self.app = app
        # Demo commands such as ":book 2": name -> run(argument) returning a line to show.
        self.commands = dict(commands or {})
        self.channel = channel
        self.user_id = user_id
        self.others = others or {}
        self.stdin = stdin
        self.out = out
        self._update_ids = itertools.count(int(app.clock.now().timestamp() * 1000))

    def inbound(self, typed: str, role: str = "participant") -> Inbound:
        user_id, chat_id = self.others.get(role, (self.user_id, self.user_id))
        data = self.channel.press(typed, role)
        if data is not None:
            kind, payload = Kind.BUTTON, data
        elif typed.startswith("/"):
            kind, payload = Kind.COMMAND, typed
        else:
            kind, payload = Kind.TEXT, typed
        return Inbound(next(self._update_ids), user_id, chat_id, kind, payload,
                       self.app.clock.now(), callback_id="console" if data else None)

    async def say(self, typed: str, role: str = "participant") -> None:
        result = await self.app.engine.handle(self.inbound(typed, role))
        if result.callback_answer:
            self.out.write(f"({result.callback_answer})\n")
        await self.app.sender.dispatch_due()

    async def wait(self, minutes: float) -> None:
        """Move the clock on, an hour at a time, planning and sending at each step, so a
        day's or a week's messages appear in the order and at the times they would."""
        advance = getattr(self.app.clock, "advance", None)
        if advance is None:
            self.out.write("(this clock cannot be moved)\n")
            return
        left = timedelta(minutes=minutes)
        while left > timedelta(0):
            step = min(left, WAIT_STEP)
            advance(step)
            left -= step
            await self.app.planner.plan()
            await self.app.escalate()
            await self.app.sender.dispatch_due()
        local = self.app.clock.now().astimezone(DEMO_ZONE)
        self.out.write(f"(the clock moves on {_span(minutes)}: now {local:%a %d %b %H:%M})\n")

    async def run(self) -> None:
        interactive = self.stdin.isatty()
        while True:
            if interactive:
                self.out.write("> ")
                self.out.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                break
            typed = line.strip()
            if not interactive and typed:
                self.out.write(f"> {typed}\n")
            if not typed:
                continue
            if typed in {":quit", ":q"}:
                break
            if typed.startswith(":wait"):
                await self._wait_command(typed)
                continue
            name, _, argument = typed[1:].partition(" ")
            if typed.startswith(":") and name in self.commands:
                self.out.write(f"({await self.commands[name](argument.strip())})\n")
                continue
            role, _, rest = typed[1:].partition(" ")
            if typed.startswith(":") and role in self.others and rest.strip():
                await self.say(rest.strip(), role)
                continue
            await self.say(typed)
        await self.app.sender.dispatch_due()

    async def _wait_command(self, typed: str) -> None:
        minutes = _minutes(typed.split(maxsplit=1)[1] if " " in typed else "")
        if minutes is None or minutes <= 0:
            self.out.write("(usage: :wait MINUTES, or :wait 2h, or :wait 3d)\n")
            return
        await self.wait(minutes)


WAIT_STEP = timedelta(hours=1)
DEMO_ZONE = ZoneInfo("Europe/London")
_UNITS = {"m": 1.0, "h": 60.0, "d": 24 * 60.0}


def _minutes(text: str) -> float | None:
    """``20`` or ``20m`` minutes, ``2h`` hours, ``3d`` days."""
    text = text.strip().lower()
    unit = _UNITS.get(text[-1:]) if text else None
    try:
        return float(text[:-1] if unit else text) * (unit or 1.0)
    except ValueError:
        return None


def _span(minutes: float) -> str:
    if minutes >= 24 * 60 and minutes % (24 * 60) == 0:
        return f"{minutes / (24 * 60):g} day(s)"
    if minutes >= 60 and minutes % 60 == 0:
        return f"{minutes / 60:g} hour(s)"
    return f"{minutes:g} minutes"
