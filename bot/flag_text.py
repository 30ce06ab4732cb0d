"""The words of a facilitator alert: the participant's text quoted so it cannot pass for
Steady's own lines, and the reason for the flag in plain words (never internal rule ids).

A participant can type anything, including lines that look like Steady talking ("[Steady]
Flag closed...") or invisible characters that reorder or hide text. Their words are cleaned
of control, format, bidi-override and zero-width characters, and every line of them is
shown behind a quote bar inside “ ” quotes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping

QUOTE_BAR = "│ "
LINE_BREAKS = "\n\r\u2028\u2029\u0085\x0b\x0c"
Say = Callable[..., str]


def clean(text: str) -> str:
    """Drop characters that are invisible or change how text is shown; keep line breaks."""
    for mark in LINE_BREAKS:
        text = text.replace(mark, "\n")
    kept = []
    for char in text:
        if char == "\n":
            kept.append(char)
        elif char == "\t":
            kept.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Cn"):
            continue  # control, format (bidi, zero-width, BOM), private, unassigned
        elif unicodedata.category(char) == "Zs":
            kept.append(" ")
        else:
            kept.append(char)
    return "".join(kept)


def one_line(text: str) -> str:
    """Cleaned text on a single line (for matched words, aliases)."""
    return " ".join(clean(text).split())


def quote(text: str) -> str:
    """One excerpt as a quoted block: every line behind the quote bar, inside “ ”."""
    lines = [" ".join(line.split()) for line in clean(text).split("\n")]
    lines = [line for line in lines if line] or [""]
    if len(lines) == 1:
        lines = [f"“{lines[0]}”"]
    else:
        lines[0], lines[-1] = f"“{lines[0]}", f"{lines[-1]}”"
    return "\n".join(QUOTE_BAR + line for line in lines)


def quote_all(excerpts: Iterable[str]) -> str:
    return "\n".join(quote(excerpt) for excerpt in excerpts)


def reasons(categories: Iterable[str], evidence: Iterable[Mapping[str, str]], say: Say,
            known: Callable[[str], bool]) -> str:
    """Why it was flagged, in words: one plain phrase per category with the matched words."""
    matched: dict[str, list[str]] = {}
    for hit in evidence:
        words = one_line(hit.get("matched", ""))[:80]
        if words and words not in matched.setdefault(hit.get("category", ""), []):
            matched[hit.get("category", "")].append(words)
    parts = []
    for category in categories:
        key = f"flag.reason.{category}"
        phrase = say(key) if known(key) else say("flag.reason.other")
        quoted = ", ".join(f"“{w}”" for w in matched.get(category, []))
        if quoted:
            phrase += f" ({quoted})"
        parts.append(phrase)
    return "; ".join(parts)
