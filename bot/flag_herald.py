"""The participant's reply to a flagged message, written in step with the flag desk: it
says the facilitator was told only if an alert row was written in the same transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Announce = Callable[[bool], Awaitable[None]]


@dataclass
class Herald:
    """Writes the participant's reply exactly once, just before the first alert row of this
    raise (``told=True``) or, when no alert row was written, at the end (``told=False``)."""

    announce: Announce | None = None
    done: bool = False
    alerted: bool = False

    async def before_alert(self) -> None:
        self.alerted = True
        await self._once(True)

    async def finish(self) -> None:
        await self._once(False)

    async def _once(self, told: bool) -> None:
        if not self.done:
            self.done = True
            if self.announce is not None:
                await self.announce(told)
