"""The planner: which daily check-in reminders are due, in the person's own clock time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialogues.effects import Button, Say
from dialogues.events import Inbound, Kind
from dialogues.flow import FlowState
from dialogues.planner import LATE_AFTER, ReminderSubject, due_checkin_reminders
from dialogues.router import Situation, route
from tests.unit.conftest import MakeContext

LONDON = "Europe/London"


def subject(checkin_time: str = "21:00", timezone: str = LONDON,
            participant_id: int = 5) -> ReminderSubject:
    return ReminderSubject(participant_id, 500 + participant_id, checkin_time, timezone)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def is_due(who: ReminderSubject, now: datetime) -> bool:
    return bool(due_checkin_reminders([who], now))


JANUARY_2100 = utc(2024, 1, 15, 21, 0)  # GMT: local time is UTC
JULY_2100 = utc(2024, 7, 15, 20, 0)  # BST: 21:00 local is 20:00 UTC


@pytest.mark.parametrize("slot", [JANUARY_2100, JULY_2100], ids=["winter", "summer"])
def test_a_reminder_is_due_at_its_local_time(slot: datetime) -> None:
    assert is_due(subject(), slot)


@pytest.mark.parametrize("slot", [JANUARY_2100, JULY_2100], ids=["winter", "summer"])
def test_a_reminder_is_not_due_a_minute_before(slot: datetime) -> None:
    assert not is_due(subject(), slot - timedelta(minutes=1))


@pytest.mark.parametrize("slot", [JANUARY_2100, JULY_2100], ids=["winter", "summer"])
def test_a_reminder_stays_due_until_late_after_then_is_skipped(slot: datetime) -> None:
    assert is_due(subject(), slot + LATE_AFTER - timedelta(seconds=1))
    assert not is_due(subject(), slot + LATE_AFTER)


def test_summer_time_moves_the_reminder_an_hour_earlier_in_utc() -> None:
    who = subject("21:00")

    assert is_due(who, utc(2024, 7, 15, 20, 0))
    assert not is_due(who, utc(2024, 7, 15, 19, 59))
    assert not is_due(who, utc(2024, 1, 15, 20, 0))
    assert is_due(who, utc(2024, 1, 15, 21, 0))


def test_each_person_is_planned_in_their_own_timezone() -> None:
    london, new_york = subject("09:00", LONDON, 1), subject("09:00", "America/New_York", 2)

    due = due_checkin_reminders([london, new_york], utc(2024, 1, 15, 14, 0))

    assert [plan.participant_id for plan in due] == [2]  # 09:00 in New York, 14:00 in London


def test_the_key_is_stable_within_a_local_day() -> None:
    first = due_checkin_reminders([subject()], JULY_2100)
    later = due_checkin_reminders([subject()], JULY_2100 + timedelta(minutes=90))

    assert [p.key for p in first] == [p.key for p in later] == ["checkin:5:2024-07-15"]


def test_the_key_changes_with_the_date() -> None:
    today = due_checkin_reminders([subject()], JULY_2100)
    tomorrow = due_checkin_reminders([subject()], JULY_2100 + timedelta(days=1))

    assert today[0].key != tomorrow[0].key
    assert tomorrow[0].key == "checkin:5:2024-07-16"


def test_the_key_uses_the_local_date_not_the_utc_date() -> None:
    # 00:30 in London on 16 July is 23:30 UTC on 15 July.
    plans = due_checkin_reminders([subject("00:30")], utc(2024, 7, 15, 23, 30))

    assert [p.key for p in plans] == ["checkin:5:2024-07-16"]


def test_only_due_people_are_planned_with_their_own_chat() -> None:
    early, due, late = subject("20:00", participant_id=1), subject("21:00", participant_id=2), \
        subject("22:30", participant_id=3)

    plans = due_checkin_reminders([early, due, late], utc(2024, 1, 15, 21, 10))

    assert [(p.participant_id, p.chat_id) for p in plans] == [(1, 501), (2, 502)]


def test_the_reminder_is_discreet_and_offers_the_menu_check_in_button() -> None:
    (plan,) = due_checkin_reminders([subject()], JANUARY_2100)

    assert plan.text == Say("reminder.checkin")
    assert plan.buttons == ((Button(Say("menu.item.checkin"), "m:0:checkin"),),)


def test_pressing_the_reminder_button_starts_a_check_in(ctx: MakeContext) -> None:
    (plan,) = due_checkin_reminders([subject()], JANUARY_2100)
    press = Inbound(70, 5, 505, Kind.BUTTON, plan.buttons[0][0].data, JANUARY_2100)

    outcome = route(Situation(True, False, None, 9), press, ctx(now=JANUARY_2100))

    assert outcome.state == FlowState("checkin", "colour", 10, {})


def test_a_late_evening_reminder_stays_due_past_midnight() -> None:
    # 23:30 GMT on 15 January; 40 minutes later it is already 16 January.
    plans = due_checkin_reminders([subject("23:30")], utc(2024, 1, 16, 0, 10))

    assert [p.key for p in plans] == ["checkin:5:2024-01-15"]


@pytest.mark.parametrize(
    ("now", "due"),
    [
        # Clocks go forward at 01:00 UTC on 31 March 2024. 00:30 GMT is 00:30 UTC; at
        # 01:45 UTC (02:45 BST) only 75 minutes have passed.
        (utc(2024, 3, 31, 1, 45), True),
        # Clocks go back at 01:00 UTC on 27 October 2024. 00:30 BST is 23:30 UTC the day
        # before; at 01:45 UTC (01:45 GMT) 135 minutes have passed.
        (utc(2024, 10, 27, 1, 45), False),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_the_late_window_is_real_time_across_a_clock_change(now: datetime, due: bool) -> None:
    assert is_due(subject("00:30"), now) is due
