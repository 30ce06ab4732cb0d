"""The planner: which proactive messages are due now. Pure: facts in, plans out.

Each plan has a stable key (``checkin:{participant}:{local date}``) so planning the same
reminder twice never sends it twice. A reminder is due from its time until ``LATE_AFTER``
later; after that it is skipped rather than sent at an odd hour after an outage. Nothing
proactive is sent on a day the person did not choose, inside their quiet hours, or while
they have paused reminders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dialogues.effects import Keyboard, Say
from dialogues.menu import menu_button
from dialogues.preferences import Preferences

LATE_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class ReminderSubject:
    participant_id: int
    chat_id: int
    checkin_time: str  # "HH:MM" local
    timezone: str
    preferences: Preferences = field(default_factory=Preferences)


@dataclass(frozen=True)
class PlannedMessage:
    participant_id: int
    chat_id: int
    key: str
    text: Say
    buttons: Keyboard


def due_checkin_reminders(subjects: list[ReminderSubject], now: datetime) -> list[PlannedMessage]:
    plans = []
    for subject in subjects:
        slot = _due_slot(subject, now)
        if slot is not None and subject.preferences.wants_reminder(slot, now):
            plans.append(PlannedMessage(
                subject.participant_id, subject.chat_id,
                f"checkin:{subject.participant_id}:{slot.date().isoformat()}",
                Say("reminder.checkin"),
                ((menu_button("checkin", "menu.item.checkin"),),),
            ))
    return plans


def _due_slot(subject: ReminderSubject, now: datetime) -> datetime | None:
    """The local slot (today's or, just after midnight, yesterday's) due at ``now``.

    The window is compared in UTC, so a clock change neither stretches nor shrinks it.
    """
    zone = ZoneInfo(subject.timezone)
    today = now.astimezone(zone).date()
    hour, minute = (int(part) for part in subject.checkin_time.split(":"))
    for day in (today, today - timedelta(days=1)):
        slot = datetime.combine(day, time(hour, minute), tzinfo=zone)
        start = slot.astimezone(UTC)
        if start <= now < start + LATE_AFTER:
            return slot
    return None
