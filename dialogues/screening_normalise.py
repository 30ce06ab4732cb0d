"""Undo the ways people (or their phones) disguise words, before the screener reads them.

One obfuscated trigger word used to let an otherwise clear disclosure through: "k1ll",
"h u r t", "k.i.l.l", a zero-width space or a bidi override inside a word, Cyrillic "о"
for Latin "o", fullwidth letters, an emoji or an asterisk inside a word, "kiiiill".
``fold`` returns lower-case text with those undone, plus where each character came from
in the original, so evidence can quote what the person actually wrote.

Care with ordinary text:
- Unicode: NFKC (fullwidth and compatibility letters), then format (Cf) characters,
  combining marks and invisible fillers are dropped. Look-alike letters are folded to
  Latin only in a word that also has Latin letters ("kіll") or that then spells a word
  of the evasion lexicon, so a genuinely Russian or Greek message is left alone.
- Digits, symbols, letter-spacing and long runs of one letter are only undone when the
  result is a word of the evasion lexicon (``content/screening.yaml``,
  ``evasion_words``, with their usual endings): "k1ll" becomes "kill", but "3pm",
  "10:30", "b4" and "u r a legend" stay as they are, and "kill" keeps its real double l.

Pure: no I/O. Linear in the length of the text; a message with nothing suspicious (most
of them) takes one regex search and is returned as it is, lower-cased.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Dropped wherever they are: invisible, or used to hide a letter boundary.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u034f")
_DROP_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cs", "Co", "Cn"})
_KEEP_CONTROL = frozenset("\n\r\t")
# Look-alike letters (after lower-casing) and the Latin letter they imitate.
_CONFUSABLE = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
    "ѕ": "s", "һ": "h", "ԁ": "d", "ӏ": "l", "ь": "b", "г": "r", "п": "n", "ц": "u",
    "ш": "w", "ԛ": "q", "ԝ": "w", "ѵ": "v", "ү": "y",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "μ": "u", "γ": "y", "ς": "s",
    "σ": "o", "λ": "l",
    # Latin letters that stand in for plain ones
    "ı": "i", "ł": "l", "ø": "o", "ɡ": "g", "ɑ": "a", "ɩ": "i", "ʟ": "l",
}
# Characters standing for letters inside a word, and the letters they may stand for.
_LEET = {"0": "o", "1": "[il]", "3": "e", "4": "a", "5": "s", "7": "t", "9": "g",
         "@": "a", "$": "s", "!": "[il]", "|": "[il]", "*": "[a-z]"}
_LEET_CHARS = "".join(_LEET)

# Anything worth a closer look; most messages have none of these and stop here.
_SUSPECT = re.compile(
    r"[a-z][0-9@$!|*]+[a-z]"  # leet or an asterisk inside a word: k1ll, k*ll
    r"|(?<![a-z0-9])[0-9@$|*]+[a-z]"  # leading leet: 3nd, $uicide, 53x, *rder
    r"|[a-z][0-9@$|*]+(?![a-z0-9])"  # trailing leet: di3, h17, kil*
    r"|(?<![a-z0-9])[a-z0-9@$|](?:[\x20.\-_*\u00b7\u2022]{1,2}[a-z0-9@$|]){2,}(?![a-z0-9])"
    r"|([a-z])\1\1",  # a letter three or more times: kiiiill
)
# Single letters (or leet characters) with one or two separators between: h u r t.
# Cheap first looks, one per kind (one alternation scanning every position is slower).
_QUICK_LEET = re.compile(r"[0-9@$|*!]")
_QUICK_RUN = re.compile(r"([a-z])\1\1")
_QUICK_SPACED = re.compile(r"\b[a-z][\x20.\-_*\u00b7\u2022]{1,2}[a-z0-9@$|]"
                           r"[\x20.\-_*\u00b7\u2022]{1,2}[a-z0-9@$|]\b")
# Non-ASCII characters that can hide or disguise a letter: format and zero-width
# characters, combining marks and variation selectors, look-alike letters, fullwidth and
# mathematical letters, enclosed letters, invisible fillers, and a symbol (emoji) between
# two letters. A message with none of these needs no character-by-character pass.
_UNICODE_SUSPECT = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\u3164\ufeff\uffa0\u2800\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff"
    "\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f\uff00-\uffef\u2460-\u24ff"
    "\U0001d400-\U0001d7ff\U0001f100-\U0001f1ff\U000e0000-\U000e007f"
    + "".join(sorted(_CONFUSABLE)) + "]"
    "|[a-zA-Z][\u2190-\u2bff\U0001f000-\U0001faff]+[a-zA-Z]")
_SPACED = re.compile(
    r"(?<![a-z0-9@$|])[a-z0-9@$|](?:[\x20.\-_*\u00b7\u2022]{1,2}[a-z0-9@$|]){2,}"
    r"(?![a-z0-9@$|])")
_UNIT = re.compile(r"[a-z0-9@$|]")
_SEPARATORS = re.compile(r"[\x20.\-_*\u00b7\u2022]")
# A word with letters and possibly leet characters or asterisks in it.
_TOKEN = re.compile(r"[a-z0-9@$!|*]+")
_RUN = re.compile(r"(.)\1*")
_LONG_RUN = re.compile(r"([a-z])\1\1")
_WORD = re.compile(r"\S+")
_SPACED_MAX = 40  # longest letter-spaced run we try to read back into words


@dataclass(frozen=True)
class Folded:
    """Folded text and, for each of its characters, the span of the original it came
    from. ``starts is None`` means nothing changed but case: offsets are the original's."""

    text: str
    starts: tuple[int, ...] | None
    ends: tuple[int, ...] | None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that ``text[start:end]`` came from."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            at = self.starts[start] if start < len(self.starts) else (
                self.ends[-1] if self.ends else 0)
            return at, at
        return self.starts[start], self.ends[end - 1]


def _forms(word: str) -> set[str]:
    """A lexicon word and its usual endings: kill, kills, killed, killing, killer."""
    if len(word) <= 2:
        return {word}  # "i", "me", "my": no endings
    out = {word, word + "s", word + "ed", word + "ing", word + "in", word + "er", word + "ers"}
    if word.endswith("e"):
        out |= {word + "d", word[:-1] + "ing", word[:-1] + "in"}
    if (len(word) >= 3 and word[-1] not in "aeiouwy" and word[-2] in "aeiou"
            and word[-3] not in "aeiou"):
        double = word + word[-1]
        out |= {double + "ing", double + "in", double + "ed", double + "er"}
    return out


class Folder:
    """Folds text against one evasion lexicon; build once, call ``fold`` per message."""

    def __init__(self, lexicon: Iterable[str]) -> None:
        rank: dict[str, int] = {}  # earlier in the lexicon wins a tie ("thr*at": throat)
        for index, word in enumerate(lexicon):
            for form in _forms(word.lower()):
                rank.setdefault(form, index)
        self.words = frozenset(rank)
        # By length, so a token's pattern is tried only on words it could spell.
        by_length: dict[int, list[str]] = {}
        for word in sorted(self.words, key=lambda w: (-len(w), rank[w], w)):
            by_length.setdefault(len(word), []).append(word)
        self._by_length = by_length
        self._longest = max(by_length, default=0)
        self.resolve = lru_cache(maxsize=4096)(self._resolve)

    # --- words ---------------------------------------------------------------------

    def _resolve(self, token: str) -> str | None:
        """The lexicon word ``token`` disguises ("k1ll", "k*ll", "kiiiill"), if any."""
        if token in self.words:
            return token
        parts: list[str] = []
        low = high = 0
        for run in _RUN.finditer(token):
            char, count = run.group(1), len(run.group(0))
            if char in _LEET:
                parts.append(_LEET[char] * count)
                low, high = low + count, high + count
            elif "a" <= char <= "z":
                if count >= 3:
                    parts.append(f"{char}{{1,2}}")
                    low, high = low + 1, high + 2
                else:
                    parts.append(char * count)
                    low, high = low + count, high + count
            else:
                return None
        pattern = re.compile("".join(parts))
        for size in range(min(high, self._longest), low - 1, -1):
            for word in self._by_length.get(size, ()):
                if pattern.fullmatch(word):
                    return word  # longest first: "shooooot" is "shoot", not "shot"
        return None

    def _segment(self, letters: str) -> list[str] | None:
        """``letters`` (from "k i l l h e r") as lexicon words: ["kill", "her"]."""
        if len(letters) > _SPACED_MAX:
            return None
        best: list[list[str] | None] = [None] * (len(letters) + 1)
        best[0] = []
        for end in range(1, len(letters) + 1):
            for start in range(max(0, end - self._longest - 2), end):
                head = best[start]
                if head is None:
                    continue
                word = self.resolve(letters[start:end])
                if word is not None and (best[end] is None or
                                         len(head) + 1 < len(best[end] or ())):
                    best[end] = [*head, word]
        return best[len(letters)]

    # --- text ----------------------------------------------------------------------

    def fold(self, text: str) -> Folded:
        """Lower-case ``text`` with disguises undone (see the module docstring)."""
        if text.isascii():
            low = text.lower()
            if not _looks_suspect(low):
                return Folded(low, None, None)
            starts = list(range(len(low)))
            ends = list(range(1, len(low) + 1))
        elif not _UNICODE_SUSPECT.search(text) and unicodedata.is_normalized("NFKC", text):
            # Emoji, curly quotes, accents or another script, and nothing hidden.
            low = text.lower()
            if len(low) != len(text):
                return self._fold_slowly(text)
            if not _looks_suspect(low):
                return Folded(low, None, None)
            starts = list(range(len(low)))
            ends = list(range(1, len(low) + 1))
        else:
            return self._fold_slowly(text)
        low, starts, ends = _replace(low, starts, ends, self._spaced_edits(low))
        low, starts, ends = _replace(low, starts, ends, self._token_edits(low))
        return Folded(low, tuple(starts), tuple(ends))

    def _fold_slowly(self, text: str) -> Folded:
        """Character by character: NFKC, hidden characters, look-alikes, emoji."""
        chars, starts, ends = _clean_unicode(text)
        chars, starts, ends = self._fold_lookalikes(chars, starts, ends)
        low = "".join(chars)
        if not _SUSPECT.search(low):
            return Folded(low, tuple(starts), tuple(ends))
        low, starts, ends = _replace(low, starts, ends, self._spaced_edits(low))
        low, starts, ends = _replace(low, starts, ends, self._token_edits(low))
        return Folded(low, tuple(starts), tuple(ends))

    def _fold_lookalikes(self, chars: list[str], starts: list[int],
                         ends: list[int]) -> tuple[list[str], list[int], list[int]]:
        text = "".join(chars)
        out = list(chars)
        for word in _WORD.finditer(text):
            piece = word.group(0)
            if not any(c in _CONFUSABLE for c in piece):
                continue
            folded = "".join(_CONFUSABLE.get(c, c) for c in piece)
            latin = any("a" <= c <= "z" for c in piece)
            if latin or self.resolve(folded.strip(".,!?;:'\"")) is not None:
                out[word.start():word.end()] = list(folded)
        return out, starts, ends

    def _spaced_edits(self, text: str) -> list[tuple[int, int, str]]:
        edits: list[tuple[int, int, str]] = []
        for match in _SPACED.finditer(text):
            letters = _SEPARATORS.sub("", match.group(0))
            words = self._segment(letters)
            if words is not None:
                edits.append((match.start(), match.end(), " ".join(words)))
                continue
            # A stray letter or digit at either end ("...order. i", "drunk 3 bottles").
            units = _UNIT.findall(match.group(0))
            head = self._segment("".join(units[1:]))
            if head is not None:
                first = _UNIT.search(match.group(0))
                assert first is not None
                edits.append((match.start() + first.end(), match.end(), " " + " ".join(head)))
                continue
            tail = self._segment("".join(units[:-1]))
            if tail is not None:
                last = list(_UNIT.finditer(match.group(0)))[-1]
                edits.append((match.start(), match.start() + last.start(),
                              " ".join(tail) + " "))
        return edits

    def _token_edits(self, text: str) -> list[tuple[int, int, str]]:
        edits: list[tuple[int, int, str]] = []
        for match in _TOKEN.finditer(text):
            token = match.group(0)
            start, end = match.start(), match.end()
            # Emphasis and punctuation round a word are not part of it (*kill*, kill!!),
            # unless the star stands for a letter ("*rder").
            while token and token[-1] == "!":
                token, end = token[:-1], end - 1
            if token[:1] == "*" or token[-1:] == "*":
                starred = self.resolve(token) if any("a" <= c <= "z" for c in token) else None
                if starred is not None:
                    edits.append((start, end, starred))
                    continue
            while token and token[-1] in "!*":
                token, end = token[:-1], end - 1
            while token and token[0] in "!*":
                token, start = token[1:], start + 1
            if (not token or token in self.words or not any("a" <= c <= "z" for c in token)
                    or (token.isalpha() and not _LONG_RUN.search(token))):
                continue
            word = self.resolve(token)
            if word is not None and word != token:
                edits.append((start, end, word))
        return edits


def _looks_suspect(low: str) -> bool:
    """Whether lower-case ``low`` may hold a disguise: cheap looks first, then the full one."""
    return bool((_QUICK_LEET.search(low) or _QUICK_RUN.search(low)
                 or _QUICK_SPACED.search(low)) and _SUSPECT.search(low))


def _clean_unicode(text: str) -> tuple[list[str], list[int], list[int]]:
    """NFKC per character, lower case, invisible and format characters dropped; an
    emoji or other symbol between two letters dropped too ("ki🔪ll")."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        if char.isascii():
            pieces = char.lower()
        else:
            if char in _INVISIBLE:
                continue
            pieces = unicodedata.normalize("NFKC", char).lower()
        for piece in pieces:
            if not piece.isascii():
                category = unicodedata.category(piece)
                if category in _DROP_CATEGORIES or piece in _INVISIBLE:
                    continue
                if category == "Cc" and piece not in _KEEP_CONTROL:
                    continue
            elif piece < " " and piece not in _KEEP_CONTROL:
                continue
            chars.append(piece)
            starts.append(index)
            ends.append(index + 1)
    # Symbols (emoji) wedged inside a word.
    keep = [True] * len(chars)
    index = 0
    while index < len(chars):
        if chars[index].isascii() or unicodedata.category(chars[index]) not in ("So", "Sk"):
            index += 1
            continue
        run_end = index
        while run_end < len(chars) and not chars[run_end].isascii() and \
                unicodedata.category(chars[run_end]) in ("So", "Sk"):
            run_end += 1
        if index > 0 and run_end < len(chars) and chars[index - 1].isalpha() \
                and chars[run_end].isalpha():
            for k in range(index, run_end):
                keep[k] = False
        index = run_end
    if all(keep):
        return chars, starts, ends
    return ([c for c, k in zip(chars, keep, strict=True) if k],
            [s for s, k in zip(starts, keep, strict=True) if k],
            [e for e, k in zip(ends, keep, strict=True) if k])


def _replace(text: str, starts: list[int], ends: list[int],
             edits: list[tuple[int, int, str]]) -> tuple[str, list[int], list[int]]:
    """Apply non-overlapping ``edits`` (start, end, new text), in order, keeping each
    new character's origin: the span of everything it replaced."""
    if not edits:
        return text, starts, ends
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    at = 0
    for start, end, new in edits:
        out.append(text[at:start])
        new_starts += starts[at:start]
        new_ends += ends[at:start]
        out.append(new)
        new_starts += [starts[start]] * len(new)
        new_ends += [ends[end - 1]] * len(new)
        at = end
    out.append(text[at:])
    new_starts += starts[at:]
    new_ends += ends[at:]
    return "".join(out), new_starts, new_ends
