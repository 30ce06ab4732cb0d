"""Rules and learned layer together, with a participant's previous message as context.

Combining: a message is flagged if either layer flags it; the severity is the higher of
the two; categories are the union. The rules keep the last word on what is always urgent
(strangulation, a weapon used or carried against someone, suicidal intent or means, a
child in danger now): their urgent verdicts stand whatever the learned layer says, and
the learned layer can only add. Evidence names the layer: a rule id and the words it
matched, or ``learned`` and "close to: <corpus example> (similarity)".

The previous message as context, and running off the event loop, are in
bot/screening_context.py. The work per message is bounded: the rules are linear in its
length and the learned layer embeds at most a fixed number of pieces.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

from bot.screen_learned import LearnedScreener, LearnedVerdict, default_learned_screener
from content.screening_rules import CATEGORIES
from dialogues.screening import CLEAR, Screener, Screening, default_screener

ALWAYS_URGENT = frozenset({"strangulation"})  # the rules add their own always-urgent cues
# STEADY_LEARNED_SCREENING=0 turns the learned layer off (the rules alone), e.g. to compare.
_ENV_SWITCH = "STEADY_LEARNED_SCREENING"


def combine(rules: Screening, learned: Screening) -> Screening:
    """Either layer flags; the higher severity; every category; both layers' evidence."""
    if not learned.flagged:
        return rules
    if not rules.flagged:
        base = learned
    else:
        present = set(rules.categories) | set(learned.categories)
        urgent = "urgent" in (rules.severity, learned.severity)
        base = Screening(True, "urgent" if urgent else "concern",
                         tuple(c for c in CATEGORIES if c in present),
                         rules.evidence + learned.evidence)
    if ALWAYS_URGENT & set(base.categories) and base.severity != "urgent":
        base = replace(base, severity="urgent")
    return base


@dataclass(frozen=True)
class Explanation:
    rules: Screening
    learned: LearnedVerdict | None
    combined: Screening


class CombinedScreener:
    """The rule screener and (unless switched off) the learned layer; thread-safe."""

    def __init__(self, rules: Screener, learned: LearnedScreener | None) -> None:
        self.rules = rules
        self.learned = learned

    def screen(self, text: str) -> Screening:
        return self.screen_many([text])[0]

    def screen_many(self, texts: Sequence[str]) -> list[Screening]:
        """Several messages with one batched pass of the learned layer (for the CLI)."""
        ruled = [self.rules.screen(t) for t in texts]
        if self.learned is None:
            return ruled
        verdicts = self.learned.verdicts(texts)
        return [combine(r, v.screening()) for r, v in zip(ruled, verdicts, strict=True)]

    def explain(self, text: str) -> Explanation:
        rules = self.rules.screen(text)
        verdict = self.learned.verdict(text) if self.learned is not None else None
        learned = verdict.screening() if verdict is not None else CLEAR
        return Explanation(rules, verdict, combine(rules, learned))


def learned_enabled() -> bool:
    return os.environ.get(_ENV_SWITCH, "1") != "0"


@cache
def default_combined_screener() -> CombinedScreener:
    """Built once per process: the compiled rules and the loaded model (warm start)."""
    learned = default_learned_screener() if learned_enabled() else None
    return CombinedScreener(default_screener(), learned)


def screen(text: str) -> Screening:
    """The shipped screener, both layers: the callable the engine is given."""
    return default_combined_screener().screen(text)
