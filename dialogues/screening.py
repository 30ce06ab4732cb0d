"""The disclosure screener: does a participant's message need a person to look at it?

Theory of operation. The lexicon lives in content/screening.yaml; this module only applies
it, and every decision is traceable to a rule id. For one message:

1. Undo disguises (k1ll, h u r t, zero-width and look-alike characters: see
   screening_normalise), keeping where each character came from; then normalise (lower
   case, no apostrophes, txt-speak expanded: see screening_text).
2. Prefilter: a pattern runs only if the literals it needs occur (screening_text reads
   them from the compiled regexes); most messages stop here. Long messages are
   filtered and scanned a few sentences at a time.
3. For each candidate pattern, find its matches. A match is dropped when: a negation
   cue governs it in its clause ("I'd never hurt her"), unless a breaker undoes the cue
   ("I'm not sure I won't hurt her"); it overlaps an idiom ("killing time"); the clause
   is programme or media talk ("the session on stalking"); the words just before it are
   in the rule's ``unless_before`` (an urge, a reported threat); the rule's ``requires``
   terms are missing or its ``unless`` terms are present; or the whole clause before it
   is someone else as the subject ("my dad used to hit her"), unless a child is at risk.
4. Rules aimed at a person take their category from who it is ("my son" -> child_harm);
   "her", "him" and "them" refer to the last person of that kind named earlier in the
   message; failing that, to a partner of that sex named anywhere in it ("I slapped him,
   he's my husband") or known from ``partner_gender``; else to the pronoun's default (her
   -> partner, him -> someone else). "Her mum" just after a child is named is that
   child's mother, the partner. A concern told as past learning ("I used to..., I don't
   now") is dropped.
5. Severity is the rule's, raised to urgent by an ``escalate_when`` cue in scope, or
   because the category is always urgent (strangulation).
6. Evidence quotes the participant's own words, mapped back through both steps of 1.

Cost is linear in message length: clause and sentence bounds, the people named and the
per-sentence checks are worked out once per message (``_Message``), and the words before
a match are read back at most ``_BEFORE`` characters.

Pure: no I/O beyond loading the YAML once, no logging, no database, no Telegram.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

from content.screening_rules import (
    CATEGORIES,
    CompiledRule,
    Gender,
    Pronoun,
    ScreeningRules,
    default_screening_rules,
)
from dialogues.screening_normalise import Folded, Folder
from dialogues.screening_text import (
    LiteralExtractor,
    LiteralIndex,
    chunks,
    last_words,
    normalise,
    normalise_words,
)

Level = Literal["urgent", "concern"]
PartnerGender = Literal["female", "male"]


@dataclass(frozen=True)
class Evidence:
    """Which rule fired, for which category and severity, on which words: ``matched``
    quotes the participant's own text (before any normalisation)."""

    rule: str
    category: str
    severity: str
    matched: str


@dataclass(frozen=True)
class Screening:
    flagged: bool
    severity: Level | None
    categories: tuple[str, ...]
    evidence: tuple[Evidence, ...]


CLEAR = Screening(False, None, (), ())
# Categories that count whoever is the subject: a child at risk, a weapon within reach,
# or the participant's own self-harm, coercion or breach told from another angle.
_OWN_RISK = frozenset({"child_harm", "weapon", "self_harm", "sexual_coercion", "breach"})
_NOTHING = re.compile(r"(?!x)x")
_EITHER_REACH = 60  # characters a gender-neutral person word reaches forward to a pronoun


class Screener:
    """Compiled screening rules plus the prefilter; ``screen`` is safe to call concurrently."""

    def __init__(self, rules: ScreeningRules) -> None:
        self.rules = rules
        self._compiled = rules.compiled
        self._people = rules.people_index
        self._always_urgent = frozenset(rules.always_urgent)
        self._table = rules.replacements
        self._folder = Folder(rules.evasion_words)
        self._word_cache: dict[str, list[str]] = {}  # raw word -> its normalised words

        pattern = rules.pattern
        self._cues = pattern("negation_cues") or _NOTHING
        self._breakers = pattern("negation_breakers") or _NOTHING
        self._denied_after = pattern("negation_after") or _NOTHING
        self._new_subject = pattern("new_subject") or _NOTHING
        self._topic = pattern("topic_talk") or _NOTHING
        self._third_party = pattern("third_party") or _NOTHING
        self._breaks = pattern("clause_breaks") or _NOTHING
        self._past = pattern("past_cues") or _NOTHING
        self._reflection = pattern("reflection_cues") or _NOTHING
        self._window = rules.negation.window_words
        self._parent_words = re.compile(rules.childs_parent) if rules.childs_parent \
            else _NOTHING
        self._build_prefilter()

    def _build_prefilter(self) -> None:
        """One literal index over every rule pattern, then every idiom."""
        self._pairs = [(rule, p) for rule in self._compiled for p in rule.patterns]
        self._idiom_list = self.rules.patterns("idioms")
        extractor = LiteralExtractor(self.rules.prefilter.everyday,
                                     self.rules.prefilter.common_words)
        self._index = LiteralIndex([p for _, p in self._pairs] + list(self._idiom_list),
                                   extractor)
        self.unfiltered = tuple(f"{self._pairs[i][0].id} pattern {i}"
                                if i < len(self._pairs) else f"idiom {i - len(self._pairs)}"
                                for i in self._index.unfiltered)

    def candidate_patterns(self, t: str) -> list[int]:
        """Indices into every rule's patterns, in order, that the prefilter lets run on
        normalised text ``t``; a pattern left out cannot match (tests check this)."""
        rules = len(self._pairs)
        return sorted({i for start, end in chunks(t)
                       for i in self._index.candidates(t[start:end]) if i < rules})

    def normalise(self, text: str) -> str:
        """The text the rules read: disguises undone (screening_normalise), then lower
        case without apostrophes and txt-speak expanded (screening_text)."""
        return normalise(self._folder.fold(text).text, self._table)

    def screen(self, text: str, partner_gender: PartnerGender | None = None) -> Screening:
        """Screen one message. ``partner_gender``, when the participant has said it,
        tells who an unexplained "him" or "her" most likely is: "I slapped him" from
        someone whose partner is a man is harm to the partner."""
        folded = self._folder.fold(text)
        t = normalise(folded.text, self._table)
        found: dict[tuple[str, str], Evidence] = {}
        spans: dict[tuple[str, str], tuple[int, int]] = {}
        rules = len(self._pairs)
        message: _Message | None = None
        for start, end in chunks(t):  # long texts: filter and scan a few sentences at a time
            candidates = self._index.candidates(t[start:end])
            idioms: _Spans | None = None
            for index in candidates:
                if index >= rules:
                    break
                rule, p = self._pairs[index]
                if rule.scope == "message" and rule.requires is not None:
                    # The whole message must hold these anyway: ask once, before the
                    # (often slower) patterns run.
                    if message is None:
                        message = _Message(t, self._breaks, self._people.referents,
                                           partner_gender)
                    if not message.finds(rule.requires, 0, len(t)):
                        continue
                for match in p.finditer(t, start, end):
                    if idioms is None:
                        idioms = _Spans([m.span() for i in candidates if i >= rules
                                         for m in self._idiom_list[i - rules].finditer(
                                             t, start, end)])
                    if message is None:
                        message = _Message(t, self._breaks, self._people.referents,
                                           partner_gender)
                    for ev in self._judge(rule, match, message, idioms):
                        key = (ev.rule, ev.category)
                        if key not in found or ev.severity > found[key].severity:
                            found[key] = ev  # first evidence per rule, or an urgent one
                            spans[key] = match.span()
        if not found:
            return CLEAR
        quote = _Quoter(text, folded, t, self._table, self._word_cache)
        return _summarise(tuple(replace(ev, matched=quote(*spans[key]))
                                for key, ev in found.items()))

    def _judge(self, rule: CompiledRule, match: re.Match[str], message: _Message,
               idioms: _Spans) -> list[Evidence]:
        # Everything here looks at a bounded window round the match, or at the sentence
        # once per rule (memoised), so a long message costs time in proportion to it.
        t = message.text
        start, end = match.span()
        if idioms.overlaps(start, end):
            return []
        clause = message.clause_start(start)
        # Nothing below reads further back than _BEFORE characters (a few words).
        before = t[max(clause, start - _BEFORE):start].strip()
        if rule.negatable and (self._negated(last_words(before, self._window), t, start)
                               or self._denied_after.match(t, end)):
            return []
        if rule.topic_talk_applies and self._is_topic_talk(before):
            return []
        if rule.unless_before is not None and rule.unless_before.search(before):
            return []
        if rule.scope == "message":
            left, right = 0, len(t)
        else:
            left, right = message.sentence(start, end)
        if rule.requires is not None and not message.finds(rule.requires, left, right):
            return []
        if rule.unless is not None and message.finds(rule.unless, left, right):
            return []
        target = self._target(rule, match, message)
        if (not _OWN_RISK & {target, rule.category} and start - clause <= _BEFORE
                and self._third_party.search(before)):
            return []  # someone else did it ("my dad used to hit her")
        severity: Level = rule.severity
        if (severity == "concern" and rule.escalate is not None
                and message.finds(rule.escalate, left, right)):
            severity = "urgent"
        categories = [rule.category if rule.category != "target" else target]
        if rule.with_target and target is not None:
            categories.append(target)
        if any(c in self._always_urgent for c in categories):
            severity = "urgent"
        if (severity == "concern" and self._past.search(before)
                and message.finds(self._reflection, 0, len(t))):
            return []  # past learning: "I used to follow her; I'm ashamed of it now"
        words = match.group(0).strip()
        return [Evidence(rule.id, c, severity, words) for c in dict.fromkeys(categories)
                if c is not None]

    def _negated(self, window: str, t: str, start: int) -> bool:
        """Whether a cue governs the match: not undone by a breaker, and no new subject
        between the cue and the match (nor at its start: "...doesnt stop ill hit him")."""
        head = self._new_subject.match(t, start)
        if head is not None:
            window = f"{window} {head.group(0)}"
        cue = None
        for cue in self._cues.finditer(window):  # noqa: B007 - the last cue is wanted
            pass
        if cue is None or self._breakers.search(window):
            return False
        return self._new_subject.search(window, cue.end()) is None

    def _is_topic_talk(self, before: str) -> bool:
        topic = self._topic.search(before)
        return topic is not None and self._new_subject.search(before, topic.end()) is None

    def _target(self, rule: CompiledRule, match: re.Match[str],
                message: _Message) -> str | None:
        """The category of the person the words are aimed at, if the rule cares."""
        if rule.category != "target" and not rule.with_target:
            return None
        people = self._people
        who = match.group("who") if "who" in match.re.groupindex else None
        key = rule.default_target
        if who is not None:
            pronoun = people.pronouns.get(who)
            at = match.start("who")
            if pronoun is None:
                key = next((k for k, _c, _g, p in people.groups if p.fullmatch(who)), key)
                if key == "other" and self._childs_parent(who, message, at):
                    key = "partner"
            else:
                key = message.referent(pronoun, at)
                if key in (None, "other") and "partner" in self.rules.people and (
                        message.names_partner(pronoun.refers_to)
                        or message.partner_gender in pronoun.refers_to):
                    # "I slapped him ... he's my husband": the partner is named in the
                    # message (even after the pronoun), or known to be of this gender.
                    key = "partner"
                elif key is None:
                    key = rule.pronouns_default_to or pronoun.default
                    if (key == "partner" and message.partner_gender is not None
                            and message.partner_gender not in pronoun.refers_to):
                        key = "other"  # "her", from someone whose partner is a man
        return self.rules.people[key].category if key is not None else None

    def _childs_parent(self, who: str, message: _Message, at: int) -> bool:
        """Whether ``who`` ("her mum") is the mother of the child named last before ``at``:
        "my 6 year old saw me punch her mum" is about the partner, not someone else."""
        if "partner" not in self.rules.people or not self._parent_words.fullmatch(who):
            return False
        last = message.last_referent(at)
        return last is not None and last[1] == "child"


_BEFORE = 240  # characters before a match that negation, topic and subject checks read


class _Spans:
    """Idiom spans, for "does this match overlap one?" in logarithmic time."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans.sort()
        self._starts = [a for a, _ in spans]
        self._reach: list[int] = []  # the furthest end among spans starting so far
        furthest = -1
        for _, b in spans:
            furthest = max(furthest, b)
            self._reach.append(furthest)

    def overlaps(self, start: int, end: int) -> bool:
        count = bisect_left(self._starts, end)  # spans starting before the match ends
        return count > 0 and self._reach[count - 1] > start


class _Message:
    """One normalised message, with what the rules ask about it worked out once:
    clause and sentence boundaries, the people named and where, and per-sentence
    answers of the rules' extra patterns. Keeps screening linear in message length."""

    def __init__(self, text: str, breaks: re.Pattern[str], referents: re.Pattern[str],
                 partner_gender: str | None = None) -> None:
        self.text = text
        self.partner_gender = partner_gender
        self._breaks = breaks
        self._referents = referents
        self._clause_ends: list[int] | None = None
        self._sentence_ends: list[int] | None = None
        self._refs: list[tuple[int, str, str]] | None = None  # (end, people key, gender)
        self._ref_ends: list[int] = []
        self._found: dict[tuple[int, int, int], bool] = {}
        self._partner_genders: set[str] | None = None
        self._by_pronoun: dict[str, tuple[list[tuple[int, str]], list[int],
                                          list[tuple[int, str]], list[int]]] = {}

    def clause_start(self, pos: int) -> int:
        """Where the clause holding ``pos`` begins (after a comma, "but", "so"...)."""
        if self._clause_ends is None:
            self._clause_ends = [m.end() for m in self._breaks.finditer(self.text)]
        ends = self._clause_ends
        index = bisect_right(ends, pos) - 1
        return ends[index] if index >= 0 else 0

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """The sentence (split on . ! ?) around the span ``start:end``."""
        if self._sentence_ends is None:
            self._sentence_ends = [m.start() for m in _SENTENCE_MARK.finditer(self.text)]
        marks = self._sentence_ends
        before = bisect_left(marks, start) - 1
        after = bisect_left(marks, end)
        return (marks[before] + 1 if before >= 0 else 0,
                marks[after] if after < len(marks) else len(self.text))

    def finds(self, pattern: re.Pattern[str], left: int, right: int) -> bool:
        """Whether ``pattern`` occurs in ``text[left:right]``; asked once per sentence."""
        key = (id(pattern), left, right)
        if key not in self._found:
            self._found[key] = pattern.search(self.text[left:right]) is not None
        return self._found[key]

    def _people(self) -> list[tuple[int, str, str]]:
        if self._refs is None:
            self._refs = []
            for ref in self._referents.finditer(self.text):
                group, _, gender = (ref.lastgroup or "").partition("__")
                self._refs.append((ref.end(), group, gender))
            self._ref_ends = [end for end, _, _ in self._refs]
        return self._refs

    def names_partner(self, genders: list[Gender]) -> bool:
        """Whether the message names a partner of one of ``genders`` anywhere."""
        if self._partner_genders is None:
            self._partner_genders = {gender for _, group, gender in self._people()
                                     if group == "partner"}
        return not self._partner_genders.isdisjoint(genders)

    def last_referent(self, at: int) -> tuple[int, str, str] | None:
        """The last person word that ends by ``at``."""
        refs = self._people()
        index = bisect_right(self._ref_ends, at) - 1
        return refs[index] if index >= 0 else None

    def referent(self, pronoun: Pronoun, at: int) -> str | None:
        """Who "her", "him" or "them" at ``at`` means: the last person of that kind
        named before it. A word that could be anyone's ("my manager") names "her" only
        within _EITHER_REACH characters. None: nobody fits, so the pronoun's default."""
        if pronoun.word not in self._by_pronoun:
            sure: list[tuple[int, str]] = []  # always fit
            nearby: list[tuple[int, str]] = []  # fit only within reach
            for end, group, gender in self._people():
                if gender not in pronoun.refers_to:
                    continue
                if gender != "either" or group == pronoun.default:
                    sure.append((end, group))
                else:
                    nearby.append((end, group))
            self._by_pronoun[pronoun.word] = (sure, [e for e, _ in sure],
                                              nearby, [e for e, _ in nearby])
        sure, sure_ends, nearby, nearby_ends = self._by_pronoun[pronoun.word]
        best: tuple[int, str] | None = None
        index = bisect_right(sure_ends, at) - 1
        if index >= 0:
            best = sure[index]
        index = bisect_right(nearby_ends, at) - 1
        if index >= 0 and nearby[index][0] >= at - _EITHER_REACH and (
                best is None or nearby[index][0] >= best[0]):
            best = nearby[index]
        return best[1] if best is not None else None


_SENTENCE_MARK = re.compile(r"[.!?]")


class _Quoter:
    """Maps a span of the normalised text back to the participant's own words."""

    def __init__(self, original: str, folded: Folded, t: str,
                 table: dict[str, str], cache: dict[str, list[str]]) -> None:
        self._original = original
        self._folded = folded
        words = normalise_words(folded.text, table, cache)
        self._ok = " ".join(w for w, _, _ in words) == t
        self._words = words
        self._t = t
        offsets, at = [], 0
        for word, _, _ in words:
            offsets.append(at)
            at += len(word) + 1
        self._offsets = offsets

    def __call__(self, start: int, end: int) -> str:
        if not self._ok or not self._words:  # cannot happen; quote the normalised words
            return self._t[start:end].strip()
        first = max(bisect_right(self._offsets, start) - 1, 0)
        last = max(bisect_right(self._offsets, max(end - 1, start)) - 1, first)
        left = self._words[first][1]
        right = self._words[last][2]
        o_left, _ = self._folded.original_span(left, left + 1)
        _, o_right = self._folded.original_span(right - 1, right)
        return self._original[o_left:o_right].strip()


def _summarise(evidence: tuple[Evidence, ...]) -> Screening:
    if not evidence:
        return CLEAR
    present = {e.category for e in evidence}
    severity: Level = "urgent" if any(e.severity == "urgent" for e in evidence) else "concern"
    return Screening(True, severity, tuple(c for c in CATEGORIES if c in present), evidence)


@cache
def default_screener() -> Screener:
    """The screener for content/screening.yaml, built once per process."""
    return Screener(default_screening_rules())


def screen(text: str, rules: ScreeningRules | None = None) -> Screening:
    """Screen one message with the shipped rules, or with ``rules`` if given.

    Passing ``rules`` builds a new Screener each call; hold a Screener to screen many.
    """
    if rules is None:
        return default_screener().screen(text)
    return Screener(rules).screen(text)
