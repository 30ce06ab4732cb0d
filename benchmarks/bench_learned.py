"""Both screening layers together: throughput, latency, start time and memory.

Run: python benchmarks/bench_learned.py [--messages 400]
Prints messages/s for typical (about 80-character) messages, one at a time and batched;
p99 latency per message at 80 and 4,096 characters; cold and warm start; resident memory.
Not a test: numbers depend on the machine (and on what else it is running: CPU time is
reported beside wall-clock time for that reason).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as bot/__init__.py sets it

from bench_screening import messages  # noqa: E402

_START = (
    "import time; t = time.perf_counter(); "
    "from bot.screening_combined import default_combined_screener; "
    "s = default_combined_screener(); s.screen('hello'); "
    "print(time.perf_counter() - t)"
)


def _start_seconds() -> float:
    out = subprocess.run([sys.executable, "-c", _START], cwd=ROOT, check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"})
    return float(out.stdout.strip().splitlines()[-1])


def _eighty(texts: list[str]) -> list[str]:
    """Messages of about 80 characters: short ones joined, long ones cut at a word."""
    out = []
    for i, text in enumerate(texts):
        while len(text) < 70:
            text = f"{text}, {texts[(i + len(text)) % len(texts)]}"
        out.append(text[:80].rsplit(" ", 1)[0])
    return out


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--long", type=int, default=20, help="4,096-character messages")
    args = parser.parse_args()

    cold = _start_seconds()  # first start: files may not be in the page cache
    warm = min(_start_seconds() for _ in range(2))

    from bot.screening_combined import default_combined_screener

    t = time.perf_counter()
    screener = default_combined_screener()
    screener.screen("hello")
    in_process = time.perf_counter() - t
    short = _eighty(messages(args.messages, seed=11))
    for text in short[:20]:
        screener.screen(text)

    latencies = []
    cpu, wall = time.process_time(), time.perf_counter()
    for text in short:
        one = time.perf_counter()
        screener.screen(text)
        latencies.append(time.perf_counter() - one)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall

    bcpu = time.process_time()
    screener.screen_many(short)
    bcpu = time.process_time() - bcpu

    long_texts = []
    for i in range(args.long):
        text = ". ".join(messages(200, seed=100 + i, risky=0.02))
        long_texts.append(text[:4096])
    long_latencies = []
    for text in long_texts:
        one = time.perf_counter()
        screener.screen(text)
        long_latencies.append(time.perf_counter() - one)

    rules = screener.rules
    rcpu = time.process_time()
    for _ in range(5):
        for text in short:
            rules.screen(text)
    rcpu = time.process_time() - rcpu

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    print(f"both layers, ~80-char messages one at a time: {len(short) / cpu:.0f} msg/s per "
          f"core (CPU time; {len(short) / wall:.0f} by wall clock)")
    print(f"both layers, batched: {len(short) / bcpu:.0f} msg/s per core")
    print(f"rules alone: {5 * len(short) / rcpu:.0f} msg/s per core")
    print(f"p99 per message: {_p99(latencies) * 1000:.1f} ms at ~80 characters, "
          f"{_p99(long_latencies) * 1000:.0f} ms at 4,096 characters (wall clock)")
    print(f"start (rules compiled, model loaded, first message): cold {cold:.2f} s, "
          f"warm {warm:.2f} s (new process); {in_process:.2f} s in this process")
    print(f"resident memory (peak, this process): {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
