"""Urgent help: "I'm not safe" offers both routes and files the flag the person chose; and the
safety replies to a flagged message (strangulation, a child at risk, drink or drugs)."""

from __future__ import annotations

import pytest

from content.loader import Content
from dialogues import urgent
from dialogues.effects import Button, RaiseFlag, Reply, Say
from dialogues.flow import FlowState
from dialogues.safeguarding import UNTOLD, respond
from dialogues.screening import Evidence, Screening
from tests.unit.conftest import MakeContext
from tests.unit.flow_helpers import actions, press, replies, reply_keys, state_name, text

FLOW = urgent.FLOW
CHOOSE = FlowState("urgent", "choose", 5, {})
WHICH = FlowState("urgent", "which", 6, {})
MENU = ((Button(Say("button.menu"), "m:0:menu"),),)


def test_im_not_safe_asks_which_kind_of_danger(ctx: MakeContext) -> None:
    outcome = FLOW.handle(CHOOSE, ctx(), press("not_safe"))

    assert state_name(outcome) == "which"
    assert actions(outcome) == []
    assert reply_keys(outcome) == ["urgent.not_safe_ask"]
    [reply] = replies(outcome)
    assert [[b.data.split(":", 2)[2] for b in row] for row in reply.buttons] == [
        ["self_harm"], ["being_harmed"], ["hurt_someone"], ["back"]]


def test_the_check_in_can_enter_straight_at_im_not_safe(ctx: MakeContext) -> None:
    outcome = FLOW.begin(ctx(), text(""), 3, trigger="not_safe")

    assert outcome.state == FlowState("urgent", "which", 3, {})


@pytest.mark.parametrize(
    ("choice", "key", "category", "excerpt"),
    [("self_harm", "urgent.not_safe", "self_harm", "urgent.excerpt.not_safe"),
     ("being_harmed", "urgent.being_harmed", "being_harmed", "urgent.excerpt.being_harmed"),
     ("hurt_someone", "urgent.hurt_someone", "harm_to_others", "urgent.excerpt.hurt_someone")],
)
def test_the_flag_is_filed_under_what_the_person_chose(
    ctx: MakeContext, choice: str, key: str, category: str, excerpt: str
) -> None:
    outcome = FLOW.handle(WHICH, ctx(), press(choice))

    assert outcome.state is None
    # The reply comes straight before its flag, so the shell can say whether anyone was told.
    assert outcome.effects == (
        Reply(Say(key), MENU),
        RaiseFlag("urgent", (category,), Say(excerpt), source="urgent_help"),
    )
    assert key in UNTOLD


def test_back_from_im_not_safe_raises_nothing(ctx: MakeContext) -> None:
    outcome = FLOW.handle(WHICH, ctx(), press("back"))

    assert not [a for a in outcome.effects if isinstance(a, RaiseFlag)]


def test_being_harmed_points_to_help_for_the_person_themselves(content: Content) -> None:
    [said] = content.locale.texts["urgent.being_harmed"]
    assert "{national_da_helpline_phone}" in said and "{emergency_phone}" in said
    assert "pass" not in said  # for their own safety, never a number to hand on


# --- replies to a flagged message -----------------------------------------------------------


def screening(severity: str, *categories: str) -> Screening:
    evidence = tuple(Evidence(f"{c}.rule", c, severity, "words") for c in categories)
    return Screening(True, severity, categories, evidence)  # type: ignore[arg-type]


def test_strangulation_gets_its_own_reply(content: Content) -> None:
    response = respond(screening("urgent", "strangulation", "partner_harm"), "x", in_flow=False)

    first = response.effects[0]
    assert isinstance(first, Reply) and first.text == Say("safety.urgent_strangulation")
    assert isinstance(response.effects[1], RaiseFlag)
    for key in ("safety.urgent_strangulation", "safety.urgent_strangulation_untold"):
        said = content.locale.texts[key][0]
        assert "serious and dangerous" in said
        assert "It matters" not in said


@pytest.mark.parametrize(
    ("categories", "extras"),
    [(("child_harm",), ["safety.child_line"]),
     (("substance",), ["safety.substance_line"]),
     (("partner_harm", "child_harm", "substance"), ["safety.child_line",
                                                     "safety.substance_line"]),
     (("partner_harm",), [])],
)
@pytest.mark.parametrize("severity", ["urgent", "concern"])
def test_a_child_at_risk_or_drink_and_drugs_add_their_helplines(
    categories: tuple[str, ...], extras: list[str], severity: str
) -> None:
    response = respond(screening(severity, *categories), "x", in_flow=True)

    reply, flag, *more = response.effects
    assert isinstance(reply, Reply) and isinstance(flag, RaiseFlag)  # the pair the shell needs
    assert [r.text.key for r in more if isinstance(r, Reply)] == extras
    # Urgent: the buttons (carry on, menu) sit on the last message, wherever that is.
    with_buttons = [e for e in response.effects if isinstance(e, Reply) and e.buttons]
    assert len(with_buttons) == (1 if severity == "urgent" else 0)
    if severity == "urgent":
        assert with_buttons[0] is [e for e in response.effects if isinstance(e, Reply)][-1]


def test_the_helpline_lines_use_the_numbers_from_resources_yaml(content: Content) -> None:
    child = content.locale.texts["safety.child_line"][0]
    drink = content.locale.texts["safety.substance_line"][0]
    assert "{nspcc_phone}" in child
    assert "{drinkline_phone}" in drink and "{frank_phone}" in drink
    assert content.resources.get("nspcc").phone == "0808 800 5000"
    assert content.resources.get("drinkline").phone == "0300 123 1110"
    assert content.resources.get("frank").phone == "0300 123 6600"
