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
_Info = tuple[frozenset[str] | None, frozenset[str] | None]  # (exact strings, required)
_EMPTY = frozenset({""})


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` contains; None if none are known."""
    _exact, required = _sequence(_parser.parse(pattern.pattern))
    return required


def _product(left: frozenset[str], right: frozenset[str]) -> frozenset[str] | None:
    if len(left) * len(right) > _CAP:
        return None
    return frozenset(a + b for a in left for b in right)


def _best(candidates: Iterable[frozenset[str]]) -> frozenset[str] | None:
    usable = [c for c in candidates if c and "" not in c]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(len(s) for s in c), -len(c)))


def _sequence(items: Iterable[tuple[Any, Any]]) -> _Info:
    candidates: list[frozenset[str]] = []
    run: frozenset[str] = _EMPTY
    whole: frozenset[str] | None = _EMPTY
    for op, av in items:
        exact, required = _node(op, av)
        repeat_head = None
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
            repeat_head, _ = _sequence(av[2])
        if exact is not None:
            joined = _product(run, exact)
            if joined is None:
                candidates.append(run)
                run = exact
            else:
                run = joined
        elif repeat_head is not None:  # "l+": the first "l" is certain, the rest is not
            joined = _product(run, repeat_head)
            candidates.append(joined if joined is not None else repeat_head)
            run = _EMPTY
        else:
            candidates.append(run)
            run = _EMPTY
            if required is not None:
                candidates.append(required)
        whole = _product(whole, exact) if whole is not None and exact is not None else None
    candidates.append(run)
    return whole, _best(candidates)


def _node(op: Any, av: Any) -> _Info:
    if op is _c.LITERAL:
        char = chr(av)
        if char != char.lower():
            raise ValueError(f"patterns must be lower case (found {char!r})")
        return frozenset({char}), None
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return _EMPTY, None
    if op is _c.IN:
        return _charset(av), None
    if op is _c.SUBPATTERN:
        return _sequence(av[-1])
    if op is _c.BRANCH:
        return _branch(av[1])
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        low, high, body = av
        exact, required = _sequence(body)
        if low == 0:
            return (exact | _EMPTY if exact is not None and high == 1 else None), None
        if low == high == 1:
            return exact, required
        return None, required if required is not None else _best([exact or frozenset()])
    return None, None


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
    infos = [_sequence(b) for b in branches]
    exact: frozenset[str] | None = frozenset()
    required: set[str] | None = set()
    for branch_exact, branch_required in infos:
        if exact is not None and branch_exact is not None and len(exact) < _CAP:
            exact = exact | branch_exact
        else:
            exact = None
        usable = branch_exact if branch_exact and "" not in branch_exact else branch_required
        if required is not None and usable:
            required.update(usable)
        else:
            required = None
    if exact is not None and len(exact) > _CAP:
        exact = None
    return exact, (frozenset(required) if required else None)


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
