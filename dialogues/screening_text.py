"""Text helpers for the screener: normalisation, clause windows and the literal prefilter.

Normalised text is lower case, without apostrophes ("I'll" -> "ill", "don't" -> "dont"),
with hyphens, slashes and brackets turned into spaces or commas, line breaks into full
stops, runs of three or more of a letter cut to two ("killlll" -> "kill"), single spaces,
and txt-speak replaced word for word from the YAML ("gonna" -> "going to").

The prefilter reads each compiled pattern's syntax tree to find literal strings that any
match must contain ("kill", "hurt"...), so a message that contains none of a rule's
literals never runs that rule's regexes. Most messages contain none at all.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

_parser: Any = importlib.import_module("re._parser")  # sre_parse, without its deprecation
_c: Any = importlib.import_module("re._constants")

_TRANSLATE = str.maketrans({
    "'": None, "\u2019": None, "\u2018": None, "`": None, "\u00b4": None, "\u02bc": None,
    "-": " ", "\u2013": " ", "\u2014": " ", "_": " ", "/": " ", "\\": " ", "*": " ",
    "\"": " ", "\u201c": " ", "\u201d": " ", "\u00ab": " ", "\u00bb": " ", "~": " ",
    "#": " ", "|": " ", "+": " ", "=": " ", "<": " ", ">": " ", "^": " ",
    "&": " and ", "(": " , ", ")": " , ", "[": " , ", "]": " , ", "{": " , ", "}": " , ",
    ",": " , ", ";": " ; ", ":": " : ", "!": " ! ", "?": " ? ", ".": " . ",
    "\n": " . ", "\r": " . ", "\u2026": " . ",
    # accents typed on English words ("fiancé", "café")
    "\u00e9": "e", "\u00e8": "e", "\u00ea": "e", "\u00eb": "e", "\u00e1": "a", "\u00e0": "a",
    "\u00e2": "a", "\u00e4": "a", "\u00ed": "i", "\u00ef": "i", "\u00f3": "o", "\u00f6": "o",
    "\u00f4": "o", "\u00fa": "u", "\u00fc": "u", "\u00e7": "c", "\u00f1": "n",
})
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SENTENCE_END = re.compile(r"[.!?]")


def normalise(text: str, table: Mapping[str, str]) -> str:
    """Return the lower-case, apostrophe-free, txt-speak-expanded form the rules expect.

    Punctuation is spaced out ("her, then" -> "her , then") so every word is a token.
    """
    words = _REPEATS.sub(r"\1\1", text.lower().translate(_TRANSLATE)).split()
    if table.keys().isdisjoint(words):
        return " ".join(words)
    return " ".join([table.get(word, word) for word in words])


_WORD = re.compile(r"\S+")


def normalise_words(text: str, table: Mapping[str, str],
                    cache: dict[str, list[str]] | None = None) -> list[tuple[str, int, int]]:
    """The words of ``normalise(text, table)``, each with the span of the word of
    ``text`` (split on white space) it came from. Normalising word by word gives the same
    words as normalising the whole, because nothing in it reaches across white space.
    Slower than ``normalise``: used only to quote the words of a flagged message."""
    out: list[tuple[str, int, int]] = []
    known = {} if cache is None else cache
    if len(known) > 20_000:  # a bound on memory; the common words come straight back
        known.clear()
    for word in _WORD.finditer(text):
        start, end = word.span()
        raw = word.group(0)
        pieces = known.get(raw)
        if pieces is None:
            pieces = known[raw] = normalise(raw, table).split()
        for piece in pieces:
            out.append((piece, start, end))
    return out


def clause_start(text: str, pos: int, breaks: re.Pattern[str]) -> int:
    """Index where the clause holding ``pos`` begins (after a comma, "but", "so"...)."""
    start = text.rfind(".", 0, pos) + 1
    for match in breaks.finditer(text, start, pos):
        start = match.end()
    return start


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (split on . ! ?) around the span ``start:end``."""
    left = max(text.rfind(".", 0, start), text.rfind("!", 0, start),
               text.rfind("?", 0, start)) + 1
    after = _SENTENCE_END.search(text, end)
    return left, after.start() if after else len(text)


def chunks(text: str, size: int = 240) -> list[tuple[int, int]]:
    """Spans of whole sentences, about ``size`` characters each, covering ``text``."""
    if len(text) <= size:
        return [(0, len(text))]
    spans: list[tuple[int, int]] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        if end.end() - start >= size:
            spans.append((start, end.end()))
            start = end.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def last_words(text: str, count: int) -> str:
    """The last ``count`` words of ``text``, single-spaced."""
    return " ".join(text.split()[-count:])


# --- literal prefilter ---------------------------------------------------------------

_CAP = 512
_EMPTY = frozenset({""})
_SPACE = frozenset({" "})
_EDGE = "\x01"  # a word boundary, while literals are being built
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_ALNUM_ONLY = bytes(c if chr(c).isascii() and chr(c).isalnum() and not chr(c).isupper()
                    else 32 for c in range(256))
_Info = tuple[frozenset[str] | None, frozenset[str] | None, frozenset[str] | None]
# (exact: every string it can match, if few; required: one of these is in any match;
#  head: one of these starts any match)


def prefilter_text(text: str) -> str:
    """The text the literals are looked for in: padded, each non-alphanumeric a space."""
    ascii_only = text.encode("ascii", "replace").translate(_ALNUM_ONLY)
    return f" {ascii_only.decode('ascii')} "


class LiteralExtractor:
    """Reads a compiled pattern's syntax tree for literals that any match must contain.

    ``everyday`` (sample messages) and ``common_words`` come from the YAML: a literal
    that everyday messages often hold is a poor filter, so the rarest sets are chosen.
    A word boundary next to a letter becomes a space, so "od" needs " od", not "good".
    """

    def __init__(self, everyday: str, common_words: Iterable[str]) -> None:
        self._everyday = f" {_NOT_ALNUM.sub(' ', everyday.lower())} "
        self._common = frozenset(common_words)
        self._costs: dict[frozenset[str], float] = {}

    def required(self, pattern: re.Pattern[str], most: int = 3) -> list[frozenset[str]]:
        """Up to ``most`` sets of strings, rarest first, such that ``prefilter_text`` of
        any text the pattern matches holds a string from every set. Empty: none known."""
        collected: list[frozenset[str] | None] = []
        self._sequence(_parser.parse(pattern.pattern), False, collected)
        found: list[frozenset[str]] = []
        for literals in collected:
            if literals is None or not _usable(literals):
                continue
            edged = _minimal(frozenset(_edges(literal) for literal in literals))
            if edged not in found and len(edged) <= 300 and all(s.strip() for s in edged):
                found.append(edged)
        kept: list[frozenset[str]] = []
        for literal_set in sorted(found, key=self._cost):
            if not any(_implies(k, literal_set) for k in kept):
                kept.append(literal_set)
        return kept[:most]

    def _cost(self, strings: frozenset[str]) -> float:
        """Rough chance that an everyday message contains one of ``strings``."""
        if strings not in self._costs:
            miss = 1.0
            for literal in _minimal(frozenset(_edges(s) for s in strings)):
                miss *= 1.0 - self._chance(literal)
            self._costs[strings] = 1.0 - miss
        return self._costs[strings]

    def _chance(self, literal: str) -> float:
        words = literal.split()
        if words and all(w in self._common for w in words):
            base = 0.15 / 5.0 ** (len(words) - 1)
        else:
            size = len(literal.strip())
            base = 0.01 if size <= 4 else 0.004 if size <= 7 else 0.001
        if literal[:1] != " " or literal[-1:] != " ":
            base *= 2  # part of a word: "hit" is in "white"
        return min(0.95, base + self._everyday.count(literal) / 40)

    def _best(self, candidates: Iterable[frozenset[str] | None]) -> frozenset[str] | None:
        usable = [c for c in candidates if c is not None and _usable(c)]
        return min(usable, key=self._cost) if usable else None

    def _sequence(self, items: Iterable[tuple[Any, Any]], spaced: bool,
                  collected: list[frozenset[str] | None] | None = None) -> _Info:
        """``spaced``: a non-alphanumeric character (or the start) surely comes before."""
        candidates: list[frozenset[str] | None] = [] if collected is None else collected
        lead = 1 if spaced else 0  # the context space is in the run, not in the match
        run: frozenset[str] = _SPACE if spaced else _EMPTY
        whole: frozenset[str] | None = _EMPTY
        head: frozenset[str] | None = None
        at_start = True
        for op, av in items:
            exact, required, item_head = self._node(op, av, spaced)
            before, spaced = spaced, _ends_spaced(op, av, spaced)
            if exact is not None:
                joined = _product(run, exact)
                if joined is None:  # too many strings: start a new run here
                    candidates.append(run)
                    run = (_product(_SPACE, exact) if before else None) or exact
                    at_start = False
                else:
                    run = joined
            else:
                # The item's head still follows the run: "o" + (verdose|d) -> overdose, od.
                extended = (_product(run, item_head)
                            if item_head is not None and _usable(item_head) else None)
                candidates += [run, extended, required]
                if at_start:
                    start = extended if extended is not None else run
                    head = frozenset(x[lead:] for x in start)
                run, at_start = (_SPACE if spaced else _EMPTY), False
            whole = _product(whole, exact) if whole is not None and exact is not None else None
        candidates.append(run)
        if at_start:
            head = frozenset(x[lead:] for x in run)
        return whole, self._best(candidates), head

    def _node(self, op: Any, av: Any, spaced: bool) -> _Info:
        if op is _c.LITERAL:
            char = chr(av)
            if char != char.lower():
                raise ValueError(f"patterns must be lower case (found {char!r})")
            return frozenset({char}), None, None
        if op is _c.AT and av is _c.AT_BOUNDARY:
            return frozenset({_EDGE}), None, None
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            return _EMPTY, None, None
        if op is _c.IN:
            return _charset(av), None, None
        if op is _c.SUBPATTERN:
            return self._sequence(av[-1], spaced)
        if op is _c.BRANCH:
            return self._branch(av[1], spaced)
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            low, high, body = av
            exact, required, head = self._sequence(body, spaced)
            if low == 0:
                return (exact | _EMPTY if exact is not None and high == 1 else None), None, None
            if low == high == 1:
                return exact, required, head
            return None, self._best([required, exact]), exact or head
        return None, None, None

    def _branch(self, branches: Any, spaced: bool) -> _Info:
        exact: frozenset[str] | None = frozenset()
        required: frozenset[str] | None = frozenset()
        head: frozenset[str] | None = frozenset()
        for branch in branches:
            b_exact, b_required, b_head = self._sequence(branch, spaced)
            exact = exact | b_exact if exact is not None and b_exact is not None else None
            usable = b_exact if _usable(b_exact) else b_required
            required = required | usable if required is not None and usable else None
            head = (head | b_head if head is not None and b_head is not None
                    and _usable(b_head) else None)
        if exact is not None and len(exact) > _CAP:
            exact = None
        if head is not None and len(head) > _CAP:
            head = None
        return exact, required or None, head or None


def _implies(present: frozenset[str], other: frozenset[str]) -> bool:
    """Whether finding a string of ``present`` means a string of ``other`` is there too."""
    return all(any(o in p for o in other) for p in present)


@cache
def _minimal(strings: frozenset[str]) -> frozenset[str]:
    """Drop strings that contain another member: finding the shorter one is enough."""
    kept: list[str] = []
    for s in sorted(strings, key=len):
        if not any(k in s for k in kept):
            kept.append(s)
    return frozenset(kept)


@cache
def _edges(literal: str) -> str:
    if _EDGE not in literal:
        return _NOT_ALNUM.sub(" ", literal)
    chars: list[str] = []
    for i, char in enumerate(literal):
        if char != _EDGE:
            chars.append(" " if _NOT_ALNUM.match(char) else char)
            continue
        before = literal[i - 1] if i else ""
        after = literal[i + 1] if i + 1 < len(literal) else ""
        if (before == "" and after.isalnum()) or (after == "" and before.isalnum()):
            chars.append(" ")
    return "".join(chars)


def _product(left: frozenset[str], right: frozenset[str]) -> frozenset[str] | None:
    if len(left) * len(right) > (_CAP if len(left) == 1 or len(right) == 1 else 64):
        return None
    return frozenset(a + b for a in left for b in right)


def _usable(strings: frozenset[str] | None) -> bool:
    return strings is not None and bool(strings) and "" not in strings and _EDGE not in strings


def _ends_spaced(op: Any, av: Any, spaced: bool) -> bool:
    """Whether, after this item matches, the last character is surely not alphanumeric."""
    if op is _c.LITERAL:
        return not chr(av).isalnum()
    if op is _c.IN:
        return all((o is _c.LITERAL and not chr(a).isalnum())
                   or (o is _c.CATEGORY and a is _c.CATEGORY_SPACE) for o, a in av)
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return spaced
    if op is _c.SUBPATTERN:
        return _sequence_ends_spaced(av[-1], spaced)
    if op is _c.BRANCH:
        return all(_sequence_ends_spaced(b, spaced) for b in av[1])
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        low, _high, body = av
        once = _sequence_ends_spaced(body, spaced)
        every = once and _sequence_ends_spaced(body, True)
        return every if low >= 1 else spaced and every
    return False


def _sequence_ends_spaced(items: Iterable[tuple[Any, Any]], spaced: bool) -> bool:
    for op, av in items:
        spaced = _ends_spaced(op, av, spaced)
    return spaced


def _charset(items: Any) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < 4:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return None
    return frozenset(chars)


def trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, longest first, built as a trie for speed."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alternatives = [re.escape(char) + build(child)
                        for char, child in sorted(node.items()) if char]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else (
            "(?:" + "|".join(alternatives) + ")")
        return f"(?:{body})?" if "" in node else body

    return build(root)


class LiteralIndex:
    """Which of many patterns could match a text, from literals each one needs.

    Every pattern has up to three sets of literals (rarest first) and can only match
    if the text holds a literal from each. One trie regex finds the literals present.
    """

    def __init__(self, patterns: Sequence[re.Pattern[str]],
                 extractor: LiteralExtractor) -> None:
        self._needs: list[tuple[frozenset[str], ...]] = []
        always: list[int] = []
        by_first: dict[str, set[int]] = {}
        vocabulary: set[str] = set()
        for index, pattern in enumerate(patterns):
            needs = extractor.required(pattern)
            self._needs.append(tuple(needs[1:]))
            if not needs:
                always.append(index)
            for literal in needs[0] if needs else ():
                by_first.setdefault(literal, set()).add(index)
            for literal_set in needs:
                vocabulary |= literal_set
        self.unfiltered = tuple(always)
        self._always = frozenset(always)
        self._by_first = {k: frozenset(v) for k, v in by_first.items()}
        # A trie match at a position is the longest literal there, so it also stands
        # for every literal that is a prefix of it.
        self._closure = {
            literal: frozenset(literal[:n] for n in range(1, len(literal) + 1)
                               if literal[:n] in vocabulary)
            for literal in vocabulary
        }
        self._gate = re.compile(trie_pattern(by_first))
        self._trigger = re.compile("(?=(" + trie_pattern(vocabulary) + "))")

    def candidates(self, text: str) -> list[int]:
        """Indices of the patterns that could match ``text`` (normalised), in order."""
        padded = prefilter_text(text)
        if not self._gate.search(padded):
            return sorted(self._always)
        present: set[str] = set()
        for literal in self._trigger.findall(padded):
            present |= self._closure[literal]
        found = set(self._always)
        by_first = self._by_first
        for literal in present:
            if literal in by_first:
                found |= by_first[literal]
        out: list[int] = []
        for index in sorted(found):
            for need in self._needs[index]:
                if present.isdisjoint(need):
                    break
            else:
                out.append(index)
        return out
