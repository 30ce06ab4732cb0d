"""The planner: which proactive messages are due now. Pure: facts in, plans out.

Each plan has a stable key (``checkin:{participant}:{local date}``) so planning the same
reminder twice never sends it twice. A reminder is due from its time until ``LATE_AFTER``
later; after that it is skipped rather than sent at an odd hour after an outage. Nothing
proactive is sent on a day the person did not choose, inside their quiet hours, or while
they have paused reminders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
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
        zone = ZoneInfo(subject.timezone)
        local_now = now.astimezone(zone)
        hour, minute = (int(part) for part in subject.checkin_time.split(":"))
        slot = datetime.combine(local_now.date(), time(hour, minute), tzinfo=zone)
        wanted = subject.preferences.wants_reminder(now, subject.timezone)
        if wanted and slot <= local_now < slot + LATE_AFTER:
            plans.append(PlannedMessage(
                subject.participant_id, subject.chat_id,
                f"checkin:{subject.participant_id}:{local_now.date().isoformat()}",
                Say("reminder.checkin"),
                ((menu_button("checkin", "menu.item.checkin"),),),
            ))
    return plans
