"""Settings: reminders, quiet hours, time zone, wording modes, Time Out length, leaving.

The summary is the keyboard: one button per setting showing its current value, so a tap
opens that setting. Every change is applied at once (an effect per change) and also kept
in the flow's data, because the profile in the context is read before effects apply: the
summary shown right after a change must already show it. After each change the summary
comes back; Done goes to the menu, Leave Steady hands over to forget.

    start -begin-> summary -<page name>-> <that page> (days, time, quiet_start, timezone,
                                                      discreet, plain, literal, timeout, pause)
    days -toggle-> days -save-> summary          time -pick/text-> summary
    quiet_start -pick/text-> quiet_end -pick/text-> summary ; quiet_start -off-> summary
    timezone -text/uk-> summary ; discreet/plain/literal -on/off-> summary
    timeout -pick-> summary ; pause -pick/resume-> summary ; <any of these> -back-> summary
    summary -done-> done (menu) ; summary -leave-> done (hands over to forget)
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from dialogues.clock_text import parse_clock
from dialogues.effects import Button, Reply, Say, UpdatePreferences, UpdateProfile
from dialogues.flow import Flow, FlowModel
from dialogues.menu import menu_reply
from dialogues.onboarding import TIME_CHOICES
from dialogues.preferences import TIMEOUT_LENGTHS, Preferences

NAME = "settings"
DEFAULT_ZONE = "Europe/London"
PAUSE_DAYS = (1, 3, 7, 14)
QUIET_STARTS = ("21:00", "22:00", "23:00")
QUIET_ENDS = ("06:00", "07:00", "08:00")
# (button value, label key), Monday first as in Preferences.checkin_days
DAYS = (("mon", "settings.day.mon"), ("tue", "settings.day.tue"), ("wed", "settings.day.wed"),
        ("thu", "settings.day.thu"), ("fri", "settings.day.fri"), ("sat", "settings.day.sat"),
        ("sun", "settings.day.sun"))
ON, OFF = "\u2705", "\u2b1c"  # marks beside each day: chosen, not chosen

# Read once: the tz database does not change while the bot runs.
_ZONES = {zone.lower(): zone for zone in available_timezones()}
# How people in the UK name their own time. "GMT" would otherwise mean the fixed-offset zone,
# which never moves to summer time.
_UK_NAMES = frozenset({"uk", "london", "gmt", "bst", "british", "britain", "great britain",
                       "england", "scotland", "wales", "northern ireland", "united kingdom",
                       "uk time", "london time", "gb"})


def parse_zone(text: str) -> str | None:
    """Return the IANA zone meant by "europe/paris", "America/New York", "uk"..., or None."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in _UK_NAMES:
        return DEFAULT_ZONE
    return _ZONES.get(cleaned) or _ZONES.get(cleaned.replace(" ", "_"))


class States(Enum):
    start = "start"
    summary = "summary"
    days = "days"
    time = "time"
    quiet_start = "quiet_start"
    quiet_end = "quiet_end"
    timezone = "timezone"
    discreet = "discreet"
    plain = "plain"
    literal = "literal"
    timeout = "timeout"
    pause = "pause"
    done = "done"


S = States
SUBPAGES = [S.days, S.time, S.quiet_start, S.quiet_end, S.timezone, S.discreet, S.plain,
            S.literal, S.timeout, S.pause]
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": S.start, "dest": S.summary},
    *({"trigger": page.name, "source": S.summary, "dest": page}
      for page in SUBPAGES if page is not S.quiet_end),
    {"trigger": "back", "source": SUBPAGES, "dest": S.summary},
    {"trigger": "toggle", "source": S.days, "dest": S.days, "conditions": "day_exists",
     "before": "toggle_day"},
    {"trigger": "save", "source": S.days, "dest": S.summary, "conditions": "some_day_chosen",
     "before": "save_days"},
    {"trigger": "pick", "source": S.time, "dest": S.summary, "conditions": "time_is_valid",
     "before": "save_time"},
    {"trigger": "text", "source": S.time, "dest": S.summary, "conditions": "time_is_valid",
     "before": "save_time"},
    {"trigger": "pick", "source": S.quiet_start, "dest": S.quiet_end,
     "conditions": "quiet_is_valid", "before": "keep_quiet_start"},
    {"trigger": "text", "source": S.quiet_start, "dest": S.quiet_end,
     "conditions": "quiet_is_valid", "before": "keep_quiet_start"},
    {"trigger": "off", "source": S.quiet_start, "dest": S.summary, "before": "quiet_off"},
    {"trigger": "pick", "source": S.quiet_end, "dest": S.summary,
     "conditions": ["quiet_is_valid", "quiet_end_differs"], "before": "save_quiet"},
    {"trigger": "text", "source": S.quiet_end, "dest": S.summary,
     "conditions": ["quiet_is_valid", "quiet_end_differs"], "before": "save_quiet"},
    {"trigger": "text", "source": S.timezone, "dest": S.summary, "conditions": "zone_is_valid",
     "before": "save_zone"},
    {"trigger": "uk", "source": S.timezone, "dest": S.summary, "before": "save_zone"},
    {"trigger": "on", "source": [S.discreet, S.plain, S.literal], "dest": S.summary,
     "before": "switch"},
    {"trigger": "off", "source": [S.discreet, S.plain, S.literal], "dest": S.summary,
     "before": "switch"},
    {"trigger": "pick", "source": S.timeout, "dest": S.summary, "conditions": "length_exists",
     "before": "save_length"},
    {"trigger": "pick", "source": S.pause, "dest": S.summary, "conditions": "pause_exists",
     "before": "pause_reminders"},
    {"trigger": "resume", "source": S.pause, "dest": S.summary, "before": "resume_reminders"},
    {"trigger": "done", "source": S.summary, "dest": S.done, "before": "finish"},
    {"trigger": "leave", "source": S.summary, "dest": S.done, "before": "leave_steady"},
]
# Which preference each on/off page switches.
SWITCHES = {"discreet": "discreet", "plain": "plain_language", "literal": "no_metaphor"}


class Settings(FlowModel):
    note: Say | None = None  # what the next summary opens with, this event only

    # --- the values as they are now, changes in this conversation included ---------------

    @property
    def prefs(self) -> Preferences:
        return self.ctx.profile.preferences.updated(self.data.get("prefs", {}))

    @property
    def checkin_time(self) -> str:
        return str(self.data.get("checkin_time", self.ctx.profile.checkin_time or ""))

    @property
    def zone(self) -> str:
        return str(self.data.get("timezone", self.ctx.profile.timezone or DEFAULT_ZONE))

    def change(self, **changes: Any) -> None:
        self.data["prefs"] = {**self.data.get("prefs", {}), **changes}
        self.do(UpdatePreferences(changes))

    def back_row(self) -> list[Button]:
        return [self.button(Say("settings.button.back"), "back")]

    # --- the summary -----------------------------------------------------------------------

    def on_enter_summary(self) -> None:
        for draft in ("days_draft", "quiet_from"):  # a page left with Back keeps nothing
            self.data.pop(draft, None)
        prefs, time = self.prefs, self.checkin_time
        days = (Say("settings.button.days_all") if len(prefs.checkin_days) == 7
                else Say("settings.button.days_some", {"count": str(len(prefs.checkin_days))}))
        clock = (Say("settings.button.time", {"time": time}) if time
                 else Say("settings.button.time_off"))
        quiet = (Say("settings.button.quiet", {"start": prefs.quiet_start or "",
                                               "end": prefs.quiet_end or ""})
                 if prefs.quiet_start and prefs.quiet_end else Say("settings.button.quiet_off"))
        paused = (Say("settings.button.paused", {"date": _uk_date(prefs.reminders_paused_until)})
                  if self.paused_until() else Say("settings.button.pause"))
        rows = [
            [self.button(days, "days")], [self.button(clock, "time")],
            [self.button(quiet, "quiet_start")],
            [self.button(Say("settings.button.timezone", {"timezone": self.zone}), "timezone")],
            [self.button(Say("settings.button.discreet_on" if prefs.discreet
                             else "settings.button.discreet_off"), "discreet")],
            [self.button(Say("settings.button.plain_on" if prefs.plain_language
                             else "settings.button.plain_off"), "plain")],
            [self.button(Say("settings.button.literal_on" if prefs.no_metaphor
                             else "settings.button.literal_off"), "literal")],
            [self.button(Say("settings.button.timeout",
                             {"minutes": str(prefs.timeout_minutes)}), "timeout")],
            [self.button(paused, "pause")],
            [self.button(Say("settings.button.leave"), "leave"),
             self.button(Say("settings.button.done"), "done")],
        ]
        self.do(Reply(self.note or Say("settings.summary"), tuple(tuple(r) for r in rows)))

    def saved(self, note: Say | None = None) -> None:
        self.note = note or Say("settings.saved")

    def finish(self) -> None:
        self.do(menu_reply())

    def leave_steady(self) -> None:
        self.hand_over("forget")

    # --- check-in days ---------------------------------------------------------------------

    def on_enter_days(self) -> None:
        chosen = self.data.setdefault("days_draft", list(self.prefs.checkin_days))
        buttons = [self.button(Say(key, {"mark": ON if i in chosen else OFF}), f"toggle.{value}")
                   for i, (value, key) in enumerate(DAYS)]
        self.say("settings.ask_days", buttons[:4], buttons[4:],
                 [self.button(Say("settings.button.save_days"), "save"), *self.back_row()])

    def day_exists(self) -> bool:
        return self.arg in dict(DAYS)

    def toggle_day(self) -> None:
        day = [value for value, _ in DAYS].index(self.arg)
        chosen = set(self.data.get("days_draft", self.prefs.checkin_days)) ^ {day}
        self.data["days_draft"] = sorted(chosen)

    def some_day_chosen(self) -> bool:
        if not self.data.get("days_draft", self.prefs.checkin_days):
            self.say("settings.days_none")
            return False
        return True

    def save_days(self) -> None:
        self.change(checkin_days=sorted(self.data.pop("days_draft", self.prefs.checkin_days)))
        self.saved()

    # --- check-in time ---------------------------------------------------------------------

    def on_enter_time(self) -> None:
        self.say("settings.ask_time", self.clock_row(TIME_CHOICES[:2]),
                 self.clock_row(TIME_CHOICES[2:]),
                 [self.button(Say("button.no_daily_checkin"), "pick.none")], self.back_row())

    def clock_row(self, times: tuple[str, ...]) -> list[Button]:
        return [self.button(t, f"pick.{t.replace(':', '')}") for t in times]

    def chosen_clock(self) -> str | None:
        """Return the time typed or pressed as HH:MM, "" for no check-in, None if unreadable."""
        if self.event.kind != "text" and self.arg == "none":
            return ""
        return parse_clock(self.typed if self.event.kind == "text" else self.arg)

    def time_is_valid(self) -> bool:
        if self.chosen_clock() is None:
            self.say("settings.time_invalid")
            return False
        return True

    def save_time(self) -> None:
        chosen = self.chosen_clock() or ""
        self.data["checkin_time"] = chosen
        self.do(UpdateProfile(checkin_time=chosen))
        self.saved(Say("settings.time_saved", {"time": chosen}) if chosen
                   else Say("settings.time_saved_off"))
        if chosen and self.prefs.in_quiet_hours(
                datetime.combine(self.ctx.now.date(), time.fromisoformat(chosen))):
            # The reminder would never come: say so now rather than leave them waiting.
            self.say("settings.time_in_quiet_hours", start=self.prefs.quiet_start or "",
                     end=self.prefs.quiet_end or "")

    # --- quiet hours -----------------------------------------------------------------------

    def on_enter_quiet_start(self) -> None:
        self.say("settings.ask_quiet_start", self.clock_row(QUIET_STARTS),
                 [self.button(Say("settings.button.quiet_none"), "off"), *self.back_row()])

    def on_enter_quiet_end(self) -> None:
        self.say("settings.ask_quiet_end", self.clock_row(QUIET_ENDS), self.back_row(),
                 start=str(self.data.get("quiet_from", "")))

    def quiet_is_valid(self) -> bool:
        if not self.chosen_clock():
            self.say("settings.time_invalid")
            return False
        return True

    def quiet_end_differs(self) -> bool:
        if self.chosen_clock() == self.data.get("quiet_from"):
            self.say("settings.quiet_same")
            return False
        return True

    def keep_quiet_start(self) -> None:
        self.data["quiet_from"] = self.chosen_clock()

    def save_quiet(self) -> None:
        start, end = str(self.data.pop("quiet_from")), self.chosen_clock() or ""
        self.change(quiet_start=start, quiet_end=end)
        self.saved(Say("settings.quiet_saved", {"start": start, "end": end}))

    def quiet_off(self) -> None:
        self.change(quiet_start=None, quiet_end=None)
        self.saved(Say("settings.quiet_saved_off"))

    # --- time zone -------------------------------------------------------------------------

    def on_enter_timezone(self) -> None:
        self.say("settings.ask_timezone",
                 [self.button(Say("settings.button.uk_time"), "uk"), *self.back_row()],
                 timezone=self.zone)

    def zone_is_valid(self) -> bool:
        if parse_zone(self.typed) is None:
            self.say("settings.timezone_invalid")
            return False
        return True

    def save_zone(self) -> None:
        zone = (parse_zone(self.typed) if self.event.kind == "text" else None) or DEFAULT_ZONE
        self.data["timezone"] = zone
        self.do(UpdateProfile(timezone=zone))
        self.saved(Say("settings.timezone_saved", {"timezone": zone}))

    # --- on/off pages ----------------------------------------------------------------------

    def on_off_rows(self) -> tuple[list[Button], list[Button]]:
        return ([self.button(Say("settings.button.turn_on"), "on"),
                 self.button(Say("settings.button.turn_off"), "off")], self.back_row())

    def on_enter_discreet(self) -> None:
        self.say("settings.discreet_now_on" if self.prefs.discreet
                 else "settings.discreet_now_off", *self.on_off_rows())

    def on_enter_plain(self) -> None:
        self.say("settings.plain_now_on" if self.prefs.plain_language
                 else "settings.plain_now_off", *self.on_off_rows())

    def on_enter_literal(self) -> None:
        self.say("settings.literal_now_on" if self.prefs.no_metaphor
                 else "settings.literal_now_off", *self.on_off_rows())

    def switch(self) -> None:
        self.change(**{SWITCHES[self.state.name]: self.event.value == "on"})
        self.saved()

    # --- Time Out length -------------------------------------------------------------------

    def on_enter_timeout(self) -> None:
        lengths = [self.button(Say("settings.button.minutes", {"minutes": str(n)}), f"pick.{n}")
                   for n in TIMEOUT_LENGTHS]
        self.say("settings.ask_timeout", lengths, self.back_row(),
                 minutes=str(self.prefs.timeout_minutes))

    def length_exists(self) -> bool:
        return self.arg in {str(n) for n in TIMEOUT_LENGTHS}

    def save_length(self) -> None:
        self.change(timeout_minutes=int(self.arg))
        self.saved()

    # --- pause reminders -------------------------------------------------------------------

    def paused_until(self) -> str | None:
        """The pause's last day, if it has not already passed (local date)."""
        until = self.prefs.reminders_paused_until
        today = self.ctx.now.astimezone(ZoneInfo(self.zone)).date()
        return until if until and self.prefs.reminders_paused_on(today) else None

    def on_enter_pause(self) -> None:
        choices = [self.button(Say("settings.button.pause_one_day") if n == 1
                               else Say("settings.button.pause_days", {"days": str(n)}),
                               f"pick.{n}") for n in PAUSE_DAYS]
        last = ([self.button(Say("settings.button.resume"), "resume")]
                if self.paused_until() else [])
        self.say("settings.ask_pause", choices, [*last, *self.back_row()])

    def pause_exists(self) -> bool:
        return self.arg in {str(n) for n in PAUSE_DAYS}

    def pause_reminders(self) -> None:
        # The local date, in the person's zone: "7 days" must not shift with UTC or DST.
        today = self.ctx.now.astimezone(ZoneInfo(self.zone)).date()
        until = (today + timedelta(days=int(self.arg))).isoformat()
        self.change(reminders_paused_until=until)
        self.saved(Say("settings.paused", {"date": _uk_date(until)}))

    def resume_reminders(self) -> None:
        self.change(reminders_paused_until=None)
        self.saved(Say("settings.resumed"))


def _uk_date(iso: str | None) -> str:
    """ "2024-07-22" -> "22/07/2024": digits only, so no month names live in code."""
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


FLOW = Flow(NAME, States, TRANSITIONS, Settings, done=States.done)
