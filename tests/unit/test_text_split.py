"""Splitting long text into messages Telegram accepts."""

from __future__ import annotations

import pytest

from bot.text_split import TELEGRAM_LIMIT, split_text


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_short_text_is_one_unchanged_chunk() -> None:
    text = "Thanks for checking in.\n\nTake a Time Out now."

    assert split_text(text) == [text]


def test_text_of_exactly_the_limit_is_not_split() -> None:
    text = "a" * TELEGRAM_LIMIT

    assert split_text(text) == [text]


def test_nothing_to_send_gives_no_chunks() -> None:
    assert split_text(" \n\n ") == []


def test_the_limit_counts_utf16_units_so_emoji_count_double() -> None:
    text = " ".join(["🔴🟢🔵🟡"] * 1200)  # 1200 * 8 + 1199 = 10799 units, 5999 characters
    assert len(text) < 2 * TELEGRAM_LIMIT < units(text)

    chunks = split_text(text)

    assert all(units(chunk) <= TELEGRAM_LIMIT for chunk in chunks)
    assert len(chunks) == 3
    assert " ".join(chunks).split() == text.split()


def test_a_paragraph_break_is_preferred_to_a_later_line_break() -> None:
    first, second, third = "a" * 2500, "b" * 1000, "c" * 1000
    text = f"{first}\n\n{second}\n{third}"

    assert split_text(text) == [first, f"{second}\n{third}"]


def test_a_line_break_is_preferred_to_a_later_space() -> None:
    first, second = "a " * 1100, "b " * 1100  # 2200 characters each
    text = f"{first.strip()}\n{second.strip()}"

    assert split_text(text) == [first.strip(), second.strip()]


def test_words_are_never_cut_when_a_space_is_near_the_limit() -> None:
    words = [f"word{n}" for n in range(2000)]
    text = " ".join(words)

    chunks = split_text(text)

    assert len(chunks) > 1
    assert [w for chunk in chunks for w in chunk.split()] == words


@pytest.mark.parametrize("limit", [40, 100, 1000, TELEGRAM_LIMIT])
def test_every_chunk_is_within_the_limit_non_empty_and_in_order(limit: int) -> None:
    paragraphs = [" ".join(f"w{p}.{n}" for n in range(p % 7 + 40)) for p in range(200)]
    text = "\n\n".join(paragraphs)

    chunks = split_text(text, limit)

    assert all(0 < units(chunk) <= limit for chunk in chunks)
    assert all(chunk == chunk.strip() for chunk in chunks)
    assert " ".join(chunks).split() == text.split()


def test_a_single_very_long_word_is_hard_split() -> None:
    word = "x" * 10_000

    chunks = split_text(word)

    assert [len(chunk) for chunk in chunks] == [4096, 4096, 1808]
    assert "".join(chunks) == word


def test_a_very_long_emoji_word_is_hard_split_between_emoji() -> None:
    word = "🔴" * 5000  # 10,000 UTF-16 units

    chunks = split_text(word)

    assert [units(chunk) for chunk in chunks] == [4096, 4096, 1808]
    assert "".join(chunks) == word


def test_a_limit_too_small_for_one_character_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_text("hello", 1)
