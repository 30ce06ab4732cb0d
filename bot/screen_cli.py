"""``steady screen``: screen JSON lines from one stream and write results to another.

One JSON object per input line ({"text": ...}); one JSON object per output line, in the
same order. A bad line gets {"error": ...} and the run ends with exit code 1. Both layers
screen (rules and the learned layer); lines are screened in batches so the learned layer
embeds many at once. ``--explain`` prints, per line, what each layer found and why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import TextIO

from bot.screening_combined import CombinedScreener, default_combined_screener
from dialogues.screening import Screening

_BATCH = 64


def _records(stdin: TextIO) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, error) for every non-blank line."""
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"line {number}: not valid JSON ({exc.msg})"
            continue
        text = record.get("text") if isinstance(record, dict) else None
        if not isinstance(text, str):
            yield number, None, f"line {number}: needs a string field \"text\""
            continue
        yield number, text, None


def _result(result: Screening) -> str:
    return json.dumps({
        "flagged": result.flagged,
        "severity": result.severity,
        "categories": list(result.categories),
        "evidence": [asdict(e) for e in result.evidence],
    }, ensure_ascii=False)


def screen_stream(stdin: TextIO, stdout: TextIO,
                  screener: CombinedScreener | None = None) -> int:
    """Screen every line of ``stdin``; return 0, or 1 if any line was not usable."""
    screener = screener or default_combined_screener()
    status = 0
    pending: list[tuple[str | None, str | None]] = []

    def flush() -> None:
        texts = [t for t, _ in pending if t is not None]
        results = iter(screener.screen_many(texts))
        out = [_result(next(results)) if t is not None
               else json.dumps({"error": e}, ensure_ascii=False) for t, e in pending]
        if out:
            stdout.write("\n".join(out) + "\n")
        pending.clear()

    for _number, text, error in _records(stdin):
        if error is not None:
            status = 1
        pending.append((text, error))
        if len(pending) >= _BATCH:
            flush()
    flush()
    stdout.flush()
    return status


def explain_stream(stdin: TextIO, stdout: TextIO,
                   screener: CombinedScreener | None = None) -> int:
    """For each line (JSON {"text": ...} or plain text): each layer's verdict and why."""
    screener = screener or default_combined_screener()
    for line in stdin:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text = record["text"] if isinstance(record, dict) else line.strip()
        except (json.JSONDecodeError, KeyError):
            text = line.strip()
        explanation = screener.explain(str(text))
        combined = explanation.combined
        verdict = "clear" if not combined.flagged else \
            f"FLAGGED {combined.severity}: {', '.join(combined.categories)}"
        lines = [f"{text}", f"  combined: {verdict}"]
        for e in explanation.rules.evidence:
            lines.append(f"  rules:    {e.rule} -> {e.category} ({e.severity}) on \"{e.matched}\"")
        if not explanation.rules.flagged:
            lines.append("  rules:    nothing matched")
        v = explanation.learned
        if v is None:
            lines.append("  learned:  switched off")
        else:
            top = sorted(((p, h) for h, p in v.probabilities.items()), reverse=True)[:4]
            probs = ", ".join(f"{h} {p:.2f}" for p, h in top)
            if v.flagged:
                lines.append(f"  learned:  {v.severity}: {', '.join(v.categories)}; close to: "
                             f"\"{v.nearest}\" ({v.similarity:.2f}); {probs}")
            else:
                lines.append(f"  learned:  below threshold; {probs}")
        stdout.write("\n".join(lines) + "\n")
    stdout.flush()
    return 0
