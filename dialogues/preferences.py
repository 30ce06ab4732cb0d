"""A participant's settings and plan, as plain values the flows can read. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)  # Monday is 0
TIMEOUT_LENGTHS = (20, 30, 60)
PLAN_LISTS = ("short", "medium", "long", "helps", "hinders", "coping")


@dataclass(frozen=True)
class Preferences:
    checkin_days: tuple[int, ...] = ALL_DAYS
    quiet_start: str | None = None  # "HH:MM" local; no proactive messages from here...
    quiet_end: str | None = None  # ...until here (may wrap past midnight)
    discreet: bool = True  # proactive messages never name abuse or the programme up front
    plain_language: bool = False
    no_metaphor: bool = False
    timeout_minutes: int = 30
    reminders_paused_until: str | None = None  # ISO date, local; reminders resume after it

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> Preferences:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in (raw or {}).items() if k in known}
        if "checkin_days" in values:
            values["checkin_days"] = tuple(int(d) for d in values["checkin_days"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["checkin_days"] = list(self.checkin_days)
        return data

    def updated(self, changes: Mapping[str, Any]) -> Preferences:
        return Preferences.from_dict({**self.to_dict(), **changes})

    def modes(self) -> tuple[str, ...]:
        """Locale overlays to prefer, most specific first."""
        chosen = []
        if not self.discreet:
            chosen.append("open")  # proactive messages may say what they are about
        # Plain before literal: every plain text is also literal (tests hold en-plain.yaml to
        # that), but a literal text is not always plain, so someone with both gets both.
        if self.plain_language:
            chosen.append("plain")
        if self.no_metaphor:
            chosen.append("literal")
        return tuple(chosen)

    def in_quiet_hours(self, local: datetime) -> bool:
        if not self.quiet_start or not self.quiet_end:
            return False
        start, end, now = _hm(self.quiet_start), _hm(self.quiet_end), local.time()
        if start <= end:
            return start <= now < end
        return now >= start or now < end  # wraps past midnight, e.g. 22:00-07:00

    def reminders_paused_on(self, day: date) -> bool:
        return bool(self.reminders_paused_until) and day <= date.fromisoformat(
            str(self.reminders_paused_until))

    def wants_reminder(self, slot: datetime, now: datetime) -> bool:
        """Whether a reminder for the local ``slot`` may go out ``now``."""
        local_now = now.astimezone(slot.tzinfo)
        return (slot.weekday() in self.checkin_days and not self.in_quiet_hours(local_now)
                and not self.reminders_paused_on(slot.date()))


def _hm(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


@dataclass(frozen=True)
class Plan:
    """My plan, in the participant's own words."""

    short: tuple[str, ...] = ()
    medium: tuple[str, ...] = ()
    long: tuple[str, ...] = ()
    helps: tuple[str, ...] = ()
    hinders: tuple[str, ...] = ()
    coping: tuple[str, ...] = ()
    timeout_phrase: str | None = None

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> Plan:
        raw = raw or {}
        lists = {name: tuple(str(item) for item in raw.get(name, ())) for name in PLAN_LISTS}
        phrase = raw.get("timeout_phrase")
        return cls(**lists, timeout_phrase=str(phrase) if phrase else None)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: list(getattr(self, name)) for name in PLAN_LISTS}
        data["timeout_phrase"] = self.timeout_phrase
        return data

    def with_list(self, name: str, items: tuple[str, ...]) -> Plan:
        if name not in PLAN_LISTS:
            raise KeyError(name)
        return Plan.from_dict({**self.to_dict(), name: list(items)})

    def with_phrase(self, phrase: str | None) -> Plan:
        return replace(self, timeout_phrase=phrase or None)

    def is_empty(self) -> bool:
        return not self.timeout_phrase and not any(getattr(self, n) for n in PLAN_LISTS)


PROGRAMME_WEEKS = 22


def programme_week(start: date | None, now: datetime, timezone: str) -> int | None:
    """The programme week (1-22) on ``now``'s local date, or None before it starts."""
    if start is None:
        return None
    days = (now.astimezone(ZoneInfo(timezone)).date() - start).days
    if days < 0:
        return None
    return min(days // 7 + 1, PROGRAMME_WEEKS)
