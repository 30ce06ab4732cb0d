"""``steady screen``: screen JSON lines from one stream and write results to another.

One JSON object per input line ({"text": ...}); one JSON object per output line, in the
same order. A bad line gets {"error": ...} and the run ends with exit code 1.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TextIO

from dialogues.screening import default_screener


def screen_stream(stdin: TextIO, stdout: TextIO) -> int:
    """Screen every line of ``stdin``; return 0, or 1 if any line was not usable."""
    screener = default_screener()
    status = 0
    out: list[str] = []
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            out.append(_error(f"line {number}: not valid JSON ({exc.msg})"))
            status = 1
            continue
        text = record.get("text") if isinstance(record, dict) else None
        if not isinstance(text, str):
            out.append(_error(f"line {number}: needs a string field \"text\""))
            status = 1
            continue
        result = screener.screen(text)
        out.append(json.dumps({
            "flagged": result.flagged,
            "severity": result.severity,
            "categories": list(result.categories),
            "evidence": [asdict(e) for e in result.evidence],
        }, ensure_ascii=False))
        if len(out) >= 512:
            stdout.write("\n".join(out) + "\n")
            out.clear()
    if out:
        stdout.write("\n".join(out) + "\n")
    stdout.flush()
    return status


def _error(message: str) -> str:
    return json.dumps({"error": message}, ensure_ascii=False)
