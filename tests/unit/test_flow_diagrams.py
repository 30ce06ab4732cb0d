"""The Mermaid diagrams are drawn from the TRANSITIONS tables and stay true to them."""

from __future__ import annotations

import importlib
import re
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from dialogues import checkin
from dialogues.diagrams import mermaid, render_all
from dialogues.flow import Flow
from dialogues.router import FLOWS

DIALOGUES = Path(__file__).resolve().parents[2] / "dialogues"
EDGE = re.compile(r"^    (\w+) --> (\w+): (\w+)$")
NAMES = sorted(FLOWS)


def _table(flow: Flow) -> list[dict[str, Any]]:
    transitions: list[dict[str, Any]] = importlib.import_module(flow.model.__module__).TRANSITIONS
    return transitions


def _edges(diagram: str) -> list[tuple[str, str, str]]:
    found = []
    for line in diagram.splitlines():
        match = EDGE.match(line)
        if match:
            found.append((match[1], match[2], match[3]))
    return found


def _sources(transition: dict[str, Any]) -> list[Enum]:
    source = transition["source"]
    return source if isinstance(source, list) else [source]


def test_every_flow_the_router_knows_has_a_diagram() -> None:
    assert sorted(render_all()) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_a_diagram_starts_at_the_first_state_and_ends_at_done(name: str) -> None:
    flow = FLOWS[name]
    lines = render_all()[name].splitlines()

    assert lines[0] == "stateDiagram-v2"
    assert lines[1] == f"    [*] --> {next(iter(flow.states)).name}"
    assert lines[-1] == f"    {flow.done.name} --> [*]"
    assert all(EDGE.match(line) for line in lines[2:-1]), "every other line is one edge"


@pytest.mark.parametrize("name", NAMES)
def test_the_edges_are_exactly_the_transitions_table(name: str) -> None:
    flow = FLOWS[name]
    expected = {
        (source.name, transition["dest"].name, transition["trigger"])
        for transition in _table(flow) for source in _sources(transition)
    }

    edges = _edges(render_all()[name])

    assert set(edges) == expected
    assert len(edges) == len(expected), "each edge is drawn once"


@pytest.mark.parametrize("name", NAMES)
def test_every_edge_is_a_trigger_the_machine_accepts(name: str) -> None:
    flow = FLOWS[name]

    for source, _, trigger in _edges(render_all()[name]):
        assert trigger in flow.machine.get_triggers(source)


@pytest.mark.parametrize("name", NAMES)
def test_every_state_appears_in_the_diagram(name: str) -> None:
    flow = FLOWS[name]
    drawn = {state for edge in _edges(render_all()[name]) for state in edge[:2]}

    assert drawn == {state.name for state in flow.states}


def test_a_transition_from_several_sources_draws_one_edge_each_and_repeats_are_dropped() -> None:
    states = checkin.States
    table = [
        {"trigger": "skip", "source": [states.describe, states.note], "dest": states.done},
        {"trigger": "skip", "source": states.note, "dest": states.done, "conditions": "x"},
    ]

    edges = _edges(mermaid(checkin.FLOW, table))

    assert edges == [("describe", "done", "skip"), ("note", "done", "skip")]


@pytest.mark.parametrize("name", NAMES)
def test_the_committed_diagram_matches_the_table(name: str) -> None:
    committed = DIALOGUES / f"{name}.mmd"
    if not committed.exists():
        pytest.skip(f"dialogues/{name}.mmd not generated yet: run `steady diagrams`")

    assert committed.read_text(encoding="utf-8") == render_all()[name], (
        "the flow changed: run `steady diagrams` and commit the .mmd files"
    )
