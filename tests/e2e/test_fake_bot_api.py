"""Tests of the fake Bot API itself, driven through aiogram's real Bot client over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tests.e2e.fake_bot_api import FakeBotAPI, button_data, buttons

ALEX = 1001  # invented test user
GROUP = -100_555


def make_bot(api: FakeBotAPI, token: str | None = None) -> Bot:
    server = TelegramAPIServer.from_base(api.base_url)
    return Bot(token or api.token, session=AiohttpSession(api=server))


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in pairs]
    )


async def raw_call(
    api: FakeBotAPI, method: str, token: str | None = None, **fields: str
) -> tuple[int, Any]:
    """A plain urlencoded POST, to check the exact JSON the fake answers with."""
    url = f"{api.base_url}/bot{token or api.token}/{method}"
    async with aiohttp.ClientSession() as http, http.post(url, data=fields) as resp:
        return resp.status, await resp.json()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        fake.add_user(ALEX, "Alex", "alex_test")
        yield fake


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    client = make_bot(api)
    yield client
    await client.session.close()


async def started(api: FakeBotAPI, bot: Bot) -> None:
    """Alex writes /start, and the bot confirms that update."""
    update = api.send_text(ALEX, "/start")
    await bot.get_updates(offset=update["update_id"] + 1)


# ---------------------------------------------------------------- getMe and routing


async def test_get_me(api: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.first_name, me.username) == (
        424242,
        True,
        "Steady",
        "steady_test_bot",
    )
    status, body = await raw_call(api, "getMe")
    assert status == 200 and body["ok"] is True
    assert {
        "id": 424242,
        "is_bot": True,
        "first_name": "Steady",
        "username": "steady_test_bot",
        "can_join_groups": False,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }.items() <= body["result"].items()


async def test_wrong_token_and_unknown_method(api: FakeBotAPI) -> None:
    intruder = make_bot(api, token="999:not-the-token")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await intruder.get_me()
    finally:
        await intruder.session.close()
    assert await raw_call(api, "getMe", token="999:nope") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert await raw_call(api, "launchRocket") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )


# ------------------------------------------------------------------------ getUpdates


async def test_long_poll_wakes_when_an_update_is_injected(api: FakeBotAPI, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_for_long_poll()
    injected = api.send_text(ALEX, "hello")
    async with asyncio.timeout(5):  # far below the 30 s long-poll timeout
        updates = await poll
    assert [u.update_id for u in updates] == [injected["update_id"]]
    message = updates[0].message
    assert message is not None and message.text == "hello"
    assert message.chat.type == "private" and message.from_user is not None
    assert message.from_user.id == ALEX and isinstance(injected["message"]["date"], int)


async def test_long_poll_returns_empty_after_its_timeout(bot: Bot) -> None:
    assert await bot.get_updates(timeout=1) == []


async def test_offset_confirms_and_limit_caps(api: FakeBotAPI, bot: Bot) -> None:
    ids = [api.send_text(ALEX, f"note {n}")["update_id"] for n in range(3)]
    assert ids == sorted(ids)
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates()] == ids  # nothing confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert await bot.get_updates(offset=ids[2] + 1) == []
    assert api.pending_updates == []


async def test_redelivered_update_comes_back_with_the_same_id(api: FakeBotAPI, bot: Bot) -> None:
    first = api.send_text(ALEX, "/start")
    await bot.get_updates(offset=first["update_id"] + 1)  # confirmed
    api.redeliver(first)
    again = await bot.get_updates(offset=first["update_id"] + 1)
    assert [u.update_id for u in again] == [first["update_id"]]
    assert await bot.get_updates(offset=first["update_id"] + 1) == []


async def test_a_second_poller_terminates_the_first(api: FakeBotAPI, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_for_long_poll()
    second = asyncio.create_task(bot.get_updates(timeout=30))
    with pytest.raises(TelegramConflictError):
        await first
    await api.wait_for_long_poll()
    api.send_text(ALEX, "hi")
    async with asyncio.timeout(5):
        assert len(await second) == 1


async def test_allowed_updates_filters_update_types(api: FakeBotAPI, bot: Bot) -> None:
    api.send_text(ALEX, "ignored")
    assert await bot.get_updates(allowed_updates=["callback_query"]) == []
    assert [u["message"]["text"] for u in api.discarded_updates] == ["ignored"]


async def test_injected_update_shapes_parse_as_aiogram_models(api: FakeBotAPI, bot: Bot) -> None:
    command = api.send_text(ALEX, "/start deep-link")
    api.send_sticker(ALEX)
    api.send_photo(ALEX)
    api.send_voice(ALEX)
    api.edit_text(ALEX, command["message"]["message_id"], "/help")
    updates = await bot.get_updates()
    assert [u.event_type for u in updates] == ["message"] * 4 + ["edited_message"]
    text, sticker, photo, voice, edited = (u.event for u in updates)
    assert isinstance(text, Message) and text.entities is not None
    assert (text.entities[0].type, text.entities[0].offset, text.entities[0].length) == (
        "bot_command",
        0,
        6,
    )
    assert isinstance(sticker, Message) and sticker.sticker is not None
    assert isinstance(photo, Message) and photo.photo is not None and photo.photo[-1].width == 800
    assert isinstance(voice, Message) and voice.voice is not None and voice.voice.duration == 3
    assert isinstance(edited, Message) and edited.text == "/help" and edited.edit_date is not None
    assert [m.message_id for m in (text, sticker, photo, voice)] == [1, 2, 3, 4]


async def test_delete_webhook_and_webhook_info(api: FakeBotAPI, bot: Bot) -> None:
    api.send_text(ALEX, "queued")
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == ("", 1)
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert api.pending_updates == []


# ------------------------------------------------------------------------ messages


async def test_send_message_with_inline_keyboard_round_trips(api: FakeBotAPI, bot: Bot) -> None:
    await started(api, bot)
    sent = await bot.send_message(
        ALEX, "Ready?", reply_markup=keyboard(("Yes", "ready:yes"), ("Not yet", "ready:no"))
    )
    assert sent.text == "Ready?" and sent.chat.id == ALEX and sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.id == 424242
    assert sent.message_id == 2  # the /start was message 1 in this chat
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[1][0].callback_data == "ready:no"

    seen = await api.wait_for_message(ALEX)
    assert seen == api.messages_to(ALEX)[0]
    assert buttons(seen) == [("Yes", "ready:yes"), ("Not yet", "ready:no")]
    assert button_data(seen, "Not") == "ready:no"
    assert seen["chat"] == {
        "id": ALEX,
        "first_name": "Alex",
        "username": "alex_test",
        "type": "private",
    }
    assert isinstance(seen["date"], int)
    params = api.calls_to("sendMessage")[0]
    assert params["chat_id"] == ALEX and isinstance(params["reply_markup"], dict)


async def test_raw_form_fields_are_decoded(api: FakeBotAPI, bot: Bot) -> None:
    await started(api, bot)
    status, body = await raw_call(
        api,
        "sendMessage",
        chat_id=str(ALEX),
        text="raw",
        parse_mode="HTML",
        reply_markup='{"inline_keyboard": [[{"text": "Ok", "callback_data": "ok"}]]}',
    )
    assert status == 200
    assert body["result"]["reply_markup"] == {
        "inline_keyboard": [[{"text": "Ok", "callback_data": "ok"}]]
    }
    assert (await raw_call(api, "sendMessage", chat_id=str(ALEX), text="x", reply_markup="{"))[1][
        "description"
    ] == "Bad Request: can't parse reply keyboard markup JSON object"


async def test_send_message_validation(api: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(ALEX, "before Alex ever wrote")
    await started(api, bot)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(2002, "nobody")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(ALEX, "")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(ALEX, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(ALEX, "big", reply_markup=keyboard(("Big", "d" * 65)))
    await bot.send_message(ALEX, "x" * 4096)
    assert [len(m["text"]) for m in api.messages_to(ALEX)] == [4096]
    assert api.failed_calls[-1][2:] == (400, "Bad Request: BUTTON_DATA_INVALID")


async def test_group_chat(api: FakeBotAPI, bot: Bot) -> None:
    api.add_group(GROUP, "Invented circle")
    sent = await bot.send_message(GROUP, "hello group")
    assert (sent.chat.type, sent.chat.title) == ("group", "Invented circle")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-100_999, "unknown group")
    api.block(GROUP)
    with pytest.raises(TelegramForbiddenError, match="kicked"):
        await bot.send_message(GROUP, "again")


async def test_edit_message_text_and_reply_markup(api: FakeBotAPI, bot: Bot) -> None:
    await started(api, bot)
    sent = await bot.send_message(ALEX, "Pick one", reply_markup=keyboard(("A", "pick:a")))
    edited = await bot.edit_message_text("Picked A", chat_id=ALEX, message_id=sent.message_id)
    assert isinstance(edited, Message)
    assert edited.text == "Picked A" and edited.edit_date is not None
    assert edited.reply_markup is None  # omitting reply_markup removes the keyboard
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("Picked A", chat_id=ALEX, message_id=sent.message_id)
    rekeyed = await bot.edit_message_reply_markup(
        chat_id=ALEX, message_id=sent.message_id, reply_markup=keyboard(("Undo", "pick:undo"))
    )
    assert isinstance(rekeyed, Message) and rekeyed.reply_markup is not None
    [current] = api.messages_to(ALEX)
    assert current["text"] == "Picked A" and buttons(current) == [("Undo", "pick:undo")]
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("?", chat_id=ALEX, message_id=999)


async def test_delete_message_chat_action_and_commands(api: FakeBotAPI, bot: Bot) -> None:
    await started(api, bot)
    sent = await bot.send_message(ALEX, "temporary")
    assert await bot.send_chat_action(ALEX, "typing") is True
    assert await bot.delete_message(ALEX, sent.message_id) is True
    assert api.messages_to(ALEX) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ALEX, sent.message_id)
    commands = [BotCommand(command="start", description="Begin")]
    assert await bot.set_my_commands(commands) is True
    assert api.commands == [{"command": "start", "description": "Begin"}]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start!", description="bad")])


# ------------------------------------------------------------------------ callbacks


async def test_press_then_answer_callback_query(api: FakeBotAPI, bot: Bot) -> None:
    await started(api, bot)
    await bot.send_message(ALEX, "Feeling?", reply_markup=keyboard(("Calm", "mood:calm")))
    message = await api.wait_for_message(ALEX)
    injected = api.press(ALEX, message, button_data(message, "Calm"))
    [update] = await bot.get_updates(offset=injected["update_id"])
    query = update.callback_query
    assert query is not None and query.id == injected["callback_query"]["id"]
    assert query.data == "mood:calm" and query.from_user.id == ALEX
    assert isinstance(query.message, Message) and query.message.message_id == message["message_id"]
    assert isinstance(query.chat_instance, str)

    assert await bot.answer_callback_query(query.id, text="Noted", show_alert=True) is True
    answer = await api.wait_for_callback_answer(query.id)
    assert (answer["text"], answer["show_alert"]) == ("Noted", True)
    assert api.callback_answers == {query.id: answer}
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("123")


async def test_press_checks_the_button_exists(api: FakeBotAPI, bot: Bot) -> None:
    await started(api, bot)
    await bot.send_message(ALEX, "Only one", reply_markup=keyboard(("One", "n:1")))
    message = await api.wait_for_message(ALEX)
    with pytest.raises(ValueError, match="no button"):
        api.press(ALEX, message, "n:2")
    stale = api.press(ALEX, message, "n:2", strict=False)
    assert stale["callback_query"]["data"] == "n:2"


# ------------------------------------------------------------------- error injection


async def test_429_raises_retry_after(api: FakeBotAPI, bot: Bot) -> None:
    await started(api, bot)
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(ALEX, "first try")
    assert caught.value.retry_after == 7
    await bot.send_message(ALEX, "second try")  # only the next call fails
    assert [m["text"] for m in api.messages_to(ALEX)] == ["second try"]
    api.fail_next("getMe", 429, "Too Many Requests: retry after 3", retry_after=3)
    assert await raw_call(api, "getMe") == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    )


async def test_blocked_user_raises_forbidden(api: FakeBotAPI, bot: Bot) -> None:
    await started(api, bot)
    api.block(ALEX)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(ALEX, "are you there?")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(ALEX, "typing")
    api.unblock(ALEX)
    await bot.send_message(ALEX, "welcome back")


# ------------------------------------------------------------------------ waiting


async def test_wait_for_message_cursor_and_failure_report(api: FakeBotAPI, bot: Bot) -> None:
    await started(api, bot)
    for text in ("one", "two", "three"):
        await bot.send_message(ALEX, text)
    assert (await api.wait_for_message(ALEX, lambda m: m["text"] == "two"))["text"] == "two"
    assert (await api.wait_for_message(ALEX))["text"] == "three"
    with pytest.raises(AssertionError) as caught:
        await api.wait_for_message(ALEX, timeout=0.05)
    report = str(caught.value)
    assert '"one"' in report and '"three"' in report and "cursor at 3" in report


async def test_dispatcher_polling_end_to_end(api: FakeBotAPI, bot: Bot) -> None:
    router = Router()

    @router.message(CommandStart())
    async def on_start(message: Message) -> None:
        await message.answer("Welcome", reply_markup=keyboard(("Begin", "go")))

    @router.callback_query(F.data == "go")
    async def on_go(query: CallbackQuery) -> None:
        await query.answer("Starting")
        assert isinstance(query.message, Message)
        await query.message.edit_text("Let's begin")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
    try:
        api.send_text(ALEX, "/start")
        welcome = await api.wait_for_message(ALEX, lambda m: m["text"] == "Welcome")
        press = api.press(ALEX, welcome, button_data(welcome, "Begin"))
        answer = await api.wait_for_callback_answer(press["callback_query"]["id"])
        assert answer["text"] == "Starting"
        await api.wait_until(
            lambda: api.messages_to(ALEX)[0]["text"] == "Let's begin", what="the edit"
        )
        assert buttons(api.messages_to(ALEX)[0]) == []
    finally:
        await dispatcher.stop_polling()
        await polling


# ---------------------------------------------------------- as strict as Telegram


async def test_message_length_is_counted_in_utf16_code_units(api: FakeBotAPI, bot: Bot) -> None:
    await started(api, bot)
    # An emoji outside the BMP is one character in Python and two UTF-16 units.
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(ALEX, "\U0001f642" * 2049)
    await bot.send_message(ALEX, "\U0001f642" * 2048)
    assert len(api.messages_to(ALEX)) == 1


async def test_callback_query_expires_after_its_lifetime(api: FakeBotAPI, bot: Bot) -> None:
    await started(api, bot)
    now = [1000.0]
    api.clock = lambda: now[0]
    sent = await bot.send_message(ALEX, "Pick", reply_markup=keyboard(("A", "a"), ("B", "b")))
    message = api.messages_to(ALEX)[-1]
    assert sent.message_id == message["message_id"]
    fresh = api.press(ALEX, message, "a")["callback_query"]["id"]
    stale = api.press(ALEX, message, "b")["callback_query"]["id"]
    now[0] += 5
    assert await bot.answer_callback_query(fresh)
    now[0] += 20
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(stale)


async def test_flood_control_answers_429_per_chat_group_and_overall(
    api: FakeBotAPI, bot: Bot
) -> None:
    now = [500.0]
    api.clock = lambda: now[0]
    api.enforce_flood_control()
    await started(api, bot)
    await bot.send_message(ALEX, "one")
    with pytest.raises(TelegramRetryAfter) as too_fast:
        await bot.send_message(ALEX, "two, in the same second")
    assert too_fast.value.retry_after == 1
    now[0] += 1.0
    await bot.send_message(ALEX, "two, a second later")

    api.add_group(GROUP, "Invented circle")
    for n in range(20):
        await bot.send_message(GROUP, f"group {n}")
        now[0] += 1.01
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(GROUP, "the 21st within a minute")

    now[0] += 120
    for user in range(3001, 3031):
        api.add_user(user, "Invented", started=True)
        await bot.send_message(user, "hello")
    api.add_user(3031, "Invented", started=True)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(3031, "the 31st in one second")
    assert api.flood_429s == 3
