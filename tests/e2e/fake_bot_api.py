"""A fake Telegram Bot API server for end-to-end tests of Steady.

It serves ``/bot<token>/<method>`` over real HTTP (aiohttp on 127.0.0.1, a free port) and
answers with the Bot API's JSON shapes, so the bot's real aiogram adapter can be driven
end to end. The test plays the human: it injects updates (``send_text``, ``press``...), then
observes what the bot did (``messages_to``, ``wait_for_message``, ``calls``...). Failures are
injected with ``fail_next`` and ``block``. Waiting is event driven, never sleep polling.

    async with FakeBotAPI() as api:
        api.add_user(1001, "Alex")
        bot = Bot(api.token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
        api.send_text(1001, "/start")
        reply = await api.wait_for_message(1001)

JSON shapes live in :mod:`tests.e2e.fake_bot_api_shapes`. All data is invented.
"""

from __future__ import annotations

import asyncio
import bisect
import copy
import itertools
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from tests.e2e import fake_bot_api_shapes as shapes
from tests.e2e.fake_bot_api_shapes import JSON, button_data, buttons

__all__ = ["DEFAULT_TOKEN", "ApiError", "FakeBotAPI", "FakeUser", "button_data", "buttons"]

DEFAULT_TOKEN = "424242:STEADY-fake-token-for-tests"

_T = TypeVar("_T")
_Handler = Callable[[JSON], Awaitable[Any]]

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class ApiError(Exception):
    """A Bot API failure: HTTP status plus the body's description (and retry_after for 429)."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(f"{status} {description}")
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def response(self) -> web.Response:
        body = shapes.error_body(self.status, self.description, self.retry_after)
        return web.json_response(body, status=self.status)


@dataclass
class FakeUser:
    """A simulated human. ``started`` becomes true once they have written to the bot."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "en"
    started: bool = False

    def as_json(self) -> JSON:
        return shapes.human_user(self.id, self.first_name, self.username, self.language_code)


@dataclass
class _Queued:
    update: JSON
    pinned: bool = False  # redelivered: survives one confirmation by offset

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


def _now() -> int:
    return int(time.time())


async def _read_params(request: web.Request) -> JSON:
    raw: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except json.JSONDecodeError:
                raise ApiError(400, "Bad Request: can't parse JSON body") from None
            raw.update(body if isinstance(body, dict) else {})
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    raw[key] = f"<file {value.filename}>"
                else:
                    raw[key] = value.decode() if isinstance(value, bytes | bytearray) else value
    try:
        return shapes.decode_params(raw)
    except ValueError as error:
        raise ApiError(400, str(error)) from None


class FakeBotAPI:
    """In-process fake of the Telegram Bot API, plus the test-side controls for it."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        prefix = token.partition(":")[0]
        self.bot_user: JSON = shapes.bot_user(int(prefix) if prefix.isdigit() else 1)
        # Observations.
        self.calls: list[tuple[str, JSON]] = []
        self.failed_calls: list[tuple[str, JSON, int, str]] = []
        self.callback_answers: dict[str, JSON] = {}
        self.commands: list[JSON] = []
        self.discarded_updates: list[JSON] = []  # not in the bot's allowed_updates
        # World state.
        self._users: dict[int, FakeUser] = {}
        self._groups: dict[int, str] = {}
        self._blocked: set[int] = set()
        self._failures: defaultdict[str, deque[ApiError]] = defaultdict(deque)
        self._queue: list[_Queued] = []  # sorted by update_id
        self._allowed_updates: set[str] | None = None
        self._update_ids = itertools.count(700_000_001)
        self._callback_ids = itertools.count(4_200_000_000_000_000_001)
        self._file_numbers = itertools.count(1)
        self._open_callbacks: dict[str, float] = {}  # query id -> when it was pressed
        # The fake's own clock (monotonic seconds); tests may replace it to age callbacks
        # or move flood-control windows without sleeping.
        self.clock: Callable[[], float] = time.monotonic
        # Flood control like Telegram's (opt in: enforce_flood_control()).
        self._flood_control = False
        self._sends: deque[tuple[float, int]] = deque()  # (when, chat_id) of recent sends
        self.flood_429s = 0
        self.send_times: list[tuple[float, int]] = []  # (fake clock, chat) of each message sent
        # hold_sends(): sendMessage requests wait here, in flight, until release_sends().
        self._send_gate: asyncio.Event | None = None
        self.sends_in_flight = 0
        self._last_message_id: defaultdict[int, int] = defaultdict(int)
        self._chat_log: defaultdict[int, list[JSON]] = defaultdict(list)  # bot messages, in order
        self._bot_messages: dict[tuple[int, int], JSON] = {}
        self._user_messages: dict[tuple[int, int], JSON] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._cursors: defaultdict[int, int] = defaultdict(int)
        # Plumbing.
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._parked_polls = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._methods: dict[str, tuple[str, _Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "sendChatAction": self._send_chat_action,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
            }.items()
        }

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI already started")
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Release parked long polls (they answer ``[]``) and shut the server down."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeBotAPI not started")
        return f"http://127.0.0.1:{self._port}"

    # ------------------------------------------------------------ world set-up

    def add_user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        *,
        language_code: str | None = "en",
        started: bool = False,
    ) -> FakeUser:
        """Register a human. The bot can only message them once they have written to it
        (any injected update from them in private counts) or if ``started`` is true."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = FakeUser(user_id, first_name, username, language_code, started)
        self._users[user_id] = user
        return user

    def add_group(self, chat_id: int, title: str) -> JSON:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        self._groups[chat_id] = title
        return shapes.group_chat(chat_id, title)

    def fail_next(
        self, method: str, status: int, description: str, retry_after: int | None = None
    ) -> None:
        """Make the next call to ``method`` fail (calls queue up, one failure each)."""
        if method.lower() not in self._methods:
            raise ValueError(f"unknown Bot API method {method!r}")
        self._failures[method.lower()].append(ApiError(status, description, retry_after))

    def enforce_flood_control(self, enabled: bool = True) -> None:
        """Answer 429 with ``retry_after`` above Telegram's limits: about 1 message a second
        to one private chat, 20 a minute to one group, 30 a second overall."""
        self._flood_control = enabled

    def hold_sends(self) -> None:
        """Keep every sendMessage request in flight (unanswered) until release_sends(), so a
        test can kill the bot while a message is being sent."""
        self._send_gate = asyncio.Event()

    def release_sends(self) -> None:
        if self._send_gate is not None:
            self._send_gate.set()
        self._send_gate = None

    def block(self, chat_id: int) -> None:
        """Every send or edit to ``chat_id`` now fails 403 (user blocked / bot kicked)."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    # ------------------------------------------------------- the simulated human

    def send_text(self, user_id: int, text: str, *, chat_id: int | None = None) -> JSON:
        """A ``message`` update; ``/commands`` carry a ``bot_command`` entity."""
        return self._user_message(user_id, chat_id, shapes.text_content(text))

    def send_sticker(self, user_id: int, *, chat_id: int | None = None) -> JSON:
        return self._user_message(user_id, chat_id, {"sticker": shapes.sticker(self._file_no())})

    def send_photo(self, user_id: int, *, chat_id: int | None = None) -> JSON:
        return self._user_message(user_id, chat_id, {"photo": shapes.photo(self._file_no())})

    def send_voice(self, user_id: int, *, chat_id: int | None = None) -> JSON:
        return self._user_message(user_id, chat_id, {"voice": shapes.voice(self._file_no())})

    def edit_text(
        self, user_id: int, message_id: int, new_text: str, *, chat_id: int | None = None
    ) -> JSON:
        """An ``edited_message`` update for a text the user sent earlier."""
        key = (user_id if chat_id is None else chat_id, message_id)
        msg = self._user_messages.get(key)
        if msg is None or msg["from"]["id"] != user_id or "text" not in msg:
            raise ValueError(f"user {user_id} sent no text message {message_id} there")
        msg.pop("entities", None)
        msg.update(shapes.text_content(new_text), edit_date=_now())
        return self._enqueue("edited_message", msg)

    def press(self, user_id: int, message: JSON, data: str, *, strict: bool = True) -> JSON:
        """A ``callback_query`` update: ``user_id`` presses a button on the bot's ``message``.

        The current version of the message (edits applied) is attached. With ``strict`` the
        message must still exist and carry a button with this ``data``; pass
        ``strict=False`` to simulate a stale client pressing an outdated button.
        """
        user = self._user(user_id)
        key = (int(message["chat"]["id"]), int(message["message_id"]))
        current = None if key in self._deleted else self._bot_messages.get(key)
        if strict and current is None:
            raise ValueError(f"bot message {key} does not exist (or was deleted)")
        if strict and current is not None and data not in [d for _, d in buttons(current)]:
            raise ValueError(f"no button with data {data!r} on {shapes.describe(current)}")
        query_id = str(next(self._callback_ids))
        self._open_callbacks[query_id] = self.clock()
        attached = current if current is not None else message
        return self._enqueue(
            "callback_query", shapes.callback_query(query_id, user.as_json(), attached, data)
        )

    def redeliver(self, update: JSON) -> None:
        """Queue an already delivered update again, same update_id (at-least-once delivery).

        It is delivered once more even if the bot already confirmed it by offset. As with
        Telegram, a redelivered callback query that was already answered cannot be answered
        again ("query is too old").
        """
        for entry in self._queue:
            if entry.update_id == update["update_id"]:
                entry.pinned = True
                break
        else:
            entry = _Queued(copy.deepcopy(update), pinned=True)
            bisect.insort(self._queue, entry, key=lambda e: e.update_id)
        self._notify()

    # --------------------------------------------------------------- observing

    def messages_to(self, chat_id: int) -> list[JSON]:
        """What the bot sent to ``chat_id``, in order, edits applied, deletions removed."""
        return [copy.deepcopy(m) for m in self._chat_log[chat_id] if not self._is_deleted(m)]

    def calls_to(self, method: str) -> list[JSON]:
        return [params for name, params in self.calls if name.lower() == method.lower()]

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet confirmed by the bot."""
        return [copy.deepcopy(entry.update) for entry in self._queue]

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[JSON], bool] | None = None,
        timeout: float = 5.0,
    ) -> JSON:
        """The first bot message to ``chat_id`` after this chat's cursor matching ``predicate``.

        The cursor then moves past it, so each wait returns a later message; messages the
        cursor passes over without matching are not offered again.
        """

        def find() -> JSON | None:
            log = self._chat_log[chat_id]
            for index in range(self._cursors[chat_id], len(log)):
                msg = copy.deepcopy(log[index])
                if not self._is_deleted(msg) and (predicate is None or predicate(msg)):
                    self._cursors[chat_id] = index + 1
                    return msg
            return None

        found = await self._wait(find, timeout)
        if found is None:
            raise AssertionError(self._explain_no_message(chat_id, predicate, timeout))
        return found

    async def wait_for_callback_answer(self, callback_id: str, timeout: float = 5.0) -> JSON:
        found = await self._wait(lambda: self.callback_answers.get(callback_id), timeout)
        if found is None:
            raise AssertionError(
                f"callback query {callback_id} not answered within {timeout}s; "
                f"answered: {sorted(self.callback_answers)}; failed calls: {self.failed_calls}"
            )
        return found

    async def wait_for_long_poll(self, timeout: float = 5.0) -> None:
        """Wait until a getUpdates request is parked on the server, waiting for updates."""
        await self.wait_until(lambda: self._parked_polls > 0, timeout, "a parked getUpdates")

    async def wait_until(
        self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition"
    ) -> None:
        """Wait, re-checking whenever the fake's state changes, until ``condition()``."""
        if await self._wait(lambda: True if condition() else None, timeout) is None:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")

    # ------------------------------------------------------------ HTTP plumbing

    async def _not_found(self, request: web.Request) -> web.Response:
        return ApiError(404, "Not Found").response()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            return ApiError(404, "Not Found").response()
        name, handler = entry
        params: JSON = {}
        try:
            params = await _read_params(request)
            self.calls.append((name, params))
            self._notify()
            if failures := self._failures[name.lower()]:
                raise failures.popleft()
            result = await handler(params)
        except ApiError as error:
            self.failed_calls.append((name, params, error.status, error.description))
            self._notify()
            return error.response()
        return web.json_response({"ok": True, "result": result})

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait(self, find: Callable[[], _T | None], timeout: float | None) -> _T | None:
        try:
            async with asyncio.timeout(timeout):
                while (found := find()) is None:
                    await self._changed.wait()
                return found
        except TimeoutError:
            return None

    # ------------------------------------------------------------- state helpers

    def _user(self, user_id: int) -> FakeUser:
        if user_id not in self._users:
            raise ValueError(f"unknown user {user_id}; call add_user first")
        return self._users[user_id]

    def _file_no(self) -> int:
        return next(self._file_numbers)

    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] += 1
        return self._last_message_id[chat_id]

    def _is_deleted(self, msg: JSON) -> bool:
        return (msg["chat"]["id"], msg["message_id"]) in self._deleted

    def _user_message(self, user_id: int, chat_id: int | None, content: JSON) -> JSON:
        user = self._user(user_id)
        if chat_id is None or chat_id == user_id:
            chat = shapes.private_chat(user.as_json())
        elif chat_id in self._groups:
            chat = shapes.group_chat(chat_id, self._groups[chat_id])
        else:
            raise ValueError(f"unknown group {chat_id}; call add_group first")
        msg_id = self._next_message_id(chat["id"])
        msg = shapes.message(msg_id, user.as_json(), chat, _now(), **content)
        self._user_messages[(chat["id"], msg_id)] = msg
        return self._enqueue("message", msg)

    def _enqueue(self, kind: str, payload: JSON) -> JSON:
        if payload["from"]["id"] in self._users and _chat_of(payload)["type"] == "private":
            self._users[payload["from"]["id"]].started = True
        update = {"update_id": next(self._update_ids), kind: copy.deepcopy(payload)}
        self._queue.append(_Queued(update))
        self._notify()
        return copy.deepcopy(update)

    def _explain_no_message(
        self, chat_id: int, predicate: Callable[[JSON], bool] | None, timeout: float
    ) -> str:
        wanted = "any" if predicate is None else f"matching {getattr(predicate, '__name__', '?')}"
        lines = [f"no new bot message ({wanted}) to chat {chat_id} within {timeout}s."]
        log = self._chat_log[chat_id]
        lines.append(f"Bot messages there ({len(log)}; cursor at {self._cursors[chat_id]}):")
        for index, msg in enumerate(log):
            mark = ">>" if index == self._cursors[chat_id] else "  "
            gone = " (deleted)" if self._is_deleted(msg) else ""
            lines.append(f"{mark} [{index}] {shapes.describe(msg)}{gone}")
        lines.append(f"Failed bot calls: {self.failed_calls or 'none'}")
        return "\n".join(lines)

    def _resolve_chat(self, params: JSON, *, check_block: bool = True) -> JSON:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if check_block and chat_id in self._blocked:
            raise ApiError(403, shapes.KICKED if chat_id < 0 else shapes.BLOCKED)
        if chat_id in self._groups:
            return shapes.group_chat(chat_id, self._groups[chat_id])
        user = self._users.get(chat_id)
        if user is None:
            raise ApiError(400, "Bad Request: chat not found")
        if not user.started:
            # A real account that never opened the bot: Telegram says 403, not 400.
            raise ApiError(403, shapes.CANT_INITIATE)
        return shapes.private_chat(user.as_json())

    def _editable(self, params: JSON) -> JSON:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: inline messages are not supported by the fake")
        key = (self._resolve_chat(params)["id"], _message_id(params))
        if key in self._user_messages and key not in self._deleted:
            raise ApiError(400, "Bad Request: message can't be edited")
        msg = self._bot_messages.get(key)
        if msg is None or key in self._deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        return msg

    @staticmethod
    def _checked_text(params: JSON) -> str:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > shapes.MAX_MESSAGE_LENGTH:  # UTF-16 units
            raise ApiError(400, "Bad Request: message is too long")
        return text

    @staticmethod
    def _checked_markup(params: JSON) -> JSON | None:
        try:
            return shapes.inline_markup(params.get("reply_markup"))
        except ValueError as error:
            raise ApiError(400, str(error)) from None

    def _take(self, limit: int) -> list[JSON]:
        """Up to ``limit`` queued updates (left queued until confirmed by offset)."""
        if self._allowed_updates is not None:
            allowed = self._allowed_updates
            for entry in [e for e in self._queue if _kind(e.update) not in allowed]:
                self._queue.remove(entry)
                self.discarded_updates.append(entry.update)
        batch = self._queue[:limit]
        for entry in batch:
            entry.pinned = False
        return [copy.deepcopy(entry.update) for entry in batch]

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            del self._queue[: max(len(self._queue) + offset, 0)]
        elif offset > 0:
            self._queue = [e for e in self._queue if e.update_id >= offset or e.pinned]

    # ------------------------------------------------------------- Bot API methods

    async def _get_me(self, params: JSON) -> JSON:
        return copy.deepcopy(self.bot_user)

    async def _get_updates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset", 0))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        timeout = max(int(params.get("timeout", 0)), 0)
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self._allowed_updates = set(allowed) if allowed else None
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older parked poll now ends with 409 Conflict
        self._confirm(offset)

        def ready() -> list[JSON] | None:
            if self._closing:
                return []
            if generation != self._poll_generation:
                raise ApiError(409, _CONFLICT)
            return self._take(limit) or None

        batch = ready()
        if batch is not None or timeout == 0:
            return batch or []
        self._parked_polls += 1
        self._notify()
        try:
            return await self._wait(ready, timeout) or []
        finally:
            self._parked_polls -= 1

    async def _delete_webhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    async def _get_webhook_info(self, params: JSON) -> JSON:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }

    def _check_flood(self, chat_id: int) -> None:
        if not self._flood_control:
            return
        now = self.clock()
        while self._sends and now - self._sends[0][0] >= 60:
            self._sends.popleft()
        last_second = [c for when, c in self._sends if now - when < 1]
        retry_after = None
        if chat_id < 0 and sum(1 for _, c in self._sends if c == chat_id) \
                >= shapes.FLOOD_PER_GROUP_PER_MINUTE:
            oldest = next(when for when, c in self._sends if c == chat_id)
            retry_after = max(1, int(60 - (now - oldest)) + 1)
        else:
            chat_busy = chat_id > 0 and last_second.count(chat_id) >= \
                shapes.FLOOD_PER_CHAT_PER_SECOND
            if chat_busy or len(last_second) >= shapes.FLOOD_OVERALL_PER_SECOND:
                retry_after = 1
        if retry_after is not None:
            self.flood_429s += 1
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        self._sends.append((now, chat_id))

    async def _send_message(self, params: JSON) -> JSON:
        chat = self._resolve_chat(params)
        text = self._checked_text(params)
        markup = self._checked_markup(params)
        self._check_flood(chat["id"])
        if self._send_gate is not None:
            gate = self._send_gate
            self.sends_in_flight += 1
            self._notify()
            try:
                await gate.wait()
            finally:
                self.sends_in_flight -= 1
        msg_id = self._next_message_id(chat["id"])
        msg = shapes.message(msg_id, shapes.sender(self.bot_user), chat, _now(), text=text)
        if markup is not None:
            msg["reply_markup"] = markup
        self._bot_messages[(chat["id"], msg_id)] = msg
        self._chat_log[chat["id"]].append(msg)
        self.send_times.append((self.clock(), chat["id"]))
        self._notify()
        return copy.deepcopy(msg)

    async def _edit_message_text(self, params: JSON) -> JSON:
        msg = self._editable(params)
        text = self._checked_text(params)
        markup = self._checked_markup(params)  # omitted markup removes the keyboard
        if text == msg.get("text") and markup == msg.get("reply_markup"):
            raise ApiError(400, shapes.NOT_MODIFIED)
        msg.update(text=text, edit_date=_now())
        _set_markup(msg, markup)
        self._notify()
        return copy.deepcopy(msg)

    async def _edit_message_reply_markup(self, params: JSON) -> JSON:
        msg = self._editable(params)
        markup = self._checked_markup(params)
        if markup == msg.get("reply_markup"):
            raise ApiError(400, shapes.NOT_MODIFIED)
        _set_markup(msg, markup)
        self._notify()
        return copy.deepcopy(msg)

    async def _delete_message(self, params: JSON) -> bool:
        key = (self._resolve_chat(params, check_block=False)["id"], _message_id(params))
        exists = key in self._bot_messages or key in self._user_messages
        if not exists or key in self._deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._deleted.add(key)
        self._notify()
        return True

    async def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        pressed = self._open_callbacks.pop(query_id, None)
        if pressed is None or self.clock() - pressed > shapes.CALLBACK_QUERY_LIFETIME_SECONDS:
            raise ApiError(400, shapes.QUERY_TOO_OLD)
        self.callback_answers[query_id] = params
        self._notify()
        return True

    async def _send_chat_action(self, params: JSON) -> bool:
        self._resolve_chat(params)
        if not params.get("action"):
            raise ApiError(400, "Bad Request: action is empty")
        return True

    async def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands = list(commands)
        return True

    async def _get_my_commands(self, params: JSON) -> list[JSON]:
        return copy.deepcopy(self.commands)

    async def _delete_my_commands(self, params: JSON) -> bool:
        self.commands = []
        return True


def _message_id(params: JSON) -> int:
    message_id = params.get("message_id")
    if not isinstance(message_id, int):
        raise ApiError(400, "Bad Request: message identifier is not specified")
    return message_id


def _kind(update: JSON) -> str:
    return next(key for key in update if key != "update_id")


def _chat_of(payload: JSON) -> JSON:
    return dict(payload["chat"] if "chat" in payload else payload["message"]["chat"])


def _set_markup(msg: JSON, markup: JSON | None) -> None:
    if markup is None:
        msg.pop("reply_markup", None)
    else:
        msg["reply_markup"] = markup
