"""Button presses from a group reach the engine only for flag buttons (the flag desk then
checks it is the team chat); anything else pressed in a group is ignored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from aiogram.types import CallbackQuery, Chat, Message, Update
from aiogram.types import User as TgUser

from bot.engine import Engine
from bot.telegram_aiogram import on_button
from dialogues.events import Inbound


class RecordingEngine:
    def __init__(self) -> None:
        self.handled: list[Inbound] = []

    async def handle(self, inbound: Inbound) -> Any:
        self.handled.append(inbound)
        raise LookupError("recorded")  # stop before answering: there is no bot here


def press(chat_type: str, data: str) -> tuple[CallbackQuery, Update]:
    chat = Chat(id=-100123 if chat_type != "private" else 5, type=chat_type)
    message = Message(message_id=1, date=datetime(2026, 1, 1, tzinfo=UTC), chat=chat)
    query = CallbackQuery(id="q1", from_user=TgUser(id=5, is_bot=False, first_name="A"),
                          chat_instance="c", message=message, data=data)
    return query, Update(update_id=1, callback_query=query)


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
async def test_a_flow_button_pressed_in_a_group_is_ignored(chat_type: str) -> None:
    engine = RecordingEngine()
    query, update = press(chat_type, "menu:0:menu")

    await on_button(query, update, cast(Engine, engine))

    assert engine.handled == []


@pytest.mark.parametrize(("chat_type", "data"), [("private", "menu:0:menu"),
                                                  ("supergroup", "f:ack:1")])
async def test_private_presses_and_flag_buttons_in_a_group_reach_the_engine(
        chat_type: str, data: str) -> None:
    engine = RecordingEngine()
    query, update = press(chat_type, data)

    with pytest.raises(LookupError):
        await on_button(query, update, cast(Engine, engine))

    assert [i.payload for i in engine.handled] == [data]
