"""What the outbox sender needs from a chat platform, and the errors it understands."""

from __future__ import annotations

from typing import Protocol

Buttons = list[list[dict[str, str]]]  # rows of {"text": label, "data": callback data}


class SendError(Exception):
    """Base for delivery failures; ``str()`` is a short reason, never the message text."""


class RetryLater(SendError):
    """Flood control: try again after ``retry_after`` seconds (Telegram 429)."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class Transient(SendError):
    """A server or network error worth retrying with backoff."""


class Unreachable(SendError):
    """The person blocked the bot or the chat is gone (Telegram 403)."""


class Rejected(SendError):
    """The platform refused this message for good (e.g. 400 Bad Request)."""


class Channel(Protocol):
    async def send(self, chat_id: int, text: str, buttons: Buttons, audience: str) -> int | None:
        """Deliver one message; return the platform's message id if it has one."""
        ...
