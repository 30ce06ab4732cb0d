"""Split long text into pieces Telegram accepts, breaking at paragraphs, lines or words."""

from __future__ import annotations

TELEGRAM_LIMIT = 4096


def _units(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Return chunks of at most ``limit`` UTF-16 units, none empty, order kept."""
    if limit < 2:
        raise ValueError("limit must allow at least one character")
    chunks: list[str] = []
    rest = text.strip()
    while _units(rest) > limit:
        cut = _cut_point(rest, limit)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            chunks.append(head)
    if rest:
        chunks.append(rest)
    return chunks


def _cut_point(text: str, limit: int) -> int:
    # The longest prefix within the limit, never splitting a surrogate pair.
    end = min(len(text), limit)
    while _units(text[:end]) > limit:
        end -= 1
    window = text[:end]
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at > end // 2:
            return at + len(separator)
    return end
