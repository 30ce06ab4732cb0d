"""Shared fixtures for the unit tests: the real content, and contexts with a fixed clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import pytest

from content.loader import Content, load_content
from dialogues.flow import Context, Library, Profile

# A fixed, timezone-aware moment: 19:00 in London (BST) on a summer weekday.
NOW = datetime(2024, 7, 15, 18, 0, tzinfo=UTC)

MakeContext = Callable[..., Context]


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture(scope="session")
def library(content: Content) -> Library:
    return Library(content.palette, content.programme, content.resources)


@pytest.fixture
def ctx(library: Library) -> MakeContext:
    """Return a factory: ``ctx()``, ``ctx(colour_words={"red": ""})``, ``ctx(now=...)``."""

    def make(
        *,
        now: datetime = NOW,
        preferred_name: str | None = "Sam",
        checkin_time: str | None = "21:00",
        timezone: str = "Europe/London",
        colour_words: Mapping[str, str] | None = None,
    ) -> Context:
        profile = Profile(
            preferred_name=preferred_name,
            checkin_time=checkin_time,
            timezone=timezone,
            colour_words=dict(colour_words or {}),
        )
        return Context(now, library, profile)

    return make
