"""Reading a time of day the way people type it."""

from __future__ import annotations

import pytest

from dialogues.clock_text import parse_clock


@pytest.mark.parametrize(
    ("typed", "clock"),
    [
        ("7pm", "19:00"),
        ("7 PM", "19:00"),
        ("7 p.m.", "19:00"),
        ("19:30", "19:30"),
        ("7.30 am", "07:30"),
        ("7.30pm", "19:30"),
        ("0730", "07:30"),
        ("730", "07:30"),
        ("9", "09:00"),
        ("  21:00  ", "21:00"),
        ("00:00", "00:00"),
        ("23:59", "23:59"),
        ("noon", "12:00"),
        ("Midday", "12:00"),
        ("midnight", "00:00"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
        ("12:30 am", "00:30"),
        ("1am", "01:00"),
    ],
)
def test_a_typed_time_becomes_24_hour_clock(typed: str, clock: str) -> None:
    assert parse_clock(typed) == clock


@pytest.mark.parametrize(
    "typed",
    ["25:00", "24:00", "19:60", "13pm", "0am", "soon", "", "   ", "7:5", "tonight at 7",
     "19:30:00", "-1", "7 o'clock"],
)
def test_text_that_is_not_a_time_of_day_is_refused(typed: str) -> None:
    assert parse_clock(typed) is None
