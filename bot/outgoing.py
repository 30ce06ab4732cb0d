"""Render Reply-like effects into encrypted outbox rows (one per Telegram message)."""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from datetime import datetime
from typing import Any

from bot.text_split import split_text
from content.phrasebook import Phrasebook
from dialogues.effects import Keyboard, Say
from storage.outbox import PRIORITY_REPLY
from storage.uow import UnitOfWork


class OutgoingWriter:
    def __init__(self, phrasebook: Phrasebook) -> None:
        self.phrasebook = phrasebook

    def render(self, text: Say, memory: MutableMapping[str, int] | None,
               modes: Sequence[str] = ()) -> str:
        params = {name: self.render(value, None, modes) if isinstance(value, Say) else value
                  for name, value in text.params.items()}
        return self.phrasebook.render(text.key, params, memory, modes)

    def keyboard(self, buttons: Keyboard, modes: Sequence[str] = ()) -> list[list[dict[str, str]]]:
        return [
            [{"text": b.label if isinstance(b.label, str) else self.render(b.label, None, modes),
              "data": b.data} for b in row]
            for row in buttons
        ]

    async def write(self, uow: UnitOfWork, *, chat_id: int, audience: str, text: str,
                    buttons: list[list[dict[str, str]]], now: datetime,
                    not_before: datetime | None = None, key: str | None = None,
                    flag_id: int | None = None, priority: int = PRIORITY_REPLY) -> bool:
        """Queue ``text`` (split if too long; buttons go on the last piece)."""
        pieces = split_text(text) or [""]
        queued = False
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            payload: dict[str, Any] = {"text": piece, "buttons": buttons if last else []}
            piece_key = key if key is None or index == 0 else f"{key}:{index}"
            queued |= await uow.outbox.enqueue(
                chat_id=chat_id, audience=audience, payload=uow.cipher.encrypt_json(payload),
                now=now, not_before=not_before, key=piece_key, flag_id=flag_id,
                priority=priority)
        return queued
