"""Score the rules screener in-process on the labelled batches, with per-category recall.

Run: python benchmarks/score_batches.py [FILE.jsonl ...]  (default: screening-batches/*)
The figures use the same definitions as the shared scorer (score_screening.py): flag
recall over risky rows, urgent recall over rows labelled urgent, false-positive rate over
safe rows, category recall over every labelled category of risky rows. ``--misses``
lists what was missed. Not a test: the batches are measurement, not tuning targets.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialogues.screening import default_screener

BATCHES = Path(__file__).with_name("screening-batches")


def score(path: Path, misses: bool) -> dict[str, float]:
    screener = default_screener()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    pos = neg = urg = flag_hits = urgent_hits = fps = cat_total = cat_hits = 0
    per_total: Counter[str] = Counter()
    per_hit: Counter[str] = Counter()
    for row in rows:
        got = screener.screen(row["text"])
        if row["flag"]:
            pos += 1
            flag_hits += got.flagged
            if row["severity"] == "urgent":
                urg += 1
                urgent_hits += got.severity == "urgent"
            for category in row["categories"]:
                per_total[category] += 1
                hit = category in got.categories
                per_hit[category] += hit
                cat_total += 1
                cat_hits += hit
        else:
            neg += 1
            fps += got.flagged
        wrong = (row["flag"] != got.flagged
                 or (row["severity"] == "urgent") != (got.severity == "urgent" and row["flag"])
                 or not set(row["categories"]) <= set(got.categories))
        if misses and wrong:
            print(f"  MISS want={row['flag']},{row['severity']},{row['categories']} "
                  f"got={got.severity},{list(got.categories)} :: {row['text']}")
    figures = {
        "rows": float(len(rows)),
        "flag_recall": flag_hits / max(pos, 1),
        "urgent_recall": urgent_hits / max(urg, 1),
        "fp_rate": fps / max(neg, 1),
        "category_recall": cat_hits / max(cat_total, 1),
    }
    print(f"{path.name}: rows={len(rows)} risky={pos} "
          + " ".join(f"{k}={v:.3f}" for k, v in figures.items() if k != "rows"))
    print("  per category: " + ", ".join(
        f"{c} {per_hit[c]}/{per_total[c]}" for c in sorted(per_total)))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    for path in args.files or sorted(BATCHES.glob("*.jsonl")):
        score(path, args.misses)


if __name__ == "__main__":
    main()
