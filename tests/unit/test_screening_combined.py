"""Rules and learned layer combined, the previous message as context, and --explain.
Sentences are invented for these tests."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.screen_cli import explain_stream, screen_stream
from bot.screening_combined import CombinedScreener, combine, default_combined_screener
from bot.screening_context import ContextScreener
from dialogues.screening import CLEAR, Evidence, Screening, screen

NOW = datetime(2024, 7, 15, 18, 0, tzinfo=UTC)


def _s(severity: str, *categories: str, rule: str = "r") -> Screening:
    return Screening(True, severity, categories,  # type: ignore[arg-type]
                     tuple(Evidence(rule, c, severity, "words") for c in categories))


def test_either_layer_flags_and_the_higher_severity_wins() -> None:
    rules = _s("concern", "partner_harm", rule="harm.physical")
    learned = _s("urgent", "stalking", rule="learned")
    both = combine(rules, learned)
    assert both.flagged and both.severity == "urgent"
    assert both.categories == ("partner_harm", "stalking")
    assert {e.rule for e in both.evidence} == {"harm.physical", "learned"}
    assert combine(rules, CLEAR) == rules
    assert combine(CLEAR, learned) == learned
    assert combine(CLEAR, CLEAR) == CLEAR


def test_the_learned_layer_cannot_lower_an_urgent_rule_verdict() -> None:
    rules = _s("urgent", "strangulation", "partner_harm", rule="strangulation.neck")
    assert combine(rules, _s("concern", "partner_harm", rule="learned")).severity == "urgent"


def test_strangulation_is_urgent_whichever_layer_finds_it() -> None:
    assert combine(CLEAR, _s("concern", "strangulation", rule="learned")).severity == "urgent"


@pytest.fixture(scope="module")
def shipped() -> CombinedScreener:
    return default_combined_screener()


def test_the_shipped_screener_has_both_layers(shipped: CombinedScreener) -> None:
    assert shipped.learned is not None
    rule_hit = shipped.screen("I'm going to strangle her when I get home")
    assert rule_hit.severity == "urgent" and "strangulation" in rule_hit.categories
    assert any(e.rule != "learned" for e in rule_hit.evidence)
    assert not shipped.screen("thanks, that helped").flagged


def test_the_learned_layer_adds_what_the_rules_miss(shipped: CombinedScreener) -> None:
    text = "she's not allowed out on a Saturday unless I say so"
    explanation = shipped.explain(text)
    assert not explanation.rules.flagged
    assert explanation.combined.flagged and "partner_harm" in explanation.combined.categories
    learned = [e for e in explanation.combined.evidence if e.rule == "learned"]
    assert learned and learned[0].matched.startswith("close to: ")


def test_explain_names_each_layer(shipped: CombinedScreener) -> None:
    out = io.StringIO()
    lines = '{"text": "I want to die"}\nshe\'s not allowed out on a Saturday unless I say so\n' \
        'we had a nice tea\n'
    explain_stream(io.StringIO(lines), out, shipped)
    text = out.getvalue()
    assert "combined: FLAGGED urgent" in text
    assert "rules:    self_harm." in text
    assert "rules:    nothing matched" in text
    assert "learned:  concern: partner_harm" in text and "close to:" in text
    assert "combined: clear" in text


def test_screen_stream_batches_and_keeps_the_order(shipped: CombinedScreener) -> None:
    lines = "".join(f'{{"text": "line {i} is fine"}}\n' for i in range(70))
    lines += '{"text": "I want to die"}\n'
    out = io.StringIO()
    assert screen_stream(io.StringIO(lines), out, shipped) == 0
    results = out.getvalue().splitlines()
    assert len(results) == 71
    assert '"flagged": true' in results[-1]


# ----------------------------------------------------------------- context


async def test_risk_split_over_two_messages_is_caught_with_the_first_as_context() -> None:
    """Rules only, so the figure is about the joining: neither half flags alone."""
    context = ContextScreener(lambda t: screen(t))
    first, second = "i keep thinking about the pills", "and taking them all tonight"
    assert not screen(first).flagged and not screen(second).flagged
    assert screen(f"{first}\n{second}").flagged
    assert not (await context.screen(1, first, NOW)).flagged
    joined = await context.screen(1, second, NOW + timedelta(minutes=2))
    assert joined.flagged and joined.severity == "urgent"
    assert "(with the message before)" in joined.evidence[0].matched


async def test_context_is_only_the_same_person_and_only_recent() -> None:
    context = ContextScreener(lambda t: screen(t))
    first, second = "i keep thinking about the pills", "and taking them all tonight"
    await context.screen(1, first, NOW)
    assert not (await context.screen(2, second, NOW)).flagged  # someone else
    await context.screen(3, first, NOW)
    assert not (await context.screen(3, second, NOW + timedelta(minutes=10))).flagged


async def test_a_flagged_message_is_not_joined_again() -> None:
    seen: list[str] = []

    def recording(text: str) -> Screening:
        seen.append(text)
        return screen(text)

    context = ContextScreener(recording)
    assert (await context.screen(1, "I want to die", NOW)).flagged
    await context.screen(1, "sorry, ignore me", NOW)
    assert seen == ["I want to die", "sorry, ignore me"]
