"""What reaches the functional core: an inbound message, already stripped of Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    BUTTON = "button"
    COMMAND = "command"
    UNSUPPORTED = "unsupported"  # stickers, photos, voice notes, edits


@dataclass(frozen=True)
class Inbound:
    """One update from a chat channel, identified by the numeric ids Telegram vouches for."""

    update_id: int
    user_id: int
    chat_id: int
    kind: Kind
    payload: str
    at: datetime
    callback_id: str | None = None

    @property
    def command(self) -> str:
        """Return the command name without slash or bot suffix ("/start@bot x" -> "start")."""
        if self.kind is not Kind.COMMAND:
            return ""
        head = self.payload.split(maxsplit=1)[0] if self.payload.strip() else ""
        return head.lstrip("/").split("@", 1)[0].lower()

    @property
    def argument(self) -> str:
        """Return what follows the command, e.g. the invite code after /start."""
        parts = self.payload.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""
