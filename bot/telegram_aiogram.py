"""The aiogram 3 adapter: thin handlers that turn updates into Inbounds, and a Channel.

Handlers never decide anything: they call the engine and return. Identity always comes from
``from_user.id`` of the update, never from callback data.

A pressed button is spent (the flow has moved on, or it was stale already), so after the
press is handled its keyboard is taken off that message, best effort: buttons left on screen
would only answer "That button has expired". Flag buttons stay: after Acknowledge the
facilitator may still Close with note, and the team chat shares them.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)

from bot.channel import Buttons, Rejected, RetryLater, Transient, Unreachable
from bot.engine import Engine
from bot.flags import FLAG_BUTTON
from dialogues.events import Inbound, Kind

log = logging.getLogger(__name__)
PRIVATE = F.chat.type == "private"
NO_BUTTONS = InlineKeyboardMarkup(inline_keyboard=[])


def make_bot(token: str, api_base: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base.rstrip("/")))
    return Bot(token, session=session)


def make_dispatcher(engine: Engine) -> Dispatcher:
    dispatcher = Dispatcher()
    dispatcher["engine"] = engine
    dispatcher.include_router(make_router())
    return dispatcher


def make_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="steady")
    router.message.register(on_text, PRIVATE, F.text)
    router.message.register(on_other_content, PRIVATE)
    router.edited_message.register(on_edit, PRIVATE)
    router.callback_query.register(on_button)
    return router


def _inbound(update: Update, user_id: int, chat_id: int, kind: Kind, payload: str,
             when: datetime | None, callback_id: str | None = None) -> Inbound:
    at = when.astimezone(UTC) if when else datetime.now(UTC)
    return Inbound(update.update_id, user_id, chat_id, kind, payload, at, callback_id)


async def on_text(message: Message, event_update: Update, engine: Engine) -> None:
    if message.from_user is None or message.text is None:
        return
    kind = Kind.COMMAND if message.text.startswith("/") else Kind.TEXT
    await engine.handle(_inbound(event_update, message.from_user.id, message.chat.id, kind,
                                 message.text, message.date))


async def on_other_content(message: Message, event_update: Update, engine: Engine) -> None:
    if message.from_user is None:
        return
    await engine.handle(_inbound(event_update, message.from_user.id, message.chat.id,
                                 Kind.UNSUPPORTED, "", message.date))


async def on_edit(message: Message, event_update: Update, engine: Engine) -> None:
    # An edit is screened like a new message but never taken as an answer (engine decides).
    if message.from_user is None or message.text is None:
        return
    await engine.handle(_inbound(event_update, message.from_user.id, message.chat.id,
                                 Kind.TEXT, message.text, message.date), edited=True)


async def on_button(query: CallbackQuery, event_update: Update, engine: Engine,
                    bot: Bot | None = None) -> None:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    flag_button = (query.data or "").startswith(f"{FLAG_BUTTON}:")
    in_group = query.message is not None and query.message.chat.type != "private"
    if in_group and not flag_button:
        return  # only flag buttons work in a group (the flag desk checks it is the team chat)
    result = await engine.handle(_inbound(event_update, query.from_user.id, chat_id,
                                          Kind.BUTTON, query.data or "", None, query.id))
    # A redelivered press may already have been answered; that is not worth a retry.
    with contextlib.suppress(TelegramBadRequest):
        await query.answer(result.callback_answer)
    if bot is not None and not flag_button:  # aiogram passes the bot to every handler
        await _remove_buttons(bot, query)


async def _remove_buttons(bot: Bot, query: CallbackQuery) -> None:
    """Take the keyboard off the pressed message (editMessageReplyMarkup, empty markup).

    Best effort: the press is handled and committed already, so no failure here (a message
    too old to edit, already edited by a redelivered press, the network) may undo or retry it.
    """
    if query.message is None:
        return
    try:
        await bot.edit_message_reply_markup(chat_id=query.message.chat.id,
                                            message_id=query.message.message_id,
                                            reply_markup=NO_BUTTONS)
    except Exception as exc:  # cosmetic: never break handling
        log.info("buttons not removed from a pressed message: %s", type(exc).__name__)


class AiogramChannel:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, text: str, buttons: Buttons, audience: str) -> int | None:
        markup = None
        if buttons:
            markup = InlineKeyboardMarkup(inline_keyboard=[
                [InlineKeyboardButton(text=b["text"], callback_data=b["data"]) for b in row]
                for row in buttons
            ])
        try:
            sent = await self.bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramRetryAfter as exc:
            raise RetryLater(float(exc.retry_after)) from None
        except TelegramForbiddenError:
            raise Unreachable("forbidden") from None
        except (TelegramServerError, TelegramNetworkError) as exc:
            raise Transient(type(exc).__name__) from None
        except TelegramBadRequest:
            raise Rejected("bad request") from None
        except TelegramAPIError as exc:
            raise Transient(type(exc).__name__) from None
        return sent.message_id
