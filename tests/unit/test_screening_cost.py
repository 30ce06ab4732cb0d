"""Screening cost grows in proportion to message length, not with its square.

Counted, not timed: the number of Python lines the screener runs (sys.settrace) for a
long message made of one risky phrase repeated. Before the fix, every match looked back
over the whole message for the person a pronoun meant and for its clause, so four times
the text cost about sixteen times the work. Timings are in benchmarks/bench_screening.py.
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import pytest

from dialogues.screening import default_screener


def lines_run(text: str) -> int:
    screener = default_screener()
    screener.screen(text)  # warm caches first: count the steady state
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        screener.screen(text)
    finally:
        sys.settrace(previous)
    return count


@pytest.mark.parametrize("phrase", [
    "I hit her and ",  # one long sentence: clause and sentence look-backs
    "I hit her. ",  # many sentences
    "my wife and I hit him and ",  # pronoun resolution past many person words
    "she's not allowed out, I slapped the missus, ",
])
def test_four_times_the_text_costs_about_four_times_the_work(phrase: str) -> None:
    short = (phrase * 200)[:1024]
    long = (phrase * 800)[:4096]
    assert lines_run(long) <= 5.5 * lines_run(short)
