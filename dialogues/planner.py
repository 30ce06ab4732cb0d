"""The planner: which proactive messages are due now. Pure: facts in, plans out.

Theory of operation. For one participant, ``plan()`` lists every message their facts call
for (check-in prompts, appointment reminders, the signpost and practice nudge after a
session, the feedback request, the waiting-list drip) as *candidates*, each with

- a stable key (``appt:{id}:{start}:24h``), so planning twice never sends twice;
- ``not_before``: when it may go out, already moved out of the person's quiet hours;
- ``deadline``: after it the message means nothing (an appointment reminder after the
  appointment), so it is dropped and reported, never sent;
- a ``kind``: after an outage only the latest still-meaningful candidate of a kind goes out
  (missed ticks coalesce); the older ones are reported as superseded.

Candidates due now go out; the earliest later ``not_before`` is ``next_plan_at``, the moment
the shell must look at this person again. Every time is a real instant (UTC); local times
are built from the person's calendar day and clock time in their timezone, so a clock
change (BST/GMT) moves nothing a person sees. Nothing is sent while paused or, for prompts
tied to a chosen time, inside quiet hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from content.schema import Programme, Waiting, WaitingMessage
from dialogues.effects import Keyboard, Say
from dialogues.menu import menu_button
from dialogues.preferences import Preferences
from dialogues.proactive import appointment_buttons, feedback_button, more_button, stay_buttons

LATE_AFTER = timedelta(hours=2)  # a check-in prompt later than this is skipped
LOOK_AGAIN = timedelta(days=1)  # look at everyone at least daily, whatever changed
LOOKBACK = timedelta(days=3)  # with no record of the last look: how far back to report drops
DAYTIME = time(10, 0)  # local time for signposts and waiting-list messages
EVENING = time(18, 0)  # local time for the mid-week practice nudge
STAY_TIME = time(11, 0)  # local time for "Do you still want to take part?"
WAITING_PACK_DAYS = 7  # the welcome pack: waiting.yaml messages of the first week
NUDGE_EVERY = timedelta(days=9)  # once waiting.yaml runs out, nudges repeat this often
STAY_EVERY_DAYS = 28  # "Do you still want to take part?"
PLANNED_STATUSES = ("waiting", "active")


@dataclass(frozen=True)
class AppointmentFact:
    id: int
    starts_at: datetime  # aware
    week: int | None = None
    status: str = "scheduled"  # scheduled | cancelled | attended | missed


@dataclass(frozen=True)
class ParticipantFacts:
    participant_id: int
    chat_id: int
    status: str
    joined_at: datetime  # aware; the waiting-list drip counts days from here
    timezone: str = "Europe/London"
    start_date: date | None = None
    checkin_time: str | None = None  # "HH:MM" local
    preferences: Preferences = field(default_factory=Preferences)
    appointments: tuple[AppointmentFact, ...] = ()


@dataclass(frozen=True)
class PlannedMessage:
    participant_id: int
    chat_id: int
    key: str
    text: Say
    buttons: Keyboard
    kind: str
    not_before: datetime
    deadline: datetime


@dataclass(frozen=True)
class Dropped:
    key: str
    reason: str  # past_deadline | superseded | quiet_hours | paused


@dataclass(frozen=True)
class PlanResult:
    messages: tuple[PlannedMessage, ...]
    dropped: tuple[Dropped, ...]
    next_plan_at: datetime | None  # None: nothing will ever be due (not waiting or active)
    activate: bool = False  # the start date has come: waiting -> active


@dataclass(frozen=True)
class _Content:
    programme: Programme | None
    waiting: Waiting | None


def plan(facts: ParticipantFacts, now: datetime, *, programme: Programme | None = None,
         waiting: Waiting | None = None, since: datetime | None = None) -> PlanResult:
    """What to send ``facts``' person at ``now``, and when to look again.

    ``since`` is when the person was last due (their previous ``next_plan_at``): drops
    before it were reported then. None reports drops from ``LOOKBACK`` ago.
    """
    if facts.status not in PLANNED_STATUSES:
        return PlanResult((), (), None)
    zone = ZoneInfo(facts.timezone)
    activate = (facts.status == "waiting" and facts.start_date is not None
                and now.astimezone(zone).date() >= facts.start_date)
    status = "active" if activate else facts.status
    content = _Content(programme, waiting)
    candidates, dropped = _gated(facts, _candidates(facts, status, now, zone, content), zone)
    since = since if since is not None else now - LOOKBACK
    due: dict[str, PlannedMessage] = {}
    later: list[datetime] = []
    for message in sorted(candidates, key=lambda m: (m.not_before, m.key)):
        if message.not_before > now:
            later.append(message.not_before)
        elif message.deadline <= now:
            if message.deadline > since:
                dropped.append(Dropped(message.key, "past_deadline"))
        elif facts.preferences.in_quiet_hours(now.astimezone(zone)):
            # Late (after an outage) is fine, but never inside quiet hours: look again when
            # they end, when it is sent if still meaningful.
            later.append(_quiet_end(facts.preferences, now.astimezone(zone)).astimezone(UTC))
        else:
            # Queued now, it must not go out once the next quiet hours begin (the outbox
            # drops a row still queued after its deadline).
            quiet_from = _quiet_start_after(facts.preferences, now.astimezone(zone))
            if quiet_from is not None and quiet_from.astimezone(UTC) < message.deadline:
                message = replace(message, deadline=quiet_from.astimezone(UTC))
            older = due.get(message.kind)
            if older is not None and older.not_before >= since:
                dropped.append(Dropped(older.key, "superseded"))
            due[message.kind] = message
    if facts.status == "waiting" and facts.start_date is not None and not activate:
        later.append(datetime.combine(facts.start_date, time(0), tzinfo=zone).astimezone(UTC))
    next_at = min([*later, now + LOOK_AGAIN])
    return PlanResult(tuple(sorted(due.values(), key=lambda m: (m.not_before, m.key))),
                      tuple(dropped), next_at, activate)


def _candidates(facts: ParticipantFacts, status: str, now: datetime, zone: ZoneInfo,
                content: _Content) -> list[PlannedMessage]:
    found = _checkins(facts, now, zone)
    for appointment in facts.appointments:
        found += _appointment(facts, appointment, zone, content)
    if status == "waiting" and content.waiting is not None:
        found += _waiting(facts, now, zone, content.waiting)
    return found


def _gated(facts: ParticipantFacts, found: list[PlannedMessage],
           zone: ZoneInfo) -> tuple[list[PlannedMessage], list[Dropped]]:
    """Apply pause and quiet hours: prompts at a chosen time are dropped, others wait."""
    prefs = facts.preferences
    kept: list[PlannedMessage] = []
    dropped: list[Dropped] = []
    for message in found:
        local = message.not_before.astimezone(zone)
        if prefs.in_quiet_hours(local):
            if message.kind == "checkin":
                dropped.append(Dropped(message.key, "quiet_hours"))
                continue
            moved = _quiet_end(prefs, local)
            if moved.astimezone(UTC) >= message.deadline:
                dropped.append(Dropped(message.key, "quiet_hours"))
                continue
            message = _moved(message, moved, local)
            local = moved
        if prefs.reminders_paused_on(local.date()):
            dropped.append(Dropped(message.key, "paused"))
            continue
        kept.append(message)
    return kept, dropped


def _quiet_start_after(prefs: Preferences, local: datetime) -> datetime | None:
    if not prefs.quiet_start or not prefs.quiet_end:
        return None
    hour, minute = (int(part) for part in prefs.quiet_start.split(":"))
    start = datetime.combine(local.date(), time(hour, minute), tzinfo=local.tzinfo)
    return start if start > local else datetime.combine(
        local.date() + timedelta(days=1), time(hour, minute), tzinfo=local.tzinfo)


def _quiet_end(prefs: Preferences, local: datetime) -> datetime:
    hour, minute = (int(part) for part in str(prefs.quiet_end).split(":"))
    end = datetime.combine(local.date(), time(hour, minute), tzinfo=local.tzinfo)
    return end if end > local else datetime.combine(
        local.date() + timedelta(days=1), time(hour, minute), tzinfo=local.tzinfo)


def _moved(message: PlannedMessage, moved: datetime, was: datetime) -> PlannedMessage:
    text = message.text
    if text.key == "reminder.appointment_tomorrow" and moved.date() != was.date():
        text = Say("reminder.appointment_today", text.params)  # pushed to the day itself
    return PlannedMessage(message.participant_id, message.chat_id, message.key, text,
                          message.buttons, message.kind, moved.astimezone(UTC), message.deadline)


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _message(facts: ParticipantFacts, key: str, text: Say, buttons: Keyboard, kind: str,
             not_before: datetime, deadline: datetime) -> PlannedMessage:
    return PlannedMessage(facts.participant_id, facts.chat_id, key, text, buttons, kind,
                          not_before, deadline)


# --- daily check-in prompts -----------------------------------------------------------------


def _checkins(facts: ParticipantFacts, now: datetime, zone: ZoneInfo) -> list[PlannedMessage]:
    if not facts.checkin_time:
        return []
    hour, minute = (int(part) for part in facts.checkin_time.split(":"))
    today = now.astimezone(zone).date()
    found = []
    for offset in range(-1, 9):
        day = today + timedelta(days=offset)
        if day.weekday() not in facts.preferences.checkin_days:
            continue
        start = _local(day, time(hour, minute), zone)
        found.append(_message(
            facts, f"checkin:{facts.participant_id}:{day.isoformat()}", Say("reminder.checkin"),
            ((menu_button("checkin", "menu.item.checkin"),),), "checkin", start,
            start + LATE_AFTER))
    return found


# --- appointments and what follows them ------------------------------------------------------


def appointment_key_prefix(appointment_id: int) -> str:
    """Every key planned for one appointment starts with this (to withdraw them)."""
    return f"appt:{appointment_id}:"


def _appointment(facts: ParticipantFacts, appt: AppointmentFact, zone: ZoneInfo,
                 content: _Content) -> list[PlannedMessage]:
    if appt.status == "cancelled":
        return []
    prefix = appointment_key_prefix(appt.id)
    start = appt.starts_at.astimezone(UTC)
    local_start = start.astimezone(zone)
    found = []
    if appt.status == "scheduled":
        # "Tomorrow at 10:00" arrives at 10:00 local the day before, even across a clock change.
        day_before = _local(local_start.date() - timedelta(days=1), local_start.time(), zone)
        two_hours = start - timedelta(hours=2)
        stamp = local_start.strftime("%Y%m%dT%H%M")
        when = {"time": local_start.strftime("%H:%M")}
        for suffix, text, at, until in (
                ("24h", Say("reminder.appointment_tomorrow", when), day_before, two_hours),
                ("2h", Say("reminder.appointment_today", when), two_hours, start)):
            found.append(_message(facts, f"{prefix}{stamp}:{suffix}", text,
                                  appointment_buttons(appt.id), f"appt:{appt.id}", at, until))
    if appt.status == "attended":
        after = start + timedelta(hours=1)
        found.append(_message(facts, f"{prefix}feedback", Say("reminder.feedback"),
                              feedback_button(appt.id), "feedback", after,
                              after + timedelta(days=3)))
    if appt.status in ("scheduled", "attended", "missed") and content.programme is not None:
        found += _after_session(facts, appt, local_start, zone, content.programme)
    return found


def _after_session(facts: ParticipantFacts, appt: AppointmentFact, local_start: datetime,
                   zone: ZoneInfo, programme: Programme) -> list[PlannedMessage]:
    if appt.week is None:
        return []
    following = [a for a in facts.appointments
                 if a.status == "scheduled" and a.starts_at > appt.starts_at]
    upcoming = min(following, key=lambda a: a.starts_at, default=None)
    next_week = upcoming.week if upcoming is not None and upcoming.week else appt.week + 1
    next_start = upcoming.starts_at.astimezone(UTC) if upcoming is not None else None
    prefix = appointment_key_prefix(appt.id)
    day = local_start.date()
    modes = facts.preferences.modes()
    task = programme.weeks[appt.week - 1].wording(modes).practice_task
    found = []
    signpost_at = _local(day + timedelta(days=1), DAYTIME, zone)
    if next_week <= len(programme.weeks):
        nxt = programme.weeks[next_week - 1]
        signpost = nxt.wording(modes).signpost
        text = Say("planner.after_session", {"signpost": signpost}) \
            if facts.preferences.discreet else Say("planner.after_session_open", {
                "signpost": signpost, "title": nxt.title, "task": task})
        # "Show more" names the topic the signpost points to: the next session's.
        found.append(_message(facts, f"{prefix}signpost", text, _more(facts, f"week.{next_week}"),
                              "signpost", signpost_at,
                              _earliest(signpost_at + timedelta(days=2), next_start)))
    nudge_at = _local(day + timedelta(days=3), EVENING, zone)
    if next_start is None or nudge_at < next_start:
        text = Say("reminder.practice") if facts.preferences.discreet else Say(
            "planner.practice_open", {"task": task})
        found.append(_message(facts, f"{prefix}practice", text,
                              _more(facts, f"week.{appt.week}"), "practice", nudge_at,
                              _earliest(nudge_at + timedelta(days=1), next_start)))
    return found


def _more(facts: ParticipantFacts, reference: str) -> Keyboard:
    """Discreet people see the topic only after tapping; others have it in the text already."""
    return more_button(reference) if facts.preferences.discreet else ()


def _earliest(deadline: datetime, other: datetime | None) -> datetime:
    return deadline if other is None else min(deadline, other)


# --- the waiting list ------------------------------------------------------------------------


def _waiting(facts: ParticipantFacts, now: datetime, zone: ZoneInfo,
             waiting: Waiting) -> list[PlannedMessage]:
    joined = facts.joined_at.astimezone(zone).date()
    found = []
    pieces = sorted(waiting.messages, key=lambda m: m.days_after_invite)
    nudges = [m for m in pieces if m.days_after_invite > WAITING_PACK_DAYS] or pieces
    moments = [(m, joined + timedelta(days=m.days_after_invite), 0) for m in pieces]
    # After the last written message, the nudges come round again, one every NUDGE_EVERY.
    day, round_ = moments[-1][1], 0
    horizon = now.astimezone(zone).date() + NUDGE_EVERY
    while day <= horizon:
        day += NUDGE_EVERY
        round_ += 1
        moments.append((nudges[(round_ - 1) % len(nudges)], day, round_))
    for index, (message, day, round_) in enumerate(moments):
        at = _local(day, DAYTIME, zone)
        nxt = _local(moments[index + 1][1], DAYTIME, zone) if index + 1 < len(moments) else None
        text, buttons = _waiting_text(facts, message, round_ > 0 or message in nudges)
        suffix = message.key if round_ == 0 else f"{message.key}:{round_}"
        found.append(_message(facts, f"waiting:{facts.participant_id}:{suffix}", text, buttons,
                              "waiting", at, _earliest(at + timedelta(days=3), nxt)))
    for weeks in range(STAY_EVERY_DAYS, (horizon - joined).days + 1, STAY_EVERY_DAYS):
        at = _local(joined + timedelta(days=weeks), STAY_TIME, zone)
        found.append(_message(facts, f"stay:{facts.participant_id}:{weeks}", Say("reminder.stay"),
                              stay_buttons(), "stay", at, at + timedelta(days=3)))
    return found


def _waiting_text(facts: ParticipantFacts, message: WaitingMessage,
                  nudge: bool) -> tuple[Say, Keyboard]:
    """Discreet: the neutral text, details behind a button. Otherwise the details inline."""
    inline = bool(message.more) and not facts.preferences.discreet
    dated = nudge and facts.start_date is not None
    if dated:
        key = "planner.waiting_nudge_open" if inline else "planner.waiting_nudge"
    else:
        key = "planner.waiting_open" if inline else "planner.waiting"
    start = facts.start_date
    wording = message.wording(facts.preferences.modes())
    params = {"text": wording.text, "more": wording.more or "",
              "start_date": f"{start:%A} {start.day} {start:%B}" if start else ""}
    buttons = more_button(f"waiting.{message.key}") if (
        message.more and facts.preferences.discreet) else ()
    return Say(key, params), buttons


# --- the old interface: daily check-ins for many people at once --------------------------------


@dataclass(frozen=True)
class ReminderSubject:
    participant_id: int
    chat_id: int
    checkin_time: str  # "HH:MM" local
    timezone: str
    preferences: Preferences = field(default_factory=Preferences)


def due_checkin_reminders(subjects: list[ReminderSubject], now: datetime) -> list[PlannedMessage]:
    """The check-in prompts due at ``now`` for each subject (see ``plan``)."""
    plans: list[PlannedMessage] = []
    for subject in subjects:
        facts = ParticipantFacts(subject.participant_id, subject.chat_id, "active", now,
                                 subject.timezone, None, subject.checkin_time,
                                 subject.preferences)
        plans += plan(facts, now).messages
    return plans
