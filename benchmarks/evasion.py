"""How often one disguised trigger word lets an otherwise caught disclosure through.

Run: python benchmarks/evasion.py [FILE.jsonl ...]  (default: screening-batches/*)
For every risky row the screener flags as written, the first word of its evidence that
is a trigger word is disguised one way at a time (digits for letters, spacing, dots,
zero-width characters, Cyrillic look-alikes, fullwidth letters, an emoji inside, an
asterisk, a long run of one letter) and screened again. Prints the share still flagged.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialogues.screening import default_screener

BATCHES = Path(__file__).with_name("screening-batches")
TRIGGERS = ("kill", "hurt", "hit", "punch", "slap", "stab", "choke", "strangl", "knife",
            "batter", "beat", "smack", "kick", "push", "shov", "grab", "throat", "neck",
            "drunk", "follow", "sex", "die", "suicid", "overdose", "cut", "bail", "order")
_LEET = str.maketrans({"i": "1", "e": "3", "a": "4", "o": "0", "s": "5", "t": "7"})
_CYRILLIC = str.maketrans({"a": "\u0430", "e": "\u0435", "o": "\u043e", "c": "\u0441",
                           "p": "\u0440", "i": "\u0456", "k": "\u043a"})


def _first_vowel(word: str) -> int:
    return next((i for i, c in enumerate(word) if c in "aeiou"), 1)


DISGUISES: dict[str, Callable[[str], str]] = {
    "leet": lambda w: w.translate(_LEET),
    "spaced": " ".join,
    "dotted": ".".join,
    "zero-width": "\u200b".join,
    "cyrillic": lambda w: w.translate(_CYRILLIC),
    "fullwidth": lambda w: "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in w),
    "emoji inside": lambda w: w[:2] + "\U0001f52a" + w[2:],
    "asterisk": lambda w: w[:_first_vowel(w)] + "*" + w[_first_vowel(w) + 1:],
    "long run": lambda w: w[:_first_vowel(w)] + w[_first_vowel(w)] * 4 + w[_first_vowel(w):],
}


def main() -> None:
    screener = default_screener()
    files = [Path(a) for a in sys.argv[1:]] or sorted(BATCHES.glob("*.jsonl"))
    rows = [json.loads(line) for f in files for line in f.read_text("utf-8").splitlines()
            if line.strip()]
    held: dict[str, list[int]] = {name: [0, 0] for name in DISGUISES}
    for row in rows:
        if not row["flag"] or not screener.screen(row["text"]).flagged:
            continue
        words = row["text"].split()
        target = next((i for i, w in enumerate(words)
                       if any(w.lower().strip(".,!?").startswith(t) for t in TRIGGERS)), None)
        if target is None:
            continue
        word = words[target].strip(".,!?")
        for name, disguise in DISGUISES.items():
            text = " ".join([*words[:target], disguise(word), *words[target + 1:]])
            held[name][0] += screener.screen(text).flagged
            held[name][1] += 1
    total = [sum(v[0] for v in held.values()), sum(v[1] for v in held.values())]
    for name, (kept, count) in held.items():
        print(f"{name:>13}: {kept}/{count} still flagged ({kept / max(count, 1):.0%})")
    print(f"{'all':>13}: {total[0]}/{total[1]} ({total[0] / max(total[1], 1):.0%})")


if __name__ == "__main__":
    main()
