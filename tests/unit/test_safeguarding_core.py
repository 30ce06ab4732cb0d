"""The pure safeguarding core: which reply, which flag, whether the flow is interrupted, and
when an unacknowledged flag escalates. Each assertion pins one decision a facilitator relies on."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from dialogues.effects import Button, RaiseFlag, Reply, Say
from dialogues.menu import MENU_FLOW
from dialogues.safeguarding import UNTOLD, escalation_deadline, respond
from dialogues.screening import Evidence, Screening

URGENT_AFTER = timedelta(minutes=15)
TEN = time(10, 0)


def screening(severity: str | None, *categories: str) -> Screening:
    evidence = tuple(Evidence(f"rule.{c}", c, severity or "concern", f"words {c}")
                     for c in categories)
    return Screening(True, severity, categories, evidence)  # type: ignore[arg-type]


def reply_of(response_effects: tuple[object, ...]) -> Reply:
    first = response_effects[0]
    assert isinstance(first, Reply)
    return first


def flag_of(response_effects: tuple[object, ...]) -> RaiseFlag:
    flags = [e for e in response_effects if isinstance(e, RaiseFlag)]
    assert len(flags) == 1
    return flags[0]


@pytest.mark.parametrize(("severity", "categories", "key"), [
    ("urgent", ("self_harm",), "safety.urgent_self"),
    ("urgent", ("harm_to_partner",), "safety.urgent_others"),
    ("urgent", ("self_harm", "harm_to_partner"), "safety.urgent_others"),
    ("concern", ("self_harm",), "safety.concern_self"),
    ("concern", ("harm_to_partner",), "safety.concern_others"),
    ("concern", ("self_harm", "child_harm"), "safety.concern_others"),
    # No category at all is not "about the person only": the reply speaks of others.
    ("concern", (), "safety.concern_others"),
    ("urgent", (), "safety.urgent_others"),
])
def test_the_reply_fits_who_is_at_risk_and_how_soon(
        severity: str, categories: tuple[str, ...], key: str) -> None:
    result = respond(screening(severity, *categories), "the words", in_flow=False)
    assert reply_of(result.effects).text == Say(key)


def test_the_reply_goes_out_before_the_flag() -> None:
    result = respond(screening("urgent", "self_harm"), "the words", in_flow=True)
    assert [type(e) for e in result.effects] == [Reply, RaiseFlag]


def test_an_urgent_flag_interrupts_the_flow_and_a_concern_does_not() -> None:
    assert respond(screening("urgent", "weapon"), "x", in_flow=True).interrupts is True
    assert respond(screening("concern", "weapon"), "x", in_flow=True).interrupts is False


def test_the_flag_carries_severity_categories_the_words_and_the_evidence() -> None:
    result = respond(screening("urgent", "weapon", "harm_to_partner"), "exact words", in_flow=False)
    flag = flag_of(result.effects)
    assert flag.severity == "urgent"
    assert flag.categories == ("weapon", "harm_to_partner")
    assert flag.excerpt == "exact words"
    assert flag.evidence == (("rule.weapon", "weapon", "urgent", "words weapon"),
                             ("rule.harm_to_partner", "harm_to_partner", "urgent",
                              "words harm_to_partner"))


def test_a_flag_without_a_severity_is_filed_as_a_concern() -> None:
    result = respond(Screening(True, None, ("breach",), ()), "x", in_flow=False)
    assert flag_of(result.effects).severity == "concern"


def test_an_urgent_reply_in_a_flow_offers_resume_first_then_the_menu() -> None:
    reply = reply_of(respond(screening("urgent", "self_harm"), "x", in_flow=True).effects)
    assert reply.buttons == ((Button(Say("button.resume"), f"{MENU_FLOW}:0:resume"),
                              Button(Say("button.menu"), f"{MENU_FLOW}:0:menu")),)


def test_an_urgent_reply_outside_a_flow_offers_only_the_menu() -> None:
    reply = reply_of(respond(screening("urgent", "self_harm"), "x", in_flow=False).effects)
    assert reply.buttons == ((Button(Say("button.menu"), f"{MENU_FLOW}:0:menu"),),)


def test_a_concern_reply_has_no_buttons_so_the_flow_carries_on() -> None:
    reply = reply_of(respond(screening("concern", "self_harm"), "x", in_flow=True).effects)
    assert reply.buttons == ()


def test_every_reply_that_says_someone_was_told_has_an_untold_twin() -> None:
    for severity in ("urgent", "concern"):
        for categories in (("self_harm",), ("harm_to_partner",)):
            key = reply_of(respond(screening(severity, *categories), "x", False).effects).text
            assert isinstance(key, Say)
            assert UNTOLD[key.key].endswith("_untold")
            assert UNTOLD[key.key].startswith(key.key)


def deadline(severity: str, now: datetime) -> datetime:
    return escalation_deadline(severity, now, urgent_after=URGENT_AFTER, concern_at=TEN)


def test_an_urgent_flag_escalates_after_the_urgent_interval_whatever_the_day() -> None:
    saturday_night = datetime(2026, 12, 5, 23, 50, tzinfo=UTC)
    assert deadline("urgent", saturday_night) == saturday_night + URGENT_AFTER


@pytest.mark.parametrize(("now", "expected"), [
    # Monday afternoon -> Tuesday 10:00 London (GMT in winter).
    (datetime(2026, 11, 30, 15, 0, tzinfo=UTC), datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
    # Thursday -> Friday.
    (datetime(2026, 12, 3, 9, 0, tzinfo=UTC), datetime(2026, 12, 4, 10, 0, tzinfo=UTC)),
    # Friday -> Monday, skipping the weekend.
    (datetime(2026, 12, 4, 12, 0, tzinfo=UTC), datetime(2026, 12, 7, 10, 0, tzinfo=UTC)),
    # Saturday -> Monday; Sunday -> Monday.
    (datetime(2026, 12, 5, 12, 0, tzinfo=UTC), datetime(2026, 12, 7, 10, 0, tzinfo=UTC)),
    (datetime(2026, 12, 6, 12, 0, tzinfo=UTC), datetime(2026, 12, 7, 10, 0, tzinfo=UTC)),
    # 23:30 UTC on a Sunday in summer is already Monday in London: -> Tuesday 10:00 BST.
    (datetime(2026, 6, 7, 23, 30, tzinfo=UTC), datetime(2026, 6, 9, 9, 0, tzinfo=UTC)),
])
def test_a_concern_escalates_at_ten_on_the_next_working_day_in_london(
        now: datetime, expected: datetime) -> None:
    result = deadline("concern", now)
    assert result == expected
    assert result.tzinfo is UTC


def test_the_working_day_follows_the_given_timezone() -> None:
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    result = escalation_deadline("concern", now, urgent_after=URGENT_AFTER, concern_at=TEN,
                                 timezone="America/New_York")
    assert result == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
