"""The terminal channel behind `steady chat`: the same engine, outbox and scheduler as on
Telegram, with buttons shown numbered and facilitator messages on ``[facilitator]`` lines."""

from __future__ import annotations

import asyncio
import itertools
import sys
from datetime import timedelta
from typing import TextIO

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
                 others: dict[str, tuple[int, int]] | None = None) -> None:
        self.app = app
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
        advance = getattr(self.app.clock, "advance", None)
        if advance is None:
            self.out.write("(this clock cannot be moved)\n")
            return
        advance(timedelta(minutes=minutes))
        self.out.write(f"(the clock moves on {minutes:g} minutes)\n")
        await self.app.planner.plan()
        await self.app.escalate()
        await self.app.sender.dispatch_due()

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
            role, _, rest = typed[1:].partition(" ")
            if typed.startswith(":") and role in self.others and rest.strip():
                await self.say(rest.strip(), role)
                continue
            await self.say(typed)
        await self.app.sender.dispatch_due()

    async def _wait_command(self, typed: str) -> None:
        try:
            minutes = float(typed.split(maxsplit=1)[1])
        except (IndexError, ValueError):
            self.out.write("(usage: :wait MINUTES)\n")
            return
        if minutes <= 0:
            self.out.write("(usage: :wait MINUTES, more than zero)\n")
            return
        await self.wait(minutes)
