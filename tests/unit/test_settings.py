"""The settings flow as a transition table: every page, every change and its effect."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from content.loader import Content
from content.phrasebook import Phrasebook
from dialogues import settings
from dialogues.effects import Effect, Reply, Say, UpdatePreferences, UpdateProfile
from dialogues.errors import StaleButton
from dialogues.events import Kind
from dialogues.flow import Context, Event, FlowState, Library, Outcome, Profile
from dialogues.menu import menu_reply
from dialogues.preferences import Preferences
from dialogues.router import route
from tests.unit.conftest import NOW
from tests.unit.flow_helpers import (
    actions,
    buttons,
    inbound_for,
    press,
    replies,
    reply_keys,
    situation,
    state_name,
    text,
    values,
)

FLOW = settings.FLOW
USER = 4004
inbound = inbound_for(USER)
Make = Callable[..., Context]

SAVED: dict[str, FlowState] = {
    "summary": FlowState("settings", "summary", 10, {}),
    "days": FlowState("settings", "days", 11, {"days_draft": [0, 1, 2, 3, 4, 5, 6]}),
    "time": FlowState("settings", "time", 12, {}),
    "quiet_start": FlowState("settings", "quiet_start", 13, {}),
    "quiet_end": FlowState("settings", "quiet_end", 14, {"quiet_from": "22:00"}),
    "timezone": FlowState("settings", "timezone", 15, {}),
    "discreet": FlowState("settings", "discreet", 16, {}),
    "plain": FlowState("settings", "plain", 17, {}),
    "literal": FlowState("settings", "literal", 18, {}),
    "timeout": FlowState("settings", "timeout", 19, {}),
    "pause": FlowState("settings", "pause", 20, {}),
}
PROMPT = {
    "summary": "settings.summary",
    "days": "settings.ask_days",
    "time": "settings.ask_time",
    "quiet_start": "settings.ask_quiet_start",
    "quiet_end": "settings.ask_quiet_end",
    "timezone": "settings.ask_timezone",
    "discreet": "settings.discreet_now_on",
    "plain": "settings.plain_now_off",
    "literal": "settings.literal_now_off",
    "timeout": "settings.ask_timeout",
    "pause": "settings.ask_pause",
}
BUTTON_ONLY = ("summary", "days", "discreet", "plain", "literal", "timeout", "pause")
PAGES = [name for name in SAVED if name not in ("summary", "quiet_end")]


@pytest.fixture
def ctx(library: Library) -> Make:
    """``ctx(prefs={...}, checkin_time=..., timezone=..., now=...)``."""

    def make(*, now: datetime = NOW, prefs: Mapping[str, Any] | None = None,
             checkin_time: str | None = "21:00", timezone: str = "Europe/London") -> Context:
        profile = Profile(preferred_name="Sam", checkin_time=checkin_time, timezone=timezone,
                          preferences=Preferences.from_dict(prefs))
        return Context(now, library, profile)

    return make


def labels(outcome: Outcome) -> dict[str, Say | str]:
    """The summary's buttons: {button value: label}."""
    return {b.data.split(":", 2)[2]: b.label for b in buttons(outcome)}


def prefs(**changes: Any) -> UpdatePreferences:
    return UpdatePreferences(changes)


# --- beginning: the summary is the keyboard ---------------------------------------------------


def test_settings_begins_with_a_summary_of_every_setting(ctx: Make) -> None:
    outcome = route(situation(None, step=3), inbound(Kind.COMMAND, "/settings"), ctx())

    assert outcome.state == FlowState("settings", "summary", 4, {})
    assert reply_keys(outcome) == ["settings.summary"]
    assert actions(outcome) == []
    assert labels(outcome) == {
        "days": Say("settings.button.days_all"),
        "time": Say("settings.button.time", {"time": "21:00"}),
        "quiet_start": Say("settings.button.quiet_off"),
        "timezone": Say("settings.button.timezone", {"timezone": "Europe/London"}),
        "discreet": Say("settings.button.discreet_on"),
        "plain": Say("settings.button.plain_off"),
        "literal": Say("settings.button.literal_off"),
        "timeout": Say("settings.button.timeout", {"minutes": "30"}),
        "pause": Say("settings.button.pause"),
        "leave": Say("settings.button.leave"),
        "done": Say("settings.button.done"),
    }
    assert all(b.data.startswith("settings:4:") for b in buttons(outcome))


def test_the_menu_settings_button_opens_settings(ctx: Make) -> None:
    outcome = route(situation(None, step=3), inbound(Kind.BUTTON, "m:0:settings"), ctx())

    assert state_name(outcome) == "summary"


def test_the_summary_shows_the_saved_values(ctx: Make) -> None:
    saved = {"checkin_days": [0, 2, 4], "quiet_start": "22:00", "quiet_end": "07:00",
             "discreet": False, "plain_language": True, "no_metaphor": True,
             "timeout_minutes": 60, "reminders_paused_until": "2024-07-20"}

    outcome = FLOW.begin(ctx(prefs=saved, checkin_time=None, timezone="Europe/Dublin"),
                         text("/settings"), 3)

    assert labels(outcome) | {"leave": "", "done": ""} == {
        "days": Say("settings.button.days_some", {"count": "3"}),
        "time": Say("settings.button.time_off"),
        "quiet_start": Say("settings.button.quiet", {"start": "22:00", "end": "07:00"}),
        "timezone": Say("settings.button.timezone", {"timezone": "Europe/Dublin"}),
        "discreet": Say("settings.button.discreet_off"),
        "plain": Say("settings.button.plain_on"),
        "literal": Say("settings.button.literal_on"),
        "timeout": Say("settings.button.timeout", {"minutes": "60"}),
        "pause": Say("settings.button.paused", {"date": "20/07/2024"}),
        "leave": "", "done": "",
    }


def test_a_pause_that_has_ended_is_not_shown(ctx: Make) -> None:
    outcome = FLOW.begin(ctx(prefs={"reminders_paused_until": "2024-07-14"}), text("/s"), 3)

    assert labels(outcome)["pause"] == Say("settings.button.pause")


# --- the transition table -------------------------------------------------------------------

OPEN_PAGES: list[Any] = [
    pytest.param("summary", press(page), page, [], [PROMPT[page]], id=f"open-{page}")
    for page in PAGES
]

VALID: list[Any] = [
    *OPEN_PAGES,
    *(pytest.param(page, press("back"), "summary", [], ["settings.summary"], id=f"back-{page}")
      for page in [*PAGES, "quiet_end"]),
    pytest.param("days", press("toggle.sat"), "days", [], ["settings.ask_days"], id="toggle"),
    pytest.param("days", press("save"), "summary", [prefs(checkin_days=[0, 1, 2, 3, 4, 5, 6])],
                 ["settings.saved"], id="save-days"),
    pytest.param("time", press("pick.0800"), "summary", [UpdateProfile(checkin_time="08:00")],
                 ["settings.time_saved"], id="time-button"),
    pytest.param("time", text("7.30pm"), "summary", [UpdateProfile(checkin_time="19:30")],
                 ["settings.time_saved"], id="time-typed"),
    pytest.param("time", press("pick.none"), "summary", [UpdateProfile(checkin_time="")],
                 ["settings.time_saved_off"], id="time-off"),
    pytest.param("quiet_start", press("pick.2200"), "quiet_end", [], ["settings.ask_quiet_end"],
                 id="quiet-start-button"),
    pytest.param("quiet_start", text("11pm"), "quiet_end", [], ["settings.ask_quiet_end"],
                 id="quiet-start-typed"),
    pytest.param("quiet_start", press("off"), "summary", [prefs(quiet_start=None, quiet_end=None)],
                 ["settings.quiet_saved_off"], id="quiet-off"),
    pytest.param("quiet_end", press("pick.0700"), "summary",
                 [prefs(quiet_start="22:00", quiet_end="07:00")], ["settings.quiet_saved"],
                 id="quiet-end-button"),
    pytest.param("quiet_end", text("6.30am"), "summary",
                 [prefs(quiet_start="22:00", quiet_end="06:30")], ["settings.quiet_saved"],
                 id="quiet-end-typed"),
    pytest.param("timezone", text("Europe/Paris"), "summary",
                 [UpdateProfile(timezone="Europe/Paris")], ["settings.timezone_saved"],
                 id="zone-typed"),
    pytest.param("timezone", text("  america/new_york "), "summary",
                 [UpdateProfile(timezone="America/New_York")], ["settings.timezone_saved"],
                 id="zone-any-case"),
    pytest.param("timezone", text("America/New York"), "summary",
                 [UpdateProfile(timezone="America/New_York")], ["settings.timezone_saved"],
                 id="zone-with-space"),
    *(pytest.param("timezone", text(uk), "summary", [UpdateProfile(timezone="Europe/London")],
                   ["settings.timezone_saved"], id=f"zone-{uk}")
      for uk in ("uk", "UK", "London", "gmt", "BST", "England", "Scotland", "Wales")),
    pytest.param("timezone", press("uk"), "summary", [UpdateProfile(timezone="Europe/London")],
                 ["settings.timezone_saved"], id="zone-uk-button"),
    pytest.param("discreet", press("off"), "summary", [prefs(discreet=False)],
                 ["settings.saved"], id="discreet-off"),
    pytest.param("discreet", press("on"), "summary", [prefs(discreet=True)],
                 ["settings.saved"], id="discreet-on"),
    pytest.param("plain", press("on"), "summary", [prefs(plain_language=True)],
                 ["settings.saved"], id="plain-on"),
    pytest.param("plain", press("off"), "summary", [prefs(plain_language=False)],
                 ["settings.saved"], id="plain-off"),
    pytest.param("literal", press("on"), "summary", [prefs(no_metaphor=True)],
                 ["settings.saved"], id="literal-on"),
    pytest.param("literal", press("off"), "summary", [prefs(no_metaphor=False)],
                 ["settings.saved"], id="literal-off"),
    *(pytest.param("timeout", press(f"pick.{n}"), "summary", [prefs(timeout_minutes=n)],
                   ["settings.saved"], id=f"timeout-{n}") for n in (20, 30, 60)),
    # NOW is 19:00 on Monday 15 July 2024 in London
    *(pytest.param("pause", press(f"pick.{n}"), "summary",
                   [prefs(reminders_paused_until=until)], ["settings.paused"], id=f"pause-{n}")
      for n, until in ((1, "2024-07-16"), (3, "2024-07-18"), (7, "2024-07-22"),
                       (14, "2024-07-29"))),
    pytest.param("pause", press("resume"), "summary", [prefs(reminders_paused_until=None)],
                 ["settings.resumed"], id="resume"),
    pytest.param("summary", press("done"), None, [], ["menu.prompt"], id="done"),
]


@pytest.mark.parametrize(("state", "event", "next_state", "effects", "reply_key_list"), VALID)
def test_each_valid_input_moves_to_the_expected_step_with_its_effects(
    ctx: Make, state: str, event: Event, next_state: str | None, effects: list[Effect],
    reply_key_list: list[str],
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, ctx(), event)

    assert state_name(outcome) == next_state
    assert actions(outcome) == effects
    assert reply_keys(outcome) == reply_key_list
    if outcome.state is not None:
        assert outcome.state.step == saved.step + 1
        assert all(b.data.startswith(f"settings:{saved.step + 1}:") for b in buttons(outcome))


def test_done_returns_to_the_menu(ctx: Make) -> None:
    outcome = FLOW.handle(SAVED["summary"], ctx(), press("done"))

    assert outcome == Outcome(None, (menu_reply(),))


def test_confirmations_carry_the_new_value(ctx: Make) -> None:
    quiet = FLOW.handle(SAVED["quiet_end"], ctx(), press("pick.0700"))
    zone = FLOW.handle(SAVED["timezone"], ctx(), text("europe/dublin"))
    pause = FLOW.handle(SAVED["pause"], ctx(), press("pick.7"))
    time = FLOW.handle(SAVED["time"], ctx(), text("noon"))

    assert replies(quiet)[0].text == Say("settings.quiet_saved", {"start": "22:00",
                                                                   "end": "07:00"})
    assert replies(zone)[0].text == Say("settings.timezone_saved", {"timezone": "Europe/Dublin"})
    assert replies(pause)[0].text == Say("settings.paused", {"date": "22/07/2024"})
    assert replies(time)[0].text == Say("settings.time_saved", {"time": "12:00"})


# --- the summary is right before the shell has applied anything ------------------------------

AFTER_CHANGE = [
    ("discreet", press("off"), "discreet", Say("settings.button.discreet_off")),
    ("plain", press("on"), "plain", Say("settings.button.plain_on")),
    ("literal", press("on"), "literal", Say("settings.button.literal_on")),
    ("timeout", press("pick.60"), "timeout", Say("settings.button.timeout", {"minutes": "60"})),
    ("time", press("pick.none"), "time", Say("settings.button.time_off")),
    ("time", text("6am"), "time", Say("settings.button.time", {"time": "06:00"})),
    ("timezone", text("Asia/Tokyo"), "timezone",
     Say("settings.button.timezone", {"timezone": "Asia/Tokyo"})),
    ("quiet_end", press("pick.0600"), "quiet_start",
     Say("settings.button.quiet", {"start": "22:00", "end": "06:00"})),
    ("quiet_start", press("off"), "quiet_start", Say("settings.button.quiet_off")),
    ("pause", press("pick.3"), "pause", Say("settings.button.paused", {"date": "18/07/2024"})),
]


@pytest.mark.parametrize(("state", "event", "item", "label"), AFTER_CHANGE)
def test_the_summary_after_a_change_already_shows_it(
    ctx: Make, state: str, event: Event, item: str, label: Say
) -> None:
    outcome = FLOW.handle(SAVED[state], ctx(prefs={"quiet_start": "21:00", "quiet_end": "08:00"}),
                          event)

    assert labels(outcome)[item] == label


def test_changes_build_up_across_the_conversation(ctx: Make) -> None:
    first = FLOW.handle(SAVED["discreet"], ctx(), press("off"))
    assert first.state is not None
    second = FLOW.handle(first.state, ctx(), press("plain"))
    assert second.state is not None
    third = FLOW.handle(second.state, ctx(), press("on"))

    assert third.state is not None
    assert third.state.data["prefs"] == {"discreet": False, "plain_language": True}
    assert labels(third)["discreet"] == Say("settings.button.discreet_off")
    assert labels(third)["plain"] == Say("settings.button.plain_on")


# --- each page ------------------------------------------------------------------------------


def test_the_days_page_marks_each_chosen_day(ctx: Make) -> None:
    outcome = FLOW.handle(SAVED["summary"], ctx(prefs={"checkin_days": [0, 6]}), press("days"))

    assert values(outcome) == ["toggle.mon", "toggle.tue", "toggle.wed", "toggle.thu",
                               "toggle.fri", "toggle.sat", "toggle.sun", "save", "back"]
    marks = [b.label.params["mark"] for b in buttons(outcome)[:7] if isinstance(b.label, Say)]
    assert marks == [settings.ON] + [settings.OFF] * 5 + [settings.ON]


def test_toggling_days_then_saving_stores_the_chosen_days(ctx: Make) -> None:
    outcome = FLOW.handle(SAVED["summary"], ctx(), press("days"))
    for day in ("sat", "sun", "wed", "sun"):
        assert outcome.state is not None
        outcome = FLOW.handle(outcome.state, ctx(), press(f"toggle.{day}"))
    assert outcome.state is not None

    saved = FLOW.handle(outcome.state, ctx(), press("save"))

    assert actions(saved) == [prefs(checkin_days=[0, 1, 3, 4, 6])]
    assert labels(saved)["days"] == Say("settings.button.days_some", {"count": "5"})
    assert saved.state is not None
    assert "days_draft" not in saved.state.data


def test_no_days_at_all_is_refused_with_the_way_to_stop_checkins(ctx: Make) -> None:
    saved = FlowState("settings", "days", 11, {"days_draft": []})

    outcome = FLOW.handle(saved, ctx(), press("save"))

    assert state_name(outcome) == "days"
    assert reply_keys(outcome) == ["settings.days_none", "settings.ask_days"]
    assert actions(outcome) == []


def test_back_from_the_days_page_forgets_the_unsaved_toggles(ctx: Make) -> None:
    toggled = FLOW.handle(SAVED["days"], ctx(), press("toggle.mon"))
    assert toggled.state is not None
    back = FLOW.handle(toggled.state, ctx(), press("back"))
    assert back.state is not None

    again = FLOW.handle(back.state, ctx(), press("days"))

    assert actions(back) == []
    marks = [b.label.params["mark"] for b in buttons(again)[:7] if isinstance(b.label, Say)]
    assert marks == [settings.ON] * 7


@pytest.mark.parametrize("typed", ["soon", "25:00", "", "7.75pm"])
def test_a_time_that_is_not_a_time_is_asked_again(ctx: Make, typed: str) -> None:
    outcome = FLOW.handle(SAVED["time"], ctx(), text(typed))

    assert state_name(outcome) == "time"
    assert reply_keys(outcome) == ["settings.time_invalid", "settings.ask_time"]
    assert actions(outcome) == []


@pytest.mark.parametrize("state", ["quiet_start", "quiet_end"])
@pytest.mark.parametrize("event", [text("late"), press("pick.none"), press("pick.2599")],
                         ids=["typed", "no-time-button", "bad-button"])
def test_a_quiet_hour_that_is_not_a_time_is_asked_again(
    ctx: Make, state: str, event: Event
) -> None:
    outcome = FLOW.handle(SAVED[state], ctx(), event)

    assert state_name(outcome) == state
    assert reply_keys(outcome) == ["settings.time_invalid", PROMPT[state]]


def test_quiet_hours_must_start_and_end_at_different_times(ctx: Make) -> None:
    outcome = FLOW.handle(SAVED["quiet_end"], ctx(), text("10pm"))

    assert state_name(outcome) == "quiet_end"
    assert reply_keys(outcome) == ["settings.quiet_same", "settings.ask_quiet_end"]
    assert actions(outcome) == []


def test_the_quiet_hours_pages_explain_them_and_remember_the_start(ctx: Make) -> None:
    start = FLOW.handle(SAVED["summary"], ctx(), press("quiet_start"))
    end = FLOW.handle(SAVED["quiet_start"], ctx(), press("pick.2300"))

    assert values(start) == ["pick.2100", "pick.2200", "pick.2300", "off", "back"]
    assert replies(end)[0].text == Say("settings.ask_quiet_end", {"start": "23:00"})
    assert end.state is not None
    assert end.state.data == {"quiet_from": "23:00"}


@pytest.mark.parametrize("typed", ["Mars/Olympus", "Europe", "London/UK", "", "GMT+1", "CET2"])
def test_an_unknown_time_zone_is_asked_again(ctx: Make, typed: str) -> None:
    outcome = FLOW.handle(SAVED["timezone"], ctx(), text(typed))

    assert state_name(outcome) == "timezone"
    assert reply_keys(outcome) == ["settings.timezone_invalid", "settings.ask_timezone"]
    assert actions(outcome) == []


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("gmt", "Europe/London"), ("Europe/London", "Europe/London"), ("utc", "UTC"),
     ("europe/belfast", "Europe/Belfast"), ("Australia/Sydney", "Australia/Sydney")],
)
def test_parse_zone_reads_iana_names_and_uk_ways_of_saying_it(typed: str, zone: str) -> None:
    assert settings.parse_zone(typed) == zone


def test_gmt_means_uk_time_with_summer_time_not_a_fixed_offset() -> None:
    zone = settings.parse_zone("GMT")
    assert zone is not None
    summer = datetime(2024, 7, 1, 12, tzinfo=UTC).astimezone(ZoneInfo(zone))

    assert summer.hour == 13


@pytest.mark.parametrize(("state", "on", "off"), [
    ("discreet", "settings.discreet_now_on", "settings.discreet_now_off"),
    ("plain", "settings.plain_now_on", "settings.plain_now_off"),
    ("literal", "settings.literal_now_on", "settings.literal_now_off"),
])
def test_each_switch_page_says_whether_it_is_on_now(
    ctx: Make, state: str, on: str, off: str
) -> None:
    switch = {"discreet": "discreet", "plain": "plain_language", "literal": "no_metaphor"}[state]

    when_on = FLOW.handle(SAVED["summary"], ctx(prefs={switch: True}), press(state))
    when_off = FLOW.handle(SAVED["summary"], ctx(prefs={switch: False}), press(state))

    assert reply_keys(when_on) == [on]
    assert reply_keys(when_off) == [off]
    assert values(when_on) == ["on", "off", "back"]


def test_the_timeout_page_offers_the_three_lengths(ctx: Make) -> None:
    outcome = FLOW.handle(SAVED["summary"], ctx(prefs={"timeout_minutes": 20}), press("timeout"))

    assert values(outcome) == ["pick.20", "pick.30", "pick.60", "back"]
    assert replies(outcome)[0].text.params == {"minutes": "20"}


@pytest.mark.parametrize(("state", "value"), [("timeout", "pick.45"), ("pause", "pick.2")])
def test_a_length_that_is_not_offered_changes_nothing(ctx: Make, state: str, value: str) -> None:
    outcome = FLOW.handle(SAVED[state], ctx(), press(value))

    assert state_name(outcome) == state
    assert actions(outcome) == []
    assert reply_keys(outcome) == [PROMPT[state]]


def test_resume_is_offered_only_while_reminders_are_paused(ctx: Make) -> None:
    paused = FLOW.handle(SAVED["summary"], ctx(prefs={"reminders_paused_until": "2024-07-16"}),
                         press("pause"))
    running = FLOW.handle(SAVED["summary"], ctx(), press("pause"))

    assert values(paused) == ["pick.1", "pick.3", "pick.7", "pick.14", "resume", "back"]
    assert values(running) == ["pick.1", "pick.3", "pick.7", "pick.14", "back"]


# --- pausing reminders counts days in the person's own time zone -----------------------------

PAUSE_DATES = [
    # 00:30 BST on the morning the clocks go back, while it is still the 26th in UTC
    ("Europe/London", datetime(2024, 10, 26, 23, 30, tzinfo=UTC), 1, "2024-10-28"),
    ("Europe/London", datetime(2024, 10, 26, 23, 30, tzinfo=UTC), 7, "2024-11-03"),
    # 23:30 GMT the night before the clocks go forward: still the 30th locally
    ("Europe/London", datetime(2024, 3, 30, 23, 30, tzinfo=UTC), 1, "2024-03-31"),
    # 23:30 EST on 9 March, the night New York moves to summer time; already the 10th in UTC
    ("America/New_York", datetime(2024, 3, 10, 4, 30, tzinfo=UTC), 1, "2024-03-10"),
    ("America/New_York", datetime(2024, 3, 10, 4, 30, tzinfo=UTC), 14, "2024-03-23"),
    # 00:30 in Sydney on the night summer time ends there: a day ahead of UTC
    ("Australia/Sydney", datetime(2024, 4, 6, 13, 30, tzinfo=UTC), 3, "2024-04-10"),
]


@pytest.mark.parametrize(("zone", "now", "days", "until"), PAUSE_DATES)
def test_the_pause_ends_on_a_local_date_across_clock_changes(
    ctx: Make, zone: str, now: datetime, days: int, until: str
) -> None:
    outcome = FLOW.handle(SAVED["pause"], ctx(now=now, timezone=zone), press(f"pick.{days}"))

    assert actions(outcome) == [prefs(reminders_paused_until=until)]
    paused = Preferences().updated({"reminders_paused_until": until})
    today = now.astimezone(ZoneInfo(zone)).date()
    assert paused.reminders_paused_on(today)
    assert not paused.reminders_paused_on(today + timedelta(days=days + 1))


def test_the_pause_uses_a_time_zone_changed_earlier_in_the_conversation(ctx: Make) -> None:
    now = datetime(2024, 3, 10, 4, 30, tzinfo=UTC)  # 9 March in New York, 10 March in London
    zoned = FLOW.handle(SAVED["timezone"], ctx(now=now), text("America/New_York"))
    assert zoned.state is not None
    paging = FLOW.handle(zoned.state, ctx(now=now), press("pause"))
    assert paging.state is not None

    outcome = FLOW.handle(paging.state, ctx(now=now), press("pick.1"))

    assert actions(outcome) == [prefs(reminders_paused_until="2024-03-10")]


# --- input a page cannot use ------------------------------------------------------------------


@pytest.mark.parametrize("state", BUTTON_ONLY)
def test_typing_where_a_button_is_needed_asks_for_the_buttons_and_repeats_the_step(
    ctx: Make, state: str
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, ctx(), text("whatever"))

    assert outcome.state == FlowState("settings", state, saved.step + 1, saved.data)
    assert reply_keys(outcome) == ["common.use_buttons", PROMPT[state]]
    assert actions(outcome) == []


STALE_VALUES = [
    ("summary", "on"), ("summary", "back"), ("summary", "pick.20"), ("summary", "begin"),
    ("summary", "quiet_end"), ("days", "toggle.xyz"), ("days", "done"), ("days", "pick.1"),
    ("time", "on"), ("time", "save"), ("quiet_start", "on"), ("quiet_end", "off"),
    ("timezone", "pick.0800"), ("discreet", "pick.1"), ("plain", "uk"), ("literal", "done"),
    ("timeout", "resume"), ("pause", "on"), ("pause", "leave"),
]


@pytest.mark.parametrize(("state", "value"), STALE_VALUES)
def test_a_button_that_does_not_belong_to_the_page_is_stale(
    ctx: Make, state: str, value: str
) -> None:
    saved = SAVED[state]
    if value == "toggle.xyz":  # a known trigger with an unknown day: asked again, not stale
        outcome = FLOW.handle(saved, ctx(), press(value))
        assert (state_name(outcome), actions(outcome)) == ("days", [])
        return
    with pytest.raises(StaleButton):
        FLOW.handle(saved, ctx(), press(value))


# --- through the router: leaving, cancelling, handing over ------------------------------------


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_menu_ends_settings_with_the_menu(ctx: Make, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/menu"), ctx())

    assert outcome == Outcome(None, (menu_reply(),))


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_cancel_ends_settings_with_the_menu(ctx: Make, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/cancel"), ctx())

    assert outcome == Outcome(None, (Reply(Say("common.cancelled")), menu_reply()))


@pytest.mark.parametrize("state", list(SAVED))
def test_a_press_from_an_earlier_step_is_stale(ctx: Make, state: str) -> None:
    saved = SAVED[state]

    with pytest.raises(StaleButton):
        route(situation(saved), inbound(Kind.BUTTON, f"settings:{saved.step - 1}:back"), ctx())


def test_leave_steady_hands_over_to_forget_me(ctx: Make) -> None:
    saved = SAVED["summary"]

    outcome = route(situation(saved), inbound(Kind.BUTTON, "settings:10:leave"), ctx())

    assert outcome.state == FlowState("forget", "explain", 11, {})
    assert reply_keys(outcome) == ["forget.explain"]
    assert actions(outcome) == []


def test_typed_text_on_a_typing_page_reaches_settings(ctx: Make) -> None:
    outcome = route(situation(SAVED["timezone"]), inbound(Kind.TEXT, "Europe/Rome"), ctx())

    assert actions(outcome) == [UpdateProfile(timezone="Europe/Rome")]


# --- restarts: all memory lives in FlowState --------------------------------------------------


def _reload(saved: FlowState) -> FlowState:
    """Round-trip through JSON as the conversation table would store it."""
    row = json.dumps({"flow": saved.flow, "state": saved.state, "step": saved.step,
                      "data": dict(saved.data)})
    return FlowState(**json.loads(row))


def _press_shown(outcome: Outcome, value: str) -> str:
    matches = [b.data for b in buttons(outcome) if b.data.endswith(f":{value}")]
    assert len(matches) == 1, f"{value} not offered"
    return matches[0]


SCRIPT = [(Kind.BUTTON, "days"), (Kind.BUTTON, "toggle.sun"), (Kind.BUTTON, "toggle.sat"),
          (Kind.BUTTON, "save"), (Kind.BUTTON, "quiet_start"), (Kind.TEXT, "10.30pm"),
          (Kind.BUTTON, "pick.0700"), (Kind.BUTTON, "timezone"), (Kind.TEXT, "Europe/Dublin"),
          (Kind.BUTTON, "discreet"), (Kind.BUTTON, "off"), (Kind.BUTTON, "pause"),
          (Kind.BUTTON, "pick.3"), (Kind.BUTTON, "done")]


def _walk(ctx: Make, restart: bool) -> list[Outcome]:
    outcome = route(situation(None, step=20), inbound(Kind.COMMAND, "/settings", 1), ctx())
    seen = [outcome]
    for update_id, (kind, value) in enumerate(SCRIPT, start=2):
        assert outcome.state is not None
        saved = _reload(outcome.state) if restart else outcome.state
        payload = _press_shown(outcome, value) if kind is Kind.BUTTON else value
        outcome = route(situation(saved), inbound(kind, payload, update_id), ctx())
        seen.append(outcome)
    return seen


def test_a_restart_between_every_step_changes_nothing(ctx: Make) -> None:
    without = _walk(ctx, restart=False)
    with_restarts = _walk(ctx, restart=True)

    assert with_restarts == without
    assert without[-1].state is None
    assert [a for o in without for a in actions(o)] == [
        prefs(checkin_days=[0, 1, 2, 3, 4]),
        prefs(quiet_start="22:30", quiet_end="07:00"),
        UpdateProfile(timezone="Europe/Dublin"),
        prefs(discreet=False),
        prefs(reminders_paused_until="2024-07-18"),
    ]


@pytest.mark.parametrize("state", list(SAVED))
def test_resuming_after_a_restart_asks_the_same_page_again(ctx: Make, state: str) -> None:
    saved = _reload(SAVED[state])

    outcome = route(situation(saved), inbound(Kind.COMMAND, "/resume"), ctx())

    assert outcome.state == FlowState("settings", state, saved.step + 1, saved.data)
    assert reply_keys(outcome) == [PROMPT[state]]
    assert actions(outcome) == []


def test_a_half_made_choice_survives_a_restart(ctx: Make) -> None:
    toggled = FLOW.handle(SAVED["days"], ctx(), press("toggle.wed"))
    assert toggled.state is not None

    saved = FLOW.handle(_reload(toggled.state), ctx(), press("save"))

    assert actions(saved) == [prefs(checkin_days=[0, 1, 3, 4, 5, 6])]


def test_the_machine_holds_no_model_between_events(ctx: Make) -> None:
    FLOW.handle(SAVED["days"], ctx(), press("toggle.mon"))
    FLOW.handle(SAVED["days"], ctx(), press("save"))

    assert FLOW.machine.models == []


# --- wording ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["settings.summary", "settings.saved", "settings.ask_days"])
def test_consecutive_uses_do_not_repeat_a_prompt_word_for_word(
    content: Content, key: str
) -> None:
    book = Phrasebook(content.locale, content.resources)
    memory: dict[str, int] = {}

    said = [book.render(key, {}, memory) for _ in range(4)]

    assert all(a != b for a, b in itertools.pairwise(said))


def test_toggling_days_rotates_the_days_prompt(ctx: Make, content: Content) -> None:
    book = Phrasebook(content.locale, content.resources)
    memory: dict[str, int] = {}
    outcome = FLOW.handle(SAVED["summary"], ctx(), press("days"))
    said = [book.render("settings.ask_days", {}, memory)]
    for day in ("mon", "tue"):
        assert outcome.state is not None
        outcome = FLOW.handle(outcome.state, ctx(), press(f"toggle.{day}"))
        prompt = replies(outcome)[0].text
        said.append(book.render(prompt.key, prompt.params, memory))

    assert said[0] != said[1] != said[2]


def test_every_label_and_prompt_renders(ctx: Make, content: Content) -> None:
    book = Phrasebook(content.locale, content.resources)
    outcomes = [FLOW.begin(ctx(prefs={"reminders_paused_until": "2024-07-20",
                                      "quiet_start": "22:00", "quiet_end": "07:00"}),
                           text("/settings"), 1)]
    outcomes += [FLOW.handle(SAVED["summary"], ctx(), press(page)) for page in PAGES]
    outcomes += [FLOW.handle(SAVED["quiet_start"], ctx(), press("pick.2200"))]

    for outcome in outcomes:
        for reply in replies(outcome):
            assert "{" not in book.render(reply.text.key, reply.text.params)
        for button in buttons(outcome):
            if isinstance(button.label, Say):
                assert "{" not in book.render(button.label.key, button.label.params)


def test_a_checkin_time_inside_quiet_hours_is_saved_with_a_warning(ctx: Make) -> None:
    quiet = {"quiet_start": "22:00", "quiet_end": "07:00"}
    outcome = FLOW.handle(SAVED["time"], ctx(prefs=quiet), text("23:30"))

    assert "settings.time_in_quiet_hours" in reply_keys(outcome)


def test_a_checkin_time_outside_quiet_hours_gets_no_warning(ctx: Make) -> None:
    quiet = {"quiet_start": "22:00", "quiet_end": "07:00"}
    outcome = FLOW.handle(SAVED["time"], ctx(prefs=quiet), text("21:00"))

    assert "settings.time_in_quiet_hours" not in reply_keys(outcome)
