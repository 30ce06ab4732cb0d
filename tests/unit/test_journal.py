"""The reflection journal as a transition table: writing, reading, deleting and sharing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest

from content.loader import Content
from content.phrasebook import Phrasebook
from dialogues import journal
from dialogues.effects import (
    DeleteJournalEntry,
    Effect,
    Reply,
    SaveJournalEntry,
    Say,
    ShareJournalEntry,
)
from dialogues.errors import StaleButton
from dialogues.events import Kind
from dialogues.flow import Context, Event, FlowState, JournalEntrySummary, Library, Outcome, Profile
from dialogues.menu import menu_reply
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

FLOW = journal.FLOW
USER = 2002
inbound = inbound_for(USER)
WEEK = 4

NEWEST = JournalEntrySummary(
    31, datetime(2024, 7, 14, 23, 30, tzinfo=UTC),
    "Long day at work and I could feel myself getting wound up on the way home.", False,
    ref="500")
OLDER = JournalEntrySummary(29, datetime(2024, 7, 10, 8, 0, tzinfo=UTC), "Slept badly.", True)
ENTRIES = (NEWEST, OLDER)

MakeJournalContext = Callable[..., Context]


@pytest.fixture
def jctx(library: Library) -> MakeJournalContext:
    """``jctx()``: no programme week, no entries; ``jctx(week=4, journal=ENTRIES)``."""

    def make(*, week: int | None = None,
             journal: tuple[JournalEntrySummary, ...] = ()) -> Context:
        return Context(NOW, library, Profile(preferred_name="Sam", programme_week=week,
                                             journal=journal))

    return make


SAVED: dict[str, FlowState] = {
    "choose": FlowState("journal", "choose", 11, {"again": True}),
    "prompt_offer": FlowState("journal", "prompt_offer", 12, {"again": True}),
    "writing": FlowState("journal", "writing", 13, {"again": True, "parts": ["First bit."]}),
    "saved": FlowState("journal", "saved", 14,
                       {"again": True, "saved": NEWEST.ref}),
    "listing": FlowState("journal", "listing", 15, {"again": True}),
    "reading": FlowState("journal", "reading", 16, {"again": True, "entry": NEWEST.entry_id}),
    "confirm_delete": FlowState("journal", "confirm_delete", 17,
                                {"again": True, "entry": NEWEST.entry_id}),
    "confirm_share": FlowState("journal", "confirm_share", 18,
                               {"again": True, "entry": NEWEST.entry_id}),
}
PROMPT = {
    "choose": "journal.choose_again",
    "prompt_offer": "journal.offer_prompt",
    "writing": "journal.keep_writing",
    "saved": "journal.saved",
    "listing": "journal.list",
    "reading": "journal.entry",
    "confirm_delete": "journal.confirm_delete",
    "confirm_share": "journal.confirm_share",
}
BUTTON_ONLY = [state for state in SAVED if state != "writing"]
MENU = "menu.prompt"


# --- beginning ------------------------------------------------------------------------------


def test_begin_says_the_journal_is_private_and_offers_write_recent_and_menu(
    jctx: MakeJournalContext,
) -> None:
    outcome = FLOW.begin(jctx(), text("/journal"), 3)

    assert outcome.state == FlowState("journal", "choose", 3, {"again": True})
    assert reply_keys(outcome) == ["journal.choose"]
    assert actions(outcome) == []
    assert values(outcome) == ["write", "recent", "menu"]
    assert all(b.data.startswith("journal:3:") for b in buttons(outcome))


def test_the_journal_command_and_the_menu_button_start_the_journal(
    jctx: MakeJournalContext,
) -> None:
    by_command = route(situation(None, 7), inbound(Kind.COMMAND, "/journal"), jctx())
    by_button = route(situation(None, 7), inbound(Kind.BUTTON, "m:0:journal"), jctx())

    assert state_name(by_command) == state_name(by_button) == "choose"
    assert reply_keys(by_command) == reply_keys(by_button) == ["journal.choose"]


# --- the transition table -------------------------------------------------------------------

SAVE = SaveJournalEntry(ref="50", text="First bit.", week=None, at=NOW)
SAVE_IN_WEEK = SaveJournalEntry(ref="50", text="First bit.", week=WEEK, at=NOW)

VALID: list[Any] = [
    pytest.param("choose", {}, press("write"), "writing", [], ["journal.write_freely"],
                 id="write-no-programme-week"),
    pytest.param("choose", {"week": WEEK}, press("write"), "prompt_offer", [],
                 ["journal.offer_prompt"], id="write-offers-this-weeks-prompt"),
    pytest.param("choose", {"journal": ENTRIES}, press("recent"), "listing", [],
                 ["journal.list"], id="recent"),
    pytest.param("choose", {}, press("recent"), "choose", [],
                 ["journal.none_yet", "journal.choose_again"], id="recent-none-yet"),
    pytest.param("choose", {}, press("menu"), None, [], [MENU], id="choose-menu"),
    pytest.param("prompt_offer", {"week": WEEK}, press("use_prompt"), "writing", [],
                 ["journal.write_to_prompt"], id="use-prompt"),
    pytest.param("prompt_offer", {"week": WEEK}, press("free"), "writing", [],
                 ["journal.write_freely"], id="write-freely"),
    pytest.param("writing", {}, text("Second bit."), "writing", [], ["journal.part_added"],
                 id="another-message"),
    pytest.param("writing", {}, text("x" * journal.MAX_ENTRY_LENGTH), "writing", [],
                 ["journal.too_long"], id="too-long"),
    pytest.param("writing", {}, press("done"), "saved", [SAVE], ["journal.saved"],
                 id="done-saves"),
    pytest.param("writing", {"week": WEEK}, press("done"), "saved", [SAVE_IN_WEEK],
                 ["journal.saved"], id="done-saves-with-week"),
    pytest.param("writing", {}, press("cancel"), None, [], ["journal.cancelled", MENU],
                 id="cancel"),
    pytest.param("saved", {"journal": ENTRIES}, press("share"), "confirm_share", [],
                 ["journal.confirm_share"], id="share-new-entry"),
    pytest.param("saved", {}, press("share"), "choose", [],
                 ["journal.share_not_found", "journal.choose_again"], id="share-not-found"),
    pytest.param("saved", {}, press("menu"), None, [], [MENU], id="saved-menu"),
    pytest.param("listing", {"journal": ENTRIES}, press(f"view.{NEWEST.entry_id}"), "reading",
                 [], ["journal.entry"], id="view"),
    pytest.param("listing", {"journal": ENTRIES}, press(f"view.{OLDER.entry_id}"), "reading",
                 [], ["journal.entry_shared"], id="view-shared"),
    pytest.param("listing", {"journal": ENTRIES}, press("back"), "choose", [],
                 ["journal.choose_again"], id="listing-back"),
    pytest.param("reading", {"journal": ENTRIES}, press("delete"), "confirm_delete", [],
                 ["journal.confirm_delete"], id="delete"),
    pytest.param("reading", {"journal": ENTRIES}, press("share"), "confirm_share", [],
                 ["journal.confirm_share"], id="share"),
    pytest.param("reading", {"journal": ENTRIES}, press("back"), "listing", [],
                 ["journal.list"], id="reading-back"),
    pytest.param("confirm_delete", {"journal": ENTRIES}, press("yes"), "choose",
                 [DeleteJournalEntry(NEWEST.entry_id)],
                 ["journal.deleted", "journal.choose_again"], id="delete-yes"),
    pytest.param("confirm_delete", {"journal": ENTRIES}, press("no"), "listing", [],
                 ["journal.kept", "journal.list"], id="delete-no"),
    pytest.param("confirm_share", {"journal": ENTRIES}, press("yes"), "choose",
                 [ShareJournalEntry(NEWEST.entry_id)],
                 ["journal.shared", "journal.choose_again"], id="share-yes"),
    pytest.param("confirm_share", {"journal": ENTRIES}, press("no"), "choose", [],
                 ["journal.kept_private", "journal.choose_again"], id="share-no"),
]


@pytest.mark.parametrize(("state", "profile", "event", "next_state", "effects", "keys"), VALID)
def test_each_valid_input_moves_to_the_expected_step_with_its_effects(
    jctx: MakeJournalContext, state: str, profile: dict[str, Any], event: Event,
    next_state: str | None, effects: list[Effect], keys: list[str],
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, jctx(**profile), event)

    assert state_name(outcome) == next_state
    assert actions(outcome) == effects
    assert reply_keys(outcome) == keys
    if outcome.state is not None:
        assert outcome.state.step == saved.step + 1
        assert all(b.data.startswith(f"journal:{saved.step + 1}:") for b in buttons(outcome))


def test_every_state_has_a_row_in_the_table() -> None:
    covered = {param.values[0] for param in VALID}

    assert covered == set(SAVED)


# --- writing --------------------------------------------------------------------------------


def test_this_weeks_reflection_prompt_is_offered_and_then_shown(
    jctx: MakeJournalContext, content: Content
) -> None:
    question = content.programme.weeks[WEEK - 1].reflection_prompt

    offered = FLOW.handle(SAVED["choose"], jctx(week=WEEK), press("write"))
    assert offered.state is not None
    chosen = FLOW.handle(offered.state, jctx(week=WEEK), press("use_prompt"))

    assert replies(offered)[0].text == Say("journal.offer_prompt", {"prompt": question})
    assert values(offered) == ["use_prompt", "free"]
    assert replies(chosen)[0].text == Say("journal.write_to_prompt", {"prompt": question})
    assert values(chosen) == ["done", "cancel"]


@pytest.mark.parametrize("week", [None, 0, 23], ids=["not-started", "zero", "past-the-end"])
def test_without_a_programme_week_the_person_writes_freely(
    jctx: MakeJournalContext, week: int | None
) -> None:
    outcome = FLOW.handle(SAVED["choose"], jctx(week=week), press("write"))

    assert state_name(outcome) == "writing"
    assert reply_keys(outcome) == ["journal.write_freely"]


def _write(jctx: MakeJournalContext, messages: list[str], week: int | None = WEEK,
           ) -> list[Outcome]:
    """/journal, Write, Write freely, the messages, Done: all through the router."""
    ctx = jctx(week=week)
    outcome = route(situation(None, 30), inbound(Kind.COMMAND, "/journal", 1), ctx)
    seen = [outcome]
    script = [(Kind.BUTTON, "write"), (Kind.BUTTON, "free")] if week else [(Kind.BUTTON, "write")]
    script += [(Kind.TEXT, m) for m in messages] + [(Kind.BUTTON, "done")]
    for update_id, (kind, value) in enumerate(script, start=2):
        assert outcome.state is not None
        payload = _press_shown(outcome, value) if kind is Kind.BUTTON else value
        outcome = route(situation(outcome.state), inbound(kind, payload, update_id), ctx)
        seen.append(outcome)
    return seen


def _press_shown(outcome: Outcome, value: str) -> str:
    matches = [b.data for b in buttons(outcome) if b.data.endswith(f":{value}")]
    assert len(matches) == 1, f"{value} not offered"
    return matches[0]


def test_an_entry_is_written_over_several_messages_and_saved_once_on_done(
    jctx: MakeJournalContext,
) -> None:
    messages = ["Row about money again.", "I walked out before it got loud.", "Proud of that."]

    seen = _write(jctx, messages)

    saves = [a for o in seen for a in actions(o)]
    done_update = 2 + 2 + len(messages)  # the update id of the Done press
    assert saves == [SaveJournalEntry(ref=str(done_update), text="\n\n".join(messages),
                                      week=WEEK, at=NOW)]
    assert [reply_keys(o) for o in seen[3:-1]] == [["journal.part_added"]] * len(messages)
    assert state_name(seen[-1]) == "saved"
    assert values(seen[-1]) == ["share", "menu"]


def test_each_message_gets_fresh_done_and_cancel_buttons(jctx: MakeJournalContext) -> None:
    seen = _write(jctx, ["one", "two"])

    for outcome in seen[3:5]:
        assert outcome.state is not None
        assert [b.data for b in buttons(outcome)] == [
            f"journal:{outcome.state.step}:done", f"journal:{outcome.state.step}:cancel"]


def test_the_saved_entry_text_is_not_kept_in_the_conversation(
    jctx: MakeJournalContext,
) -> None:
    seen = _write(jctx, ["something private"], week=None)

    assert seen[-1].state is not None
    assert "something private" not in json.dumps(dict(seen[-1].state.data))
    [saved] = [e for e in seen[-1].effects if isinstance(e, SaveJournalEntry)]
    assert seen[-1].state.data["saved"] == saved.ref


def test_done_without_any_text_saves_nothing_and_says_so(jctx: MakeJournalContext) -> None:
    seen = _write(jctx, [], week=None)

    assert [a for o in seen for a in actions(o)] == []
    assert seen[-1] == Outcome(None, (Reply(Say("journal.nothing_saved")), menu_reply()))


def test_an_entry_is_capped_and_the_message_that_would_overflow_it_is_not_added(
    jctx: MakeJournalContext,
) -> None:
    first = "a" * (journal.MAX_ENTRY_LENGTH - 10)
    state = FlowState("journal", "writing", 5, {"parts": [first]})

    refused = FLOW.handle(state, jctx(), text("b" * 9))  # 2 separator characters: 4001
    accepted = FLOW.handle(state, jctx(), text("b" * 8))  # exactly 4000

    assert refused.state is not None and accepted.state is not None
    assert refused.state.data["parts"] == [first]
    assert replies(refused)[0].text == Say("journal.too_long",
                                           {"limit": str(journal.MAX_ENTRY_LENGTH)})
    assert values(refused) == ["done", "cancel"]
    assert accepted.state.data["parts"] == [first, "b" * 8]
    saved = FLOW.handle(accepted.state, jctx(), press("done"))
    assert len(next(a for a in actions(saved) if isinstance(a, SaveJournalEntry)).text) == 4000


def test_a_forged_text_button_while_writing_is_stale(jctx: MakeJournalContext) -> None:
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED["writing"], jctx(), press("text"))


def test_cancel_while_writing_discards_the_entry(jctx: MakeJournalContext) -> None:
    outcome = FLOW.handle(SAVED["writing"], jctx(), press("cancel"))

    assert outcome == Outcome(None, (Reply(Say("journal.cancelled")), menu_reply()))


# --- sharing a new entry straight away ------------------------------------------------------


def test_a_new_entry_can_be_shared_straight_away_once_the_shell_has_stored_it(
    jctx: MakeJournalContext,
) -> None:
    seen = _write(jctx, ["I walked away.", "Came back at eight."], week=None)
    [saved] = [e for e in seen[-1].effects if isinstance(e, SaveJournalEntry)]
    stored = JournalEntrySummary(40, NOW, "I walked away.\n\nCame back at eight.", False,
                                 ref=saved.ref)
    after = jctx(journal=(stored, *ENTRIES))  # the next event sees the stored entry
    assert seen[-1].state is not None

    asked = route(situation(seen[-1].state),
                  inbound(Kind.BUTTON, _press_shown(seen[-1], "share"), 90), after)
    assert asked.state is not None
    shared = route(situation(asked.state),
                   inbound(Kind.BUTTON, _press_shown(asked, "yes"), 91), after)

    assert replies(asked)[0].text == Say("journal.confirm_share", {"date": "15 Jul 2024"})
    assert actions(shared) == [ShareJournalEntry(40)]
    assert reply_keys(shared) == ["journal.shared", "journal.choose_again"]


# --- the list of recent entries -------------------------------------------------------------


def test_recent_entries_are_listed_newest_first_with_date_and_first_words(
    jctx: MakeJournalContext,
) -> None:
    outcome = FLOW.handle(SAVED["choose"], jctx(journal=ENTRIES), press("recent"))

    labels = [b.label for b in buttons(outcome)]
    assert labels == [
        # 23:30 UTC on the 14th is 00:30 on the 15th in London (BST)
        Say("journal.entry_label", {"date": "15 Jul 2024",
                                    "start": "Long day at work and I could feel myself…"}),
        Say("journal.entry_label", {"date": "10 Jul 2024", "start": "Slept badly."}),
        Say("journal.button.back"),
    ]
    assert values(outcome) == ["view.31", "view.29", "back"]


def test_at_most_ten_entries_are_listed(jctx: MakeJournalContext) -> None:
    many = tuple(JournalEntrySummary(100 - i, NOW, f"entry {i}", False) for i in range(12))

    outcome = FLOW.handle(SAVED["choose"], jctx(journal=many), press("recent"))

    assert values(outcome) == [f"view.{100 - i}" for i in range(journal.RECENT)] + ["back"]


@pytest.mark.parametrize(
    ("text_", "expected"),
    [("Short one.", "Short one."),
     ("  spaces   and\nnew lines  ", "spaces and new lines"),
     ("x" * 50, "x" * 40 + "…"),
     ("One two three four five six seven eight nine", "One two three four five six seven eight…"),
     ("a" * 40 + " tail", "a" * 40 + "…"),
     ("I got home late, then the row started, and it went on",
      "I got home late, then the row started…")],
    ids=["short", "whitespace", "one-long-word", "cut-at-a-word", "cut-between-words",
         "trailing-punctuation"],
)
def test_first_words_cut_at_a_word_and_mark_the_cut(text_: str, expected: str) -> None:
    assert journal.first_words(text_) == expected


def test_reading_an_entry_shows_it_in_full_with_delete_share_and_back(
    jctx: MakeJournalContext,
) -> None:
    outcome = FLOW.handle(SAVED["listing"], jctx(journal=ENTRIES), press("view.31"))

    assert replies(outcome)[0].text == Say("journal.entry",
                                           {"date": "15 Jul 2024", "text": NEWEST.text})
    assert values(outcome) == ["delete", "share", "back"]
    assert outcome.state is not None
    assert outcome.state.data["entry"] == 31


def test_a_shared_entry_says_so_and_is_not_offered_for_sharing_again(
    jctx: MakeJournalContext,
) -> None:
    outcome = FLOW.handle(SAVED["listing"], jctx(journal=ENTRIES), press("view.29"))

    assert replies(outcome)[0].text == Say("journal.entry_shared",
                                           {"date": "10 Jul 2024", "text": OLDER.text})
    assert values(outcome) == ["delete", "back"]


def test_sharing_an_already_shared_entry_says_so_and_shares_nothing(
    jctx: MakeJournalContext,
) -> None:
    reading = FlowState("journal", "reading", 16, {"entry": OLDER.entry_id})
    confirming = FlowState("journal", "confirm_share", 18, {"entry": OLDER.entry_id})

    pressed = FLOW.handle(reading, jctx(journal=ENTRIES), press("share"))
    confirmed = FLOW.handle(confirming, jctx(journal=ENTRIES), press("yes"))

    assert state_name(pressed) == "reading"
    assert reply_keys(pressed) == ["journal.already_shared", "journal.entry_shared"]
    assert actions(confirmed) == []
    assert reply_keys(confirmed)[0] == "journal.already_shared"


# --- only this person's listed entries ------------------------------------------------------


@pytest.mark.parametrize("value", ["view.999", "view.abc", "view.", "view.-31"])
def test_an_entry_id_not_in_the_persons_journal_is_stale(
    jctx: MakeJournalContext, value: str
) -> None:
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED["listing"], jctx(journal=ENTRIES), press(value))


@pytest.mark.parametrize(("state", "value"), [("reading", "delete"), ("reading", "share"),
                                              ("confirm_delete", "yes"),
                                              ("confirm_share", "yes")])
def test_acting_on_an_entry_that_is_no_longer_there_is_stale(
    jctx: MakeJournalContext, state: str, value: str
) -> None:
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED[state], jctx(journal=(OLDER,)), press(value))


def test_delete_asks_first_and_says_the_entry_is_gone_not_hidden(
    jctx: MakeJournalContext,
) -> None:
    asked = FLOW.handle(SAVED["reading"], jctx(journal=ENTRIES), press("delete"))
    assert asked.state is not None
    deleted = FLOW.handle(asked.state, jctx(journal=ENTRIES), press("yes"))

    assert replies(asked)[0].text == Say("journal.confirm_delete", {"date": "15 Jul 2024"})
    assert values(asked) == ["yes", "no"]
    assert actions(asked) == []
    assert actions(deleted) == [DeleteJournalEntry(31)]
    assert reply_keys(deleted)[0] == "journal.deleted"
    assert deleted.state is not None
    assert "entry" not in deleted.state.data


def test_no_keeps_the_entry_and_goes_back_to_the_list(jctx: MakeJournalContext) -> None:
    outcome = FLOW.handle(SAVED["confirm_delete"], jctx(journal=ENTRIES), press("no"))

    assert actions(outcome) == []
    assert state_name(outcome) == "listing"
    assert values(outcome) == ["view.31", "view.29", "back"]


def test_after_a_deletion_the_list_comes_from_the_reloaded_journal(
    jctx: MakeJournalContext,
) -> None:
    deleted = FLOW.handle(SAVED["confirm_delete"], jctx(journal=ENTRIES), press("yes"))
    assert deleted.state is not None

    listed = FLOW.handle(deleted.state, jctx(journal=(OLDER,)), press("recent"))

    assert values(listed) == ["view.29", "back"]


# --- input a step cannot use ----------------------------------------------------------------


@pytest.mark.parametrize("state", BUTTON_ONLY)
def test_typing_where_a_button_is_needed_asks_for_the_buttons_and_repeats_the_step(
    jctx: MakeJournalContext, state: str
) -> None:
    saved = SAVED[state]

    outcome = FLOW.handle(saved, jctx(week=WEEK, journal=ENTRIES), text("hello"))

    assert outcome.state == FlowState("journal", state, saved.step + 1, saved.data)
    assert reply_keys(outcome) == ["common.use_buttons", PROMPT[state]]
    assert actions(outcome) == []


STALE_VALUES = [
    ("choose", "yes"), ("choose", "done"), ("choose", "begin"), ("choose", "view.31"),
    ("prompt_offer", "write"), ("prompt_offer", "done"),
    ("writing", "share"), ("writing", "yes"), ("writing", "menu"),
    ("saved", "done"), ("saved", "delete"), ("saved", "yes"),
    ("listing", "delete"), ("listing", "share"), ("listing", "yes"),
    ("reading", "view.31"), ("reading", "yes"), ("reading", "menu"),
    ("confirm_delete", "delete"), ("confirm_delete", "back"), ("confirm_delete", "share"),
    ("confirm_share", "share"), ("confirm_share", "delete"), ("confirm_share", "back"),
]


@pytest.mark.parametrize(("state", "value"), STALE_VALUES)
def test_a_button_that_does_not_belong_to_the_step_is_stale(
    jctx: MakeJournalContext, state: str, value: str
) -> None:
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED[state], jctx(week=WEEK, journal=ENTRIES), press(value))


# --- through the router: leaving from every step ---------------------------------------------


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_menu_ends_the_journal_with_the_menu(jctx: MakeJournalContext, state: str) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/menu"), jctx())

    assert outcome == Outcome(None, (menu_reply(),))


@pytest.mark.parametrize("state", list(SAVED))
def test_slash_cancel_ends_the_journal_with_the_menu(
    jctx: MakeJournalContext, state: str
) -> None:
    outcome = route(situation(SAVED[state]), inbound(Kind.COMMAND, "/cancel"), jctx())

    assert outcome == Outcome(None, (Reply(Say("common.cancelled")), menu_reply()))


@pytest.mark.parametrize("state", list(SAVED))
def test_a_press_from_an_earlier_step_is_stale(jctx: MakeJournalContext, state: str) -> None:
    saved = SAVED[state]

    with pytest.raises(StaleButton):
        route(situation(saved), inbound(Kind.BUTTON, f"journal:{saved.step - 1}:back"), jctx())


def test_text_mid_entry_goes_to_the_journal(jctx: MakeJournalContext) -> None:
    outcome = route(situation(SAVED["writing"]), inbound(Kind.TEXT, "more"), jctx())

    assert outcome.state is not None
    assert outcome.state.data["parts"] == ["First bit.", "more"]


# --- restarts: all memory lives in FlowState -------------------------------------------------


def _reload(saved: FlowState) -> FlowState:
    """Round-trip through JSON as the conversation table would store it."""
    row = json.dumps({"flow": saved.flow, "state": saved.state, "step": saved.step,
                      "data": dict(saved.data)})
    return FlowState(**json.loads(row))


def _visit(jctx: MakeJournalContext, restart: bool) -> list[Outcome]:
    ctx = jctx(week=WEEK, journal=ENTRIES)
    outcome = route(situation(None, 20), inbound(Kind.COMMAND, "/journal", 1), ctx)
    seen = [outcome]
    script = [(Kind.BUTTON, "write"), (Kind.BUTTON, "use_prompt"), (Kind.TEXT, "one"),
              (Kind.TEXT, "two"), (Kind.BUTTON, "done"), (Kind.BUTTON, "menu")]
    for update_id, (kind, value) in enumerate(script, start=2):
        assert outcome.state is not None
        saved = _reload(outcome.state) if restart else outcome.state
        payload = _press_shown(outcome, value) if kind is Kind.BUTTON else value
        outcome = route(situation(saved), inbound(kind, payload, update_id), ctx)
        seen.append(outcome)
    return seen


def test_a_restart_between_every_step_changes_nothing(jctx: MakeJournalContext) -> None:
    without = _visit(jctx, restart=False)
    with_restarts = _visit(jctx, restart=True)

    assert with_restarts == without
    assert without[-1].state is None
    assert [a for o in without for a in actions(o)] == [
        SaveJournalEntry(ref="6", text="one\n\ntwo", week=WEEK, at=NOW)]


@pytest.mark.parametrize("state", list(SAVED))
def test_resuming_asks_the_saved_step_again(jctx: MakeJournalContext, state: str) -> None:
    saved = _reload(SAVED[state])

    outcome = FLOW.resume(saved, jctx(week=WEEK, journal=ENTRIES), text("/start"))

    assert outcome.state == FlowState("journal", state, saved.step + 1, saved.data)
    assert reply_keys(outcome) == [PROMPT[state]]
    assert actions(outcome) == []


def test_resuming_an_entry_in_progress_keeps_what_was_written(
    jctx: MakeJournalContext,
) -> None:
    resumed = route(situation(_reload(SAVED["writing"])), inbound(Kind.COMMAND, "/resume", 60),
                    jctx())
    assert resumed.state is not None

    finished = route(situation(resumed.state), inbound(Kind.BUTTON, _press_shown(resumed, "done"),
                                                       61), jctx())

    assert actions(finished) == [SaveJournalEntry("61", "First bit.", None, NOW)]


def test_the_machine_holds_no_model_between_events(jctx: MakeJournalContext) -> None:
    FLOW.handle(SAVED["writing"], jctx(), text("more"))
    with pytest.raises(StaleButton):
        FLOW.handle(SAVED["listing"], jctx(), press("view.1"))

    assert FLOW.machine.models == []


# --- words: recurring prompts vary ----------------------------------------------------------


def _render(book: Phrasebook, outcome: Outcome, memory: dict[str, int]) -> list[str]:
    return [book.render(r.text.key, r.text.params, memory) for r in replies(outcome)]


def test_consecutive_messages_of_one_entry_are_acknowledged_in_different_words(
    jctx: MakeJournalContext, content: Content
) -> None:
    book = Phrasebook(content.locale, content.resources)
    memory: dict[str, int] = {}
    seen = _write(jctx, ["one", "two", "three", "four"], week=None)

    acks = [said for o in seen[2:-1] for said in _render(book, o, memory)]

    assert len(acks) == 4
    assert all(before != after for before, after in pairwise(acks))


@pytest.mark.parametrize("key", ["journal.choose", "journal.choose_again", "journal.list",
                                 "journal.saved", "journal.write_freely"])
def test_prompts_seen_on_every_visit_differ_on_consecutive_visits(
    jctx: MakeJournalContext, content: Content, key: str
) -> None:
    book = Phrasebook(content.locale, content.resources)
    memory: dict[str, int] = {}

    said = [book.render(key, {}, memory) for _ in range(4)]

    assert len(content.locale.texts[key]) >= 2
    assert all(before != after for before, after in pairwise(said))


def test_two_visits_open_with_different_words(
    jctx: MakeJournalContext, content: Content
) -> None:
    book = Phrasebook(content.locale, content.resources)
    memory: dict[str, int] = {}

    first = _render(book, FLOW.begin(jctx(), text("/journal"), 1), memory)
    second = _render(book, FLOW.begin(jctx(), text("/journal"), 9), memory)

    assert first != second
