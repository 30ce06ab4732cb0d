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
from collections.abc import Iterable, Mapping
from typing import Any

_parser: Any = importlib.import_module("re._parser")  # sre_parse, without its deprecation
_c: Any = importlib.import_module("re._constants")

_TRANSLATE = str.maketrans({
    "'": None, "\u2019": None, "\u2018": None, "`": None, "\u00b4": None, "\u02bc": None,
    "-": " ", "\u2013": " ", "\u2014": " ", "_": " ", "/": " ", "\\": " ", "*": " ",
    "\"": " ", "\u201c": " ", "\u201d": " ", "\u00ab": " ", "\u00bb": " ", "~": " ",
    "#": " ", "|": " ", "+": " ", "=": " ", "<": " ", ">": " ", "^": " ",
    "&": " and ", "(": ", ", ")": ", ", "[": ", ", "]": ", ", "{": ", ", "}": ", ",
    "\n": " . ", "\r": " . ", "\u2026": " . ",
})
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SENTENCE_END = re.compile(r"[.!?]")


def normalise(text: str, replace: re.Pattern[str] | None, table: Mapping[str, str]) -> str:
    """Return the lower-case, apostrophe-free, txt-speak-expanded form the rules expect."""
    out = text.lower().translate(_TRANSLATE)
    if "  " in out or "\t" in out:
        out = " ".join(out.split())
    out = _REPEATS.sub(r"\1\1", out).strip()
    if replace is not None:
        out = replace.sub(lambda m: table[m.group(0)], out)
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


def last_words(text: str, count: int) -> str:
    """The last ``count`` words of ``text``, single-spaced."""
    return " ".join(text.split()[-count:])


# --- literal prefilter ---------------------------------------------------------------

_CAP = 64
_EMPTY = frozenset({""})
# Everyday check-in language (normalised). Literals that occur here a lot are poor
# prefilters, so each pattern is filtered on its rarest required literals.
_EVERYDAY = (
    "had a good day at work today and went to the gym after. im feeling ok, a bit tired. "
    "took the kids to the park and then we had tea at my mums. the session this week was "
    "about jealousy and it made me think. i used my time out when i felt the anger coming "
    "on and went for a walk. my partner and i talked about the school run. i have been "
    "doing the journal every night. can you remind me what time my next appointment is. "
    "thanks that helped a lot. slept badly, going to bed early tonight. i feel calmer than "
    "last week but work is busy. we watched a film and got a takeaway. my son scored at "
    "football on saturday, so proud of him. i need to sort my car out. it was her birthday "
    "so we went for a meal. i followed the plan we made and it went fine. i was angry but "
    "i walked away and came back when i was calm. the weather has been rubbish. i am on "
    "my way to work. i have been sober for a month now. i spoke to my mate about how i "
    "feel. i dont know what to do about money. the kids are with their mum this weekend."
)
_EVERYDAY_PADDED = f" {re.sub(r'[^a-z0-9]', ' ', _EVERYDAY)} "
_Info = tuple[frozenset[str] | None, frozenset[str] | None, frozenset[str] | None]
# (exact: every string it can match, if few; required: one of these is in any match;
#  head: one of these starts any match)


_EDGE = "\x01"  # a word boundary, while literals are being built
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def prefilter_text(text: str) -> str:
    """The text the literals are looked for in: padded, each non-alphanumeric a space."""
    return f" {_NOT_ALNUM.sub(' ', text)} "


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which ``prefilter_text`` of any match's text contains, or None.

    A word boundary next to a letter becomes a space, so "od" needs " od", not "good".
    """
    _exact, required, _head = _sequence(_parser.parse(pattern.pattern))
    if required is None:
        return None
    out = frozenset(_edges(literal) for literal in required)
    return out if _usable(out) and "" not in out and " " not in out else None


def _edges(literal: str) -> str:
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
    if len(left) * len(right) > _CAP:
        return None
    return frozenset(a + b for a in left for b in right)


def _usable(strings: frozenset[str] | None) -> bool:
    return bool(strings) and "" not in strings and _EDGE not in strings  # type: ignore[operator]


def _cost(strings: frozenset[str]) -> float:
    return sum(_EVERYDAY_PADDED.count(_edges(s)) + 2.0 ** -len(s.strip(_EDGE))
               for s in strings)


def _best(candidates: Iterable[frozenset[str] | None]) -> frozenset[str] | None:
    usable = [c for c in candidates if c is not None and _usable(c)]
    return min(usable, key=_cost) if usable else None


def _sequence(items: Iterable[tuple[Any, Any]]) -> _Info:
    candidates: list[frozenset[str] | None] = []
    run: frozenset[str] = _EMPTY
    whole: frozenset[str] | None = _EMPTY
    head: frozenset[str] | None = None
    at_start = True
    for op, av in items:
        exact, required, item_head = _node(op, av)
        if exact is not None:
            joined = _product(run, exact)
            if joined is None:
                candidates.append(run)
                run, at_start = exact, False
            else:
                run = joined
        else:
            # The item's head still follows the run: "o" + (verdose|d) -> overdose, od.
            extended = _product(run, item_head) if _usable(item_head) else None
            candidates += [run, extended, required]
            if at_start:
                head = extended if extended is not None else run
            run, at_start = _EMPTY, False
        whole = _product(whole, exact) if whole is not None and exact is not None else None
    candidates.append(run)
    if at_start:
        head = run
    return whole, _best(candidates), head


def _node(op: Any, av: Any) -> _Info:
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
        return _sequence(av[-1])
    if op is _c.BRANCH:
        return _branch(av[1])
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        low, high, body = av
        exact, required, head = _sequence(body)
        if low == 0:
            return (exact | _EMPTY if exact is not None and high == 1 else None), None, None
        if low == high == 1:
            return exact, required, head
        return None, _best([required, exact]), exact or head
    return None, None, None


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


def _branch(branches: Any) -> _Info:
    exact: frozenset[str] | None = frozenset()
    required: frozenset[str] | None = frozenset()
    head: frozenset[str] | None = frozenset()
    for branch in branches:
        b_exact, b_required, b_head = _sequence(branch)
        exact = exact | b_exact if exact is not None and b_exact is not None else None
        usable = b_exact if _usable(b_exact) else b_required
        required = required | usable if required is not None and usable else None
        head = head | b_head if head is not None and _usable(b_head) else None
    if exact is not None and len(exact) > _CAP:
        exact = None
    if head is not None and len(head) > _CAP:
        head = None
    return exact, required or None, head or None


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
