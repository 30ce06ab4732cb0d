"""JSON shapes of the Telegram Bot API objects produced by the fake server.

Pure functions, no state: each builds a dict shaped like the real Bot API's JSON (field names,
optional fields left out rather than null, dates as integer seconds). The stateful server in
:mod:`tests.e2e.fake_bot_api` decides the ids and timestamps. All data is invented.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

JSON = dict[str, Any]

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BLOCKED = "Forbidden: bot was blocked by the user"
KICKED = "Forbidden: bot was kicked from the group chat"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
CALLBACK_QUERY_LIFETIME_SECONDS = 15  # Telegram stops accepting an answer after ~15 s
FLOOD_PER_CHAT_PER_SECOND = 1
FLOOD_PER_GROUP_PER_MINUTE = 20
FLOOD_OVERALL_PER_SECOND = 30

# Request fields arrive as form strings; these are decoded before a method sees them.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "message_thread_id",
        "reply_to_message_id",
        "user_id",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
    }
)


def error_body(status: int, description: str, retry_after: int | None = None) -> JSON:
    """The body of a failed Bot API call."""
    body: JSON = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


def decode_params(raw: Mapping[str, Any]) -> JSON:
    """Decode request fields as the Bot API does: JSON-typed, integer and boolean fields.

    Raises ``ValueError`` with the Bot API's description for unparseable JSON.
    """
    params: JSON = {}
    for key, value in raw.items():
        if isinstance(value, str) and key in _JSON_FIELDS:
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                what = "reply keyboard markup" if key == "reply_markup" else key
                raise ValueError(f"Bad Request: can't parse {what} JSON object") from None
        elif isinstance(value, str) and key in _INT_FIELDS:
            value = int(value) if re.fullmatch(r"-?\d+", value) else value
        elif isinstance(value, str) and key in _BOOL_FIELDS:
            value = value.lower() in {"true", "1"}
        params[key] = value
    return params


def bot_user(bot_id: int) -> JSON:
    """The bot's own User, as returned by ``getMe``."""
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": "Steady",
        "username": "steady_test_bot",
        "can_join_groups": False,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def sender(user: JSON) -> JSON:
    """A User as it appears in a Message's ``from`` (no getMe-only capability fields)."""
    return {key: user[key] for key in ("id", "is_bot", "first_name", "username") if key in user}


def human_user(
    user_id: int, first_name: str, username: str | None, language_code: str | None
) -> JSON:
    user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username is not None:
        user["username"] = username
    if language_code is not None:
        user["language_code"] = language_code
    return user


def private_chat(user: JSON) -> JSON:
    chat: JSON = {"id": user["id"], "first_name": user["first_name"]}
    if "username" in user:
        chat["username"] = user["username"]
    chat["type"] = "private"
    return chat


def group_chat(chat_id: int, title: str) -> JSON:
    return {"id": chat_id, "title": title, "type": "group"}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[JSON]:
    """A ``bot_command`` entity for text such as ``/start`` or ``/start@bot payload``."""
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return []
    command = text.split(maxsplit=1)[0]
    return [{"offset": 0, "length": utf16_len(command), "type": "bot_command"}]


def message(message_id: int, sender: JSON, chat: JSON, date: int, **content: Any) -> JSON:
    """A Message; ``content`` holds the type-specific fields (text, photo, sticker...)."""
    return {"message_id": message_id, "from": sender, "chat": chat, "date": date, **content}


def text_content(text: str) -> JSON:
    content: JSON = {"text": text}
    if entities := command_entities(text):
        content["entities"] = entities
    return content


def sticker(n: int) -> JSON:
    return {
        "width": 512,
        "height": 512,
        "emoji": "\N{THUMBS UP SIGN}",
        "set_name": "SteadyTestStickers",
        "is_animated": False,
        "is_video": False,
        "type": "regular",
        "thumbnail": photo_size(n, 128, 128, 4_000, kind="T"),
        "file_id": f"CAACAgIAAxkBAAIS{n:06d}FakeStickerFileId",
        "file_unique_id": f"AgADS{n:06d}",
        "file_size": 24_000,
    }


def photo_size(n: int, width: int, height: int, size: int, kind: str = "P") -> JSON:
    return {
        "file_id": f"AgACAgIAAxkBAAI{kind}{n:06d}x{width}FakePhotoFileId",
        "file_unique_id": f"AQAD{kind}{n:06d}x{width}",
        "file_size": size,
        "width": width,
        "height": height,
    }


def photo(n: int) -> list[JSON]:
    """The list of PhotoSize a photo message carries, smallest first."""
    return [
        photo_size(n, 90, 67, 1_200),
        photo_size(n, 320, 240, 15_000),
        photo_size(n, 800, 600, 64_000),
    ]


def voice(n: int) -> JSON:
    return {
        "duration": 3,
        "mime_type": "audio/ogg",
        "file_id": f"AwACAgIAAxkBAAIV{n:06d}FakeVoiceFileId",
        "file_unique_id": f"AgADV{n:06d}",
        "file_size": 9_000,
    }


def callback_query(query_id: str, sender: JSON, msg: JSON, data: str) -> JSON:
    return {
        "id": query_id,
        "from": sender,
        "message": msg,
        "chat_instance": chat_instance(msg["chat"]["id"]),
        "data": data,
    }


def chat_instance(chat_id: int) -> str:
    """A stable, opaque per-chat identifier (Telegram sends a signed 64-bit number)."""
    return str(-((abs(chat_id) * 2_654_435_761 + 97) % 9_000_000_000_000_000_000))


def inline_markup(markup: Any) -> JSON | None:
    """The inline keyboard part of ``reply_markup``: what a sent Message echoes back.

    Reply keyboards, ``remove_keyboard`` and ``force_reply`` are accepted by the real API
    but never appear on the returned Message, so they map to ``None`` here. Raises
    ``ValueError`` (with the Bot API's description) for invalid inline keyboards.
    """
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ValueError("Bad Request: can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ValueError("Bad Request: can't parse inline keyboard button: rows must be arrays")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise ValueError("Bad Request: can't parse inline keyboard button: Text not found")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise ValueError("Bad Request: BUTTON_DATA_INVALID")
    rows = [row for row in rows if row]
    return {"inline_keyboard": rows} if rows else None


def buttons(msg: JSON) -> list[tuple[str, str]]:
    """(text, callback_data) of every callback button on a message, row by row.

    Buttons without ``callback_data`` (URL buttons and the like) are left out.
    """
    rows = msg.get("reply_markup", {}).get("inline_keyboard", [])
    return [
        (str(button["text"]), str(button["callback_data"]))
        for row in rows
        for button in row
        if "callback_data" in button
    ]


def button_data(msg: JSON, label_substring: str) -> str:
    """The callback_data of the one button whose label contains ``label_substring``."""
    matches = [data for text, data in buttons(msg) if label_substring in text]
    if len(matches) != 1:
        found = "no" if not matches else "several"
        raise AssertionError(
            f"{found} buttons labelled with {label_substring!r} on message "
            f"{msg.get('message_id')}: {buttons(msg)!r}"
        )
    return matches[0]


def describe(msg: JSON, limit: int = 160) -> str:
    """A one-line summary of a message for assertion failures."""
    text = msg.get("text", "<no text>")
    if len(text) > limit:
        text = text[:limit] + "..."
    summary = f"#{msg.get('message_id')} {json.dumps(text, ensure_ascii=False)}"
    if keyboard := buttons(msg):
        summary += f" buttons={keyboard!r}"
    if "edit_date" in msg:
        summary += " (edited)"
    return summary
