"""Measure in-process screening throughput on a realistic mix of messages.

Run: python benchmarks/bench_screening.py [--messages 5000] [--seconds 3]
Prints the rules layer's throughput ("screening: 13000 msg/s"), then p50/p99 latency per
message for typical (about 80 characters) and 4,096-character messages, by CPU time of
this process. Not a test: numbers depend on the machine (and on what else it runs).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialogues.screening import default_screener

OPENERS = ["", "ok so ", "honestly ", "not gonna lie ", "update: ", "hi, ", "right, ", "tbh "]
EVERYDAY = [
    "had a decent day at work", "took the kids to the park after school",
    "I used my time out when things got heated", "feeling a bit flat today",
    "the session on jealousy made me think", "my partner and I went for a walk",
    "slept badly again", "can you remind me when my next appointment is",
    "I'm going to the gym tonight", "done the journal", "thanks that helped",
    "the traffic was killing me this morning", "I could murder a curry",
    "work was mad busy, smashed it though", "I'm feeling amber but okay",
    "we talked about the school run and it went fine", "I followed the plan we made",
    "my son scored at football", "I shouted at the telly during the match",
    "my back is killing me after the shift", "went to my mum's for tea",
    "I've been sober for six weeks now", "I blocked her number so I don't get tempted",
    "I would never hurt her", "the video about coercive control was hard to watch",
    "I'm dying to see the kids at the weekend", "killing time before my session",
]
RISKY = [
    "I'm going to batter him when I see him", "I slapped the missus last night",
    "I grabbed her by the throat", "I've been checking her phone when she sleeps",
    "back on the drink again", "I keep driving past her house",
    "I want to die", "I texted her even though there's an order",
    "I smacked my lad too hard", "got a knife in my coat for protection",
    "the kids saw me push her", "I made her sleep with me when she didn't want to",
    "everyone would be better off without me", "I'll kill her new fella",
]
TAILS = ["", ".", "!!", " 😞", " lol", " idk what to do", ", not sure why I'm telling you",
         " and I feel rubbish about it", " x"]
OTHER = ["Dzisiaj było dobrze, dziękuję", "أنا بخير اليوم", "👍", "🙂🙂", "ok", "k",
         "Я в порядке"]


def messages(count: int, seed: int = 7, risky: float = 0.10) -> list[str]:
    """A reproducible mix: mostly everyday check-ins, ``risky`` of them disclosures,
    5% other scripts or emoji, 2% long journal-style entries (some with a disclosure)."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < risky:
            text = rng.choice(OPENERS) + rng.choice(RISKY) + rng.choice(TAILS)
        elif roll < risky + 0.05:
            text = rng.choice(OTHER)
        elif roll < risky + 0.07:
            parts = rng.choices(EVERYDAY, k=rng.randint(6, 30))
            if rng.random() < 0.3:
                parts.insert(rng.randrange(len(parts)), rng.choice(RISKY))
            text = ". ".join(parts)
        else:
            text = rng.choice(OPENERS) + rng.choice(EVERYDAY) + rng.choice(TAILS)
        if rng.random() < 0.3:
            text = text.lower()
        out.append(text)
    return out


def long_messages(count: int, seed: int = 11, size: int = 4096) -> list[str]:
    """Journal-length messages of ``size`` characters: everyday sentences with a
    disclosure in some, and the worst case for the old quadratic code, one risky phrase
    over and over."""
    rng = random.Random(seed)
    out: list[str] = []
    for index in range(count):
        if index % 4 == 0:
            phrase = rng.choice(RISKY) + " and "
            text = phrase * (size // len(phrase) + 1)
        else:
            parts = [rng.choice(EVERYDAY if rng.random() > 0.05 else RISKY)
                     for _ in range(size // 20)]
            text = ". ".join(parts)
        out.append(text[:size])
    return out


def latency(screener: object, texts: list[str], rounds: int) -> tuple[float, float]:
    """p50 and p99 CPU milliseconds per message."""
    screen = screener.screen  # type: ignore[attr-defined]
    times: list[float] = []
    for _ in range(rounds):
        for text in texts:
            start = time.process_time()
            screen(text)
            times.append((time.process_time() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--risky", type=float, default=0.10,
                        help="share of short messages that are disclosures")
    args = parser.parse_args()
    screener = default_screener()
    batch = messages(args.messages, risky=args.risky)
    for text in batch[:200]:  # warm up caches
        screener.screen(text)
    done = 0
    flagged = 0
    # CPU time of this process: one core's throughput, whatever else the machine runs.
    start, wall = time.process_time(), time.perf_counter()
    while time.process_time() - start < args.seconds:
        for text in batch:
            flagged += screener.screen(text).flagged
        done += len(batch)
    cpu, wall = time.process_time() - start, time.perf_counter() - wall
    print(f"screening: {done / cpu:.0f} msg/s "
          f"({done} messages, {flagged / done:.0%} flagged, {cpu:.1f}s CPU on one core, "
          f"{done / wall:.0f} msg/s by wall clock)")
    typical = [t for t in batch if 65 <= len(t) <= 100][:2000]
    p50, p99 = latency(screener, typical, 3)
    mean = sum(map(len, typical)) / max(len(typical), 1)
    print(f"latency, typical messages ({mean:.0f} chars on average): "
          f"p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    long = long_messages(40)
    p50, p99 = latency(screener, long, 2)
    print(f"latency, 4096-char messages: p50 {p50:.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
