"""The planner from facts: appointments, after-session messages, the waiting list, outages."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from content.loader import load_content
from content.phrasebook import Phrasebook
from dialogues.effects import Say
from dialogues.planner import (
    AppointmentFact,
    ParticipantFacts,
    PlanResult,
    appointment_key_prefix,
    plan,
)
from dialogues.preferences import Preferences
from dialogues.proactive import appointment_buttons, feedback_button, more_button, stay_buttons
from tests.unit.test_discreet_everywhere import giveaways

CONTENT = load_content()
BOOK = Phrasebook(CONTENT.locale, CONTENT.resources, CONTENT.overlays)
LONDON = "Europe/London"
NEW_YEAR = datetime(2024, 1, 1, 9, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def person(*appointments: AppointmentFact, status: str = "active",
           joined: datetime = NEW_YEAR, prefs: Preferences | None = None,
           start: date | None = None, checkin: str | None = None) -> ParticipantFacts:
    return ParticipantFacts(7, 700, status, joined, LONDON, start, checkin,
                            prefs or Preferences(), tuple(appointments))


def run(facts: ParticipantFacts, now: datetime, since: datetime | None = None) -> PlanResult:
    return plan(facts, now, programme=CONTENT.programme, waiting=CONTENT.waiting, since=since)


def keys(result: PlanResult) -> list[str]:
    return [m.key for m in result.messages]


def session(at: datetime, appointment_id: int = 3, week: int | None = 2,
            status: str = "scheduled") -> AppointmentFact:
    return AppointmentFact(appointment_id, at, week, status)


# --- appointment reminders ------------------------------------------------------------------

WINTER_SESSION = session(utc(2024, 1, 17, 14))  # 14:00 GMT, Wednesday


def test_the_day_before_reminder_is_due_at_the_same_local_time_the_day_before() -> None:
    facts = person(WINTER_SESSION)

    assert keys(run(facts, utc(2024, 1, 16, 13, 59))) == []
    (message,) = run(facts, utc(2024, 1, 16, 14)).messages

    assert message.key == "appt:3:20240117T1400:24h"
    assert message.text == Say("reminder.appointment_tomorrow", {"time": "14:00"})
    assert message.buttons == appointment_buttons(3)


def test_the_two_hour_reminder_follows_and_replaces_the_day_before_one() -> None:
    (message,) = run(person(WINTER_SESSION), utc(2024, 1, 17, 12)).messages

    assert message.key == "appt:3:20240117T1400:2h"
    assert message.text == Say("reminder.appointment_today", {"time": "14:00"})


def test_next_plan_at_is_the_next_reminder_moment() -> None:
    result = run(person(WINTER_SESSION), utc(2024, 1, 16, 14, 30))

    assert result.next_plan_at == utc(2024, 1, 17, 12)


def test_nothing_at_all_is_planned_for_someone_who_has_left() -> None:
    result = run(person(WINTER_SESSION, status="left"), utc(2024, 1, 17, 12))

    assert result.messages == () and result.next_plan_at is None


@pytest.mark.parametrize(
    ("starts", "day_before", "two_hours"),
    [
        # Sunday 31 March 2024, 10:00 BST (09:00 UTC); the day before was still GMT.
        (utc(2024, 3, 31, 9), utc(2024, 3, 30, 10), utc(2024, 3, 31, 7)),
        # Sunday 27 October 2024, 10:00 GMT (10:00 UTC); the day before was still BST.
        (utc(2024, 10, 27, 10), utc(2024, 10, 26, 9), utc(2024, 10, 27, 8)),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_reminders_keep_local_time_across_a_clock_change(
        starts: datetime, day_before: datetime, two_hours: datetime) -> None:
    facts = person(session(starts))

    assert keys(run(facts, day_before - timedelta(minutes=1))) == []
    assert [k[-4:] for k in keys(run(facts, day_before))] == [":24h"]
    assert run(facts, day_before).messages[0].text.params == {"time": "10:00"}
    assert run(facts, day_before + timedelta(minutes=1)).next_plan_at == two_hours
    assert [k[-3:] for k in keys(run(facts, two_hours))] == [":2h"]


def test_a_moved_appointment_gets_new_keys_and_a_cancelled_one_none() -> None:
    moved = session(utc(2024, 1, 18, 9))
    cancelled = session(utc(2024, 1, 17, 14), status="cancelled")

    assert keys(run(person(moved), utc(2024, 1, 17, 9))) == ["appt:3:20240118T0900:24h"]
    assert keys(run(person(cancelled), utc(2024, 1, 16, 14))) == []
    assert appointment_key_prefix(3) == "appt:3:"


# --- outages ---------------------------------------------------------------------------------


def test_after_an_outage_only_the_latest_meaningful_reminder_goes_out() -> None:
    outage_began = utc(2024, 1, 16, 13)  # before the day-before reminder

    result = run(person(WINTER_SESSION), utc(2024, 1, 17, 13), since=outage_began)

    assert keys(result) == ["appt:3:20240117T1400:2h"]
    assert [(d.key, d.reason) for d in result.dropped] == [
        ("appt:3:20240117T1400:24h", "past_deadline")]  # the 2 h reminder replaced it


def test_a_reminder_late_but_before_the_appointment_is_still_sent() -> None:
    result = run(person(WINTER_SESSION), utc(2024, 1, 17, 13, 59), since=utc(2024, 1, 17, 11))

    assert keys(result) == ["appt:3:20240117T1400:2h"]


def test_a_reminder_after_its_appointment_is_dropped_and_reported_never_sent() -> None:
    result = run(person(WINTER_SESSION), utc(2024, 1, 17, 14, 1), since=utc(2024, 1, 16, 13))

    assert not [k for k in keys(result) if k.startswith("appt:")]
    assert {(d.key, d.reason) for d in result.dropped} == {
        ("appt:3:20240117T1400:24h", "past_deadline"), ("appt:3:20240117T1400:2h",
                                                        "past_deadline")}


def test_drops_reported_before_are_not_reported_again() -> None:
    result = run(person(WINTER_SESSION), utc(2024, 1, 20, 9), since=utc(2024, 1, 19, 9))

    assert result.dropped == ()


def test_missed_check_in_prompts_coalesce_into_the_latest() -> None:
    facts = person(checkin="21:00")
    # Down from 20:00 on the 15th to 22:30 on the 16th: the 16th's prompt is still due.
    result = run(facts, utc(2024, 1, 16, 22, 30), since=utc(2024, 1, 15, 20))

    assert keys(result) == ["checkin:7:2024-01-16"]
    assert ("checkin:7:2024-01-15", "past_deadline") in {(d.key, d.reason) for d in result.dropped}


# --- quiet hours and pause -------------------------------------------------------------------


def test_a_reminder_inside_quiet_hours_waits_for_their_end() -> None:
    early = session(utc(2024, 1, 17, 9))  # 2 h before is 07:00, inside 22:00-07:30
    facts = person(early, prefs=Preferences(quiet_start="22:00", quiet_end="07:30"))

    assert run(facts, utc(2024, 1, 17, 7, 1)).messages == ()
    assert run(facts, utc(2024, 1, 17, 7, 1)).next_plan_at == utc(2024, 1, 17, 7, 30)
    assert keys(run(facts, utc(2024, 1, 17, 7, 30))) == ["appt:3:20240117T0900:2h"]


def test_a_day_before_reminder_pushed_to_the_day_itself_says_today() -> None:
    late = session(utc(2024, 1, 17, 23))  # the day before is 23:00, inside quiet hours
    facts = person(late, prefs=Preferences(quiet_start="22:00", quiet_end="07:00"))

    (message,) = run(facts, utc(2024, 1, 17, 7)).messages

    assert message.key.endswith(":24h") and message.text.key == "reminder.appointment_today"


def test_a_reminder_that_quiet_hours_would_push_past_its_appointment_is_dropped() -> None:
    night = session(utc(2024, 1, 17, 6))  # 2 h before: 04:00; quiet until 07:00
    facts = person(night, prefs=Preferences(quiet_start="22:00", quiet_end="07:00"))

    result = run(facts, utc(2024, 1, 17, 4, 30), since=utc(2024, 1, 17, 3))

    assert result.messages == ()
    assert ("appt:3:20240117T0600:2h", "quiet_hours") in {(d.key, d.reason)
                                                          for d in result.dropped}


def test_a_check_in_time_inside_quiet_hours_is_never_sent() -> None:
    facts = person(checkin="23:00", prefs=Preferences(quiet_start="22:00", quiet_end="07:00"))

    for hour in range(24):
        assert run(facts, utc(2024, 1, 16, hour)).messages == ()


def test_a_late_prompt_is_never_sent_once_quiet_hours_have_begun() -> None:
    # 20:30 is outside quiet hours, but after an outage planning runs again at 21:15.
    facts = person(checkin="20:30", prefs=Preferences(quiet_start="21:00", quiet_end="07:00"))

    (on_time,) = run(facts, utc(2024, 1, 16, 20, 45)).messages
    assert on_time.deadline == utc(2024, 1, 16, 21)  # the outbox drops it unsent after this
    late = run(facts, utc(2024, 1, 16, 21, 15), since=utc(2024, 1, 16, 20, 30))
    assert late.messages == ()
    assert late.next_plan_at == utc(2024, 1, 17, 7)  # the end of quiet hours
    morning = run(facts, utc(2024, 1, 17, 7), since=utc(2024, 1, 16, 21, 15))
    assert [m.key for m in morning.messages] == []  # two hours late: no longer sent
    assert ("checkin:7:2024-01-16", "past_deadline") in {(d.key, d.reason)
                                                         for d in morning.dropped}


def test_nothing_goes_out_while_paused_and_planning_resumes_after() -> None:
    facts = person(WINTER_SESSION, checkin="21:00",
                   prefs=Preferences(reminders_paused_until="2024-01-17"))

    assert run(facts, utc(2024, 1, 16, 14)).messages == ()
    assert run(facts, utc(2024, 1, 17, 12)).messages == ()
    assert run(facts, utc(2024, 1, 17, 21)).messages == ()
    assert [m.key for m in run(facts, utc(2024, 1, 18, 21)).messages
            if m.kind == "checkin"] == ["checkin:7:2024-01-18"]


# --- after a session -------------------------------------------------------------------------


def test_after_an_attended_session_come_feedback_signpost_and_a_practice_nudge() -> None:
    held = session(utc(2024, 1, 17, 14), week=2, status="attended")
    nxt = session(utc(2024, 1, 24, 14), appointment_id=4, week=3)
    facts = person(held, nxt)

    (feedback,) = run(facts, utc(2024, 1, 17, 15)).messages
    assert feedback.key == "appt:3:feedback" and feedback.buttons == feedback_button(3)
    signposts = [m for m in run(facts, utc(2024, 1, 18, 10)).messages if m.kind == "signpost"]
    assert [m.key for m in signposts] == ["appt:3:signpost"]
    week3 = CONTENT.programme.weeks[2]
    assert signposts[0].text == Say("planner.after_session", {"signpost": week3.signpost})
    assert signposts[0].buttons == more_button("week.3")  # the topic of the next session
    nudges = [m for m in run(facts, utc(2024, 1, 20, 18)).messages if m.kind == "practice"]
    assert [(m.key, m.text) for m in nudges] == [("appt:3:practice", Say("reminder.practice"))]


def test_without_discreet_mode_the_topic_and_task_are_in_the_text() -> None:
    held = session(utc(2024, 1, 17, 14), week=2, status="attended")
    facts = person(held, prefs=Preferences(discreet=False))

    (signpost,) = [m for m in run(facts, utc(2024, 1, 18, 10)).messages if m.kind == "signpost"]

    week2, week3 = CONTENT.programme.weeks[1], CONTENT.programme.weeks[2]
    assert signpost.text == Say("planner.after_session_open", {
        "signpost": week3.signpost, "title": week3.title, "task": week2.practice_task})
    assert signpost.buttons == ()


def test_no_feedback_request_for_a_missed_session() -> None:
    missed = session(utc(2024, 1, 17, 14), status="missed")

    assert "appt:3:feedback" not in keys(run(person(missed), utc(2024, 1, 17, 15)))


# --- the waiting list ------------------------------------------------------------------------

JOINED = utc(2024, 5, 6, 15)  # Monday; BST
START = date(2024, 8, 5)


def waiting(prefs: Preferences | None = None) -> ParticipantFacts:
    return person(status="waiting", joined=JOINED, start=START, prefs=prefs)


def test_the_welcome_pack_arrives_in_pieces_over_the_first_week() -> None:
    days = {m.key: m.days_after_invite for m in CONTENT.waiting.messages}
    sent: list[tuple[int, str]] = []
    for day in range(8):
        now = utc(2024, 5, 6, 9) + timedelta(days=day)  # 10:00 BST
        sent += [(day, k) for k in keys(run(waiting(), now)) if k not in {s for _, s in sent}]

    assert sent == sorted((d, f"waiting:7:{k}") for k, d in days.items() if d <= 7)
    assert len(sent) >= 3


def test_a_discreet_waiting_message_keeps_its_details_behind_a_button() -> None:
    (welcome,) = run(waiting(), utc(2024, 5, 6, 9)).messages

    assert welcome.text.key == "planner.waiting"
    assert welcome.buttons == more_button("waiting.welcome")


def test_without_discreet_mode_the_details_are_inline() -> None:
    (welcome,) = run(waiting(Preferences(discreet=False)), utc(2024, 5, 6, 9)).messages

    assert welcome.text.key == "planner.waiting_open" and welcome.buttons == ()


def test_after_the_pack_a_nudge_comes_every_seven_to_ten_days_with_the_start_date() -> None:
    moments = []
    for hour in range(0, 24 * 80, 1):
        now = JOINED + timedelta(hours=hour)
        if now.date() >= START:
            break
        moments += [(now, m) for m in run(waiting(), now).messages
                    if m.kind == "waiting" and m.not_before == now]
    nudges = [(now, m) for now, m in moments if now >= JOINED + timedelta(days=8)]
    gaps = [(b[0] - a[0]).days for a, b in itertools.pairwise(nudges)]

    assert len(nudges) >= 6 and all(7 <= gap <= 10 for gap in gaps), gaps
    assert all(m.text.key == "planner.waiting_nudge" for _, m in nudges)
    assert all(m.text.params["start_date"] == "Monday 5 August" for _, m in nudges)
    assert len({m.key for _, m in nudges}) == len(nudges)


def test_every_four_weeks_comes_the_question_whether_to_stay() -> None:
    now = JOINED.replace(hour=10) + timedelta(days=28)  # 11:00 BST

    stay = [m for m in run(waiting(), now).messages if m.kind == "stay"]

    assert [(m.key, m.text, m.buttons) for m in stay] == [
        ("stay:7:28", Say("reminder.stay"), stay_buttons())]


def test_on_the_start_date_the_participant_becomes_active_and_the_drip_stops() -> None:
    eve = run(waiting(), utc(2024, 8, 4, 22, 59))  # 23:59 BST on the 4th
    assert not eve.activate and eve.next_plan_at == utc(2024, 8, 4, 23)

    day = run(waiting(), utc(2024, 8, 5, 9))

    assert day.activate
    assert [m for m in day.messages if m.kind in ("waiting", "stay")] == []


# --- every text a discreet person gets is neutral in full ------------------------------------


def test_every_message_planned_for_a_discreet_person_is_neutral() -> None:
    weeks = [session(JOINED + timedelta(days=7 * n, hours=3), n + 10, n + 1,
                     "attended" if n < 21 else "scheduled") for n in range(22)]
    memory: dict[str, int] = {}
    rendered = 0
    for facts in (waiting(), person(*weeks, checkin="20:00")):
        for hour in range(0, 24 * 160, 3):
            for message in run(facts, JOINED + timedelta(hours=hour)).messages:
                params = {k: str(v) for k, v in message.text.params.items()}
                text = BOOK.render(message.text.key, params, memory)
                assert giveaways(text) == [], message.key
                rendered += 1

    assert rendered > 200
