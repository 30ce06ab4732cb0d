"""Button data comes from a client: anything but ``flow:step:value`` is a stale button."""

from __future__ import annotations

import pytest

from dialogues.errors import StaleButton
from dialogues.flow import button_data, parse_button


def test_well_formed_button_data_round_trips() -> None:
    assert parse_button(button_data("checkin", 12, "pick.0800")) == ("checkin", 12, "pick.0800")
    assert parse_button("menu:0:journal") == ("menu", 0, "journal")


@pytest.mark.parametrize("data", [
    "checkin:²:x",            # '²'.isdigit() is True, int('²') raises
    "checkin:١٢:x",           # Arabic-Indic digits: int() accepts them, we do not
    "checkin:" + "9" * 30 + ":x",  # a 30-digit step
    "checkin:1234567890:x",   # ten digits: more steps than any conversation has
    "checkin::x",
    "checkin:-1:x",
    "checkin:+1:x",
    "checkin: 1:x",
    "checkin:1",
    "no colons",
    "checkin:1:" + "x" * 64,  # over Telegram's 64-byte limit
    "checkin:1:" + "é" * 30,  # 64 characters would fit, 70 bytes do not
])
def test_malformed_button_data_is_a_stale_button(data: str) -> None:
    with pytest.raises(StaleButton):
        parse_button(data)
