"""Answers to proactive messages, as pure flows: reminders, "still taking part", feedback, more.

Each press arrives as the menu-type button a proactive message carries (``m:0:<cmd>.<arg>``)
and goes through the router, so the registration is tested with the flow.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from content.loader import Content
from content.schema import WeekWording
from dialogues import appointment_answer, feedback, reveal
from dialogues.answer_checks import MAX_TYPED
from dialogues.effects import (
    AskFacilitator,
    RecordAppointmentResponse,
    Reply,
    SaveSessionFeedback,
    Say,
)
from dialogues.errors import StaleButton
from dialogues.events import Kind
from dialogues.flow import AppointmentFacts, Context, FlowState, Library, Outcome, Profile
from dialogues.preferences import Preferences
from dialogues.proactive import appointment_buttons, feedback_button, more_button, stay_buttons
from dialogues.router import route
from tests.unit.conftest import NOW
from tests.unit.flow_helpers import actions, inbound_for, reply_keys, situation, state_name, values

ME = 4242
inbound = inbound_for(ME)
# NOW is 18:00 UTC on Monday 15 July 2024: 19:00 in London (BST).
TOMORROW = NOW + timedelta(days=1)  # Tuesday 16 July, 19:00 in London
UPCOMING = AppointmentFacts(11, TOMORROW, "scheduled")
PAST = AppointmentFacts(12, NOW - timedelta(minutes=1), "scheduled")
CANCELLED = AppointmentFacts(13, TOMORROW, "cancelled")
ATTENDED = AppointmentFacts(14, NOW - timedelta(days=1), "attended")
ANSWERED = AppointmentFacts(15, NOW - timedelta(days=8), "attended", feedback_given=True)
MISSED = AppointmentFacts(16, NOW - timedelta(days=1), "missed")
MINE = (UPCOMING, PAST, CANCELLED, ATTENDED, ANSWERED, MISSED)


@pytest.fixture
def library_all(content: Content) -> Library:
    return Library(content.palette, content.programme, content.resources, content.waiting)


@pytest.fixture
def actx(library_all: Library) -> Context:
    return Context(NOW, library_all, Profile(appointments=MINE, has_facilitator=True))


def press_menu(data: str, ctx: Context, saved: FlowState | None = None,
               update_id: int = 50) -> Outcome:
    return route(situation(saved), inbound(Kind.BUTTON, data, update_id), ctx)


def press_flow(saved: FlowState, value: str, ctx: Context) -> Outcome:
    return route(situation(saved), inbound(Kind.BUTTON, f"{saved.flow}:{saved.step}:{value}"),
                 ctx)


def typed(saved: FlowState, words: str, ctx: Context) -> Outcome:
    return route(situation(saved), inbound(Kind.TEXT, words), ctx)


def data_of(keyboard: tuple[tuple[object, ...], ...], index: int = 0) -> str:
    return [b.data for row in keyboard for b in row][index]  # type: ignore[attr-defined]


def notes(outcome: Outcome) -> list[AskFacilitator]:
    return [e for e in outcome.effects if isinstance(e, AskFacilitator)]


# --- appointment reminders -------------------------------------------------------------------

def test_ill_be_there_records_attending_and_thanks_with_the_local_time(actx: Context) -> None:
    outcome = press_menu(data_of(appointment_buttons(11), 0), actx)

    assert actions(outcome) == [RecordAppointmentResponse(11, "attending", NOW)]
    reply = outcome.effects[-1]
    assert isinstance(reply, Reply) and reply.text.key == "answers.attending_thanks"
    assert reply.text.params == {"date": "Tuesday 16 July", "time": "19:00"}
    assert outcome.state is None


def test_ill_be_there_mid_flow_leaves_the_other_flow_where_it_was(actx: Context) -> None:
    journal = FlowState("journal", "writing", 4, {"parts": ["so far"]})

    outcome = press_menu(data_of(appointment_buttons(11), 0), actx, journal)

    assert outcome.state == journal
    assert isinstance(actions(outcome)[0], RecordAppointmentResponse)


WHEN = {"date": "Tuesday 16 July", "time": "19:00"}


def test_rearrange_tells_the_facilitator_at_once_then_asks_for_an_optional_note(
        actx: Context) -> None:
    # Told at the tap: someone who leaves at the note step has still been heard.
    outcome = press_menu(data_of(appointment_buttons(11), 1), actx)

    assert actions(outcome) == [
        RecordAppointmentResponse(11, "rearrange", NOW),
        AskFacilitator(Say("facilitator.answers.rearrange", WHEN),
                       Say("answers.rearrange_told"), Say("answers.rearrange_untold"))]
    assert reply_keys(outcome) == ["answers.rearrange_ask"]
    assert state_name(outcome) == "message" and values(outcome) == ["skip"]


def test_rearrange_with_no_facilitator_assigned_says_so_and_asks_nothing_more(
        actx: Context) -> None:
    alone = Context(actx.now, actx.library, Profile(appointments=MINE, has_facilitator=False))

    outcome = press_menu(data_of(appointment_buttons(11), 1), alone)

    assert outcome.state is None
    assert notes(outcome) == [AskFacilitator(
        Say("facilitator.answers.rearrange", WHEN),
        Say("answers.rearrange_told"), Say("answers.rearrange_untold"))]
    assert reply_keys(outcome) == []


def test_rearrange_with_no_note_sends_nothing_more_to_the_facilitator(actx: Context) -> None:
    asked = press_menu(data_of(appointment_buttons(11), 1), actx)
    assert asked.state is not None

    outcome = press_flow(asked.state, "skip", actx)

    assert outcome.state is None
    assert notes(outcome) == []
    assert reply_keys(outcome) == ["answers.rearrange_no_note"]


def test_rearrange_with_a_typed_note_passes_it_on_as_typed(actx: Context) -> None:
    asked = press_menu(data_of(appointment_buttons(11), 1), actx)
    assert asked.state is not None

    outcome = typed(asked.state, "  Work shift changed, could we do Thursday?  ", actx)

    assert outcome.state is None
    assert notes(outcome) == [AskFacilitator(
        Say("facilitator.answers.rearrange_message",
            {**WHEN, "message": "Work shift changed, could we do Thursday?"}),
        Say("answers.rearrange_note_told"), Say("answers.rearrange_untold"))]


def test_a_message_over_the_limit_is_refused_and_asked_for_again(actx: Context) -> None:
    asked = press_menu(data_of(appointment_buttons(11), 1), actx)
    assert asked.state is not None

    too_long = typed(asked.state, "x" * (MAX_TYPED + 1), actx)
    just_fits = typed(asked.state, "x" * MAX_TYPED, actx)

    assert notes(too_long) == [] and state_name(too_long) == "message"
    assert reply_keys(too_long) == ["answers.message_too_long", "answers.rearrange_ask"]
    assert notes(just_fits) and just_fits.state is None


@pytest.mark.parametrize("command", [appointment_answer.ATTENDING, appointment_answer.REARRANGE])
@pytest.mark.parametrize("arg", [
    "12",  # in the past
    "13",  # cancelled
    "14",  # already happened (attended)
    "99",  # not this participant's (the shell loads only their own)
    "", "x1", "-11", "１１", "1" * 40,
])
def test_a_reminder_button_that_is_not_an_upcoming_appointment_of_theirs_is_stale(
        actx: Context, command: str, arg: str) -> None:
    name = {"attending": "appt_yes", "rearrange": "appt_move"}[command]
    with pytest.raises(StaleButton):
        press_menu(f"m:0:{name}.{arg}", actx)


def test_someone_elses_appointment_id_is_stale_even_if_it_exists(library_all: Library) -> None:
    # Another participant's appointment 11 exists in the database, but the shell loads only
    # the presser's own: this person has none.
    ctx = Context(NOW, library_all, Profile(appointments=()))

    with pytest.raises(StaleButton):
        press_menu(data_of(appointment_buttons(11), 0), ctx)


def test_an_appointment_starting_now_is_no_longer_upcoming(library_all: Library) -> None:
    ctx = Context(NOW, library_all,
                  Profile(appointments=(AppointmentFacts(11, NOW, "scheduled"),)))

    with pytest.raises(StaleButton):
        press_menu(data_of(appointment_buttons(11), 0), ctx)


def test_a_naive_start_time_from_sqlite_is_read_as_utc(library_all: Library) -> None:
    naive = AppointmentFacts(11, TOMORROW.replace(tzinfo=None), "scheduled")
    ctx = Context(NOW, library_all, Profile(appointments=(naive,)))

    outcome = press_menu(data_of(appointment_buttons(11), 0), ctx)

    assert outcome.effects[-1].text.params["time"] == "19:00"  # type: ignore[union-attr]


# --- "Do you still want to take part?" -------------------------------------------------------

def stay_press(answer: str, ctx: Context) -> Outcome:
    data = {b.data.rsplit(".", 1)[1]: b.data for row in stay_buttons() for b in row}
    return press_menu(data[answer], ctx)


def test_staying_is_thanked_and_nothing_else_happens(actx: Context) -> None:
    outcome = stay_press("yes", actx)

    assert reply_keys(outcome) == ["answers.stay_yes"]
    assert actions(outcome) == [] and outcome.state is None


def test_a_question_is_asked_for_then_passed_to_the_facilitator(actx: Context) -> None:
    asked = stay_press("question", actx)
    assert reply_keys(asked) == ["answers.stay_question_ask"] and asked.state is not None

    outcome = typed(asked.state, "Can sessions be in the evening?", actx)

    assert outcome.state is None
    assert notes(outcome) == [AskFacilitator(
        Say("facilitator.answers.stay_question", {"message": "Can sessions be in the evening?"}),
        Say("answers.stay_question_told"), Say("answers.stay_question_untold"))]


def test_never_mind_passes_nothing_on(actx: Context) -> None:
    asked = stay_press("question", actx)
    assert asked.state is not None

    outcome = press_flow(asked.state, "never_mind", actx)

    assert notes(outcome) == [] and reply_keys(outcome) == ["answers.nothing_passed_on"]


def test_not_any_more_asks_first_and_tells_the_facilitator_only_on_yes(actx: Context) -> None:
    asked = stay_press("no", actx)
    assert reply_keys(asked) == ["answers.stay_no_confirm"] and asked.state is not None
    assert values(asked) == ["tell", "not_yet"] and actions(asked) == []

    told = press_flow(asked.state, "tell", actx)
    kept = press_flow(asked.state, "not_yet", actx)

    # Only a note: nothing here changes the person's status; the facilitator decides.
    assert actions(told) == [AskFacilitator(Say("facilitator.answers.stay_no"),
                                            Say("answers.stay_no_told"),
                                            Say("answers.stay_no_untold"))]
    assert actions(kept) == [] and reply_keys(kept) == ["answers.nothing_passed_on"]


@pytest.mark.parametrize("answer", ["maybe", "", "yes.no", "YES"])
def test_an_unknown_stay_answer_is_stale(actx: Context, answer: str) -> None:
    with pytest.raises(StaleButton):
        press_menu(f"m:0:stay.{answer}", actx)


# --- feedback after a session -----------------------------------------------------------------

def answer_all(ctx: Context, scores: tuple[str, str, str]) -> Outcome:
    outcome = press_menu(data_of(feedback_button(14)), ctx)
    for score in scores:
        assert outcome.state is not None
        outcome = press_flow(outcome.state, f"score.{score}", ctx)
    return outcome


def test_the_three_questions_come_one_at_a_time_with_five_buttons(actx: Context) -> None:
    first = press_menu(data_of(feedback_button(14)), actx)
    assert reply_keys(first) == ["answers.feedback_clear_pace"]
    assert values(first) == [f"score.{n}" for n in range(1, 6)]
    assert first.state is not None
    second = press_flow(first.state, "score.4", actx)
    assert reply_keys(second) == ["answers.feedback_useful"] and actions(second) == []
    assert second.state is not None
    third = press_flow(second.state, "score.2", actx)
    assert reply_keys(third) == ["answers.feedback_met_needs"]
    assert third.state is not None
    comment = press_flow(third.state, "score.5", actx)
    assert reply_keys(comment) == ["answers.feedback_comment_ask"] and values(comment) == ["skip"]


def test_feedback_with_a_comment_is_saved_with_every_score(actx: Context) -> None:
    asked = answer_all(actx, ("4", "2", "5"))
    assert asked.state is not None

    outcome = typed(asked.state, "More examples please", actx)

    assert actions(outcome) == [SaveSessionFeedback(14, 4, 2, 5, "More examples please", NOW)]
    assert reply_keys(outcome) == ["answers.feedback_thanks"] and outcome.state is None


def test_feedback_without_a_comment_is_saved_with_none(actx: Context) -> None:
    asked = answer_all(actx, ("1", "3", "3"))
    assert asked.state is not None

    outcome = press_flow(asked.state, "skip", actx)

    assert actions(outcome) == [SaveSessionFeedback(14, 1, 3, 3, None, NOW)]


def test_a_comment_over_the_limit_is_refused_and_nothing_saved(actx: Context) -> None:
    asked = answer_all(actx, ("5", "5", "5"))
    assert asked.state is not None

    outcome = typed(asked.state, "y" * (MAX_TYPED + 1), actx)

    assert actions(outcome) == [] and state_name(outcome) == "comment"


def test_typing_instead_of_tapping_a_score_asks_again(actx: Context) -> None:
    first = press_menu(data_of(feedback_button(14)), actx)
    assert first.state is not None

    outcome = typed(first.state, "four", actx)

    assert reply_keys(outcome) == ["common.use_buttons", "answers.feedback_clear_pace"]
    assert state_name(outcome) == "clear_pace"


@pytest.mark.parametrize("score", ["0", "6", "", "x", "4.5"])
def test_a_score_outside_one_to_five_is_stale(actx: Context, score: str) -> None:
    first = press_menu(data_of(feedback_button(14)), actx)
    assert first.state is not None

    with pytest.raises(StaleButton):
        press_flow(first.state, f"score.{score}", actx)


def test_feedback_already_given_says_so_and_asks_nothing(actx: Context) -> None:
    outcome = press_menu(data_of(feedback_button(15)), actx)

    assert reply_keys(outcome) == ["answers.feedback_already"]
    assert actions(outcome) == [] and outcome.state is None


# upcoming, cancelled, missed, not theirs
@pytest.mark.parametrize("appointment_id", [11, 13, 16, 99])
def test_feedback_on_a_session_not_attended_by_them_is_stale(
        actx: Context, appointment_id: int) -> None:
    with pytest.raises(StaleButton):
        press_menu(data_of(feedback_button(appointment_id)), actx)


def test_stopping_half_way_keeps_nothing(actx: Context) -> None:
    first = press_menu(data_of(feedback_button(14)), actx)
    assert first.state is not None
    second = press_flow(first.state, "score.3", actx)
    assert second.state is not None

    outcome = route(situation(second.state), inbound(Kind.COMMAND, "/menu"), actx)

    assert outcome.state is None and actions(outcome) == []
    assert feedback.QUESTIONS == ("clear_pace", "useful", "met_needs")


# --- show more --------------------------------------------------------------------------------

def test_more_on_a_waiting_message_shows_its_topic_with_helplines_filled(
        actx: Context, content: Content) -> None:
    outcome = press_menu(data_of(more_button("waiting.get_in_touch")), actx)

    [reply] = [e for e in outcome.effects if isinstance(e, Reply)]
    shown = str(reply.text.params["text"])
    phoneline = content.resources.get("respect_phoneline")
    assert reply.text.key == "answers.more_waiting"
    assert phoneline.phone and phoneline.phone in shown and "{" not in shown


def test_more_on_a_waiting_message_shows_exactly_its_more_text(
        actx: Context, content: Content) -> None:
    expected = next(m.more for m in content.waiting.messages if m.key == "what_to_expect")

    outcome = press_menu(data_of(more_button("waiting.what_to_expect")), actx)

    assert outcome.effects[0] == Reply(Say("answers.more_waiting", {"text": expected or ""}))


def test_more_on_a_week_shows_its_title_and_what_it_covers(
        actx: Context, content: Content) -> None:
    week = content.programme.weeks[15]

    outcome = press_menu(data_of(more_button("week.16")), actx)

    assert outcome.effects == (Reply(Say("answers.more_week", {
        "week": "16", "title": week.title, "about": week.about})),)


def test_more_follows_the_persons_reading_modes(content: Content) -> None:
    # No week needs a plain version today, so give week 16 one here.
    week = content.programme.weeks[15]
    plain_wording = WeekWording(signpost=week.signpost, about="Plain words about week 16.",
                                reflection_prompt=week.reflection_prompt,
                                practice_task=week.practice_task)
    weeks = list(content.programme.weeks)
    weeks[15] = week.model_copy(update={"plain": plain_wording})
    programme = content.programme.model_copy(update={"weeks": weeks})
    library = Library(content.palette, programme, content.resources, content.waiting)
    plain = Context(NOW, library, Profile(preferences=Preferences(plain_language=True)))

    shown = press_menu("m:0:more.week.16", plain)
    default = press_menu("m:0:more.week.16", Context(NOW, library, Profile()))

    assert shown.effects[0].text.params["about"] == "Plain words about week 16."  # type: ignore[union-attr]
    assert default.effects[0].text.params["about"] == week.about  # type: ignore[union-attr]


def test_more_mid_flow_leaves_the_other_flow_where_it_was(actx: Context) -> None:
    checkin = FlowState("checkin", "colour", 2)

    outcome = press_menu("m:0:more.week.3", actx, checkin)

    assert outcome.state == checkin


@pytest.mark.parametrize("reference", [
    "week.0", "week.23", "week.x", "week.", "week.٣", "waiting.nope", "waiting.colours",
    "waiting.", "journal.1", "", "weekly.3",
])
def test_an_unknown_content_reference_is_stale(actx: Context, reference: str) -> None:
    with pytest.raises(StaleButton):
        press_menu(f"m:0:more.{reference}", actx)


def test_every_waiting_message_with_more_text_can_be_revealed(
        actx: Context, content: Content) -> None:
    for message in content.waiting.messages:
        if message.more:
            outcome = press_menu(f"m:0:more.waiting.{message.key}", actx)
            assert reply_keys(outcome) == ["answers.more_waiting"]


def test_the_fill_helper_keeps_unknown_placeholders_rather_than_fail() -> None:
    assert reveal.fill("Call {x_phone} or {unknown}", {"x_phone": "123"}) == "Call 123 or {unknown}"
