"""A participant's previous message as context, and screening off the event loop.

Risk can be split over two messages ("she's going to regret it" / "when I get in
tonight"). ``ContextScreener`` keeps each person's last message for a few minutes, in
memory only (never stored, never logged), and screens a new message alone and, if that
is clear, joined to the last one - when that one was clear too: otherwise its flag has
already been raised and joining would only raise it twice.

``screen`` runs the CPU-bound screening in a worker thread, so one long message does not
stop the event loop serving anyone else while it is screened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from dialogues.screening import Screening

CONTEXT_WINDOW = timedelta(minutes=5)
_PRUNE_EVERY = 256  # messages between sweeps of last messages older than the window


def _with_previous(screening: Screening) -> Screening:
    """Evidence that needed the previous message says so, for the facilitator."""
    evidence = tuple(replace(e, matched=f"{e.matched} (with the message before)")
                     for e in screening.evidence)
    return replace(screening, evidence=evidence)


class ContextScreener:
    """Screens a person's message alone and with their previous one, in a worker thread."""

    def __init__(self, screener: Callable[[str], Screening], *,
                 window: timedelta = CONTEXT_WINDOW) -> None:
        self.screener = screener
        self.window = window
        # user id -> (when, text, whether it was flagged). Memory only, pruned by time.
        self._recent: dict[int, tuple[datetime, str, bool]] = {}
        self._since_prune = 0

    async def screen(self, user_id: int, text: str, now: datetime) -> Screening:
        previous = self._recent.get(user_id)
        earlier = previous[1] if previous is not None and not previous[2] \
            and now - previous[0] <= self.window else None
        result = await asyncio.to_thread(self._screen, text, earlier)
        self._remember(user_id, text, result.flagged, now)
        return result

    def _screen(self, text: str, earlier: str | None) -> Screening:
        alone = self.screener(text)
        if alone.flagged or earlier is None:
            return alone
        joined = self.screener(f"{earlier}\n{text}")
        return _with_previous(joined) if joined.flagged else alone

    def _remember(self, user_id: int, text: str, flagged: bool, now: datetime) -> None:
        self._recent[user_id] = (now, text, flagged)
        self._since_prune += 1
        if self._since_prune >= _PRUNE_EVERY:
            self._since_prune = 0
            cutoff = now - self.window
            self._recent = {k: v for k, v in self._recent.items() if v[0] >= cutoff}

    def forget(self, user_id: int) -> None:
        self._recent.pop(user_id, None)
