"""Mermaid state diagrams of every flow, generated from the TRANSITIONS tables.

Run ``steady diagrams`` after changing a flow: it writes ``dialogues/<flow>.mmd`` beside
each flow file, and a test checks the committed pictures still match the tables.
"""

from __future__ import annotations

import importlib
from typing import Any

from dialogues.flow import Flow
from dialogues.router import FLOWS


def _name(state: Any) -> str:
    return str(getattr(state, "name", state))


def mermaid(flow: Flow, transitions: list[dict[str, Any]]) -> str:
    first = _name(next(iter(flow.states)))
    lines = ["stateDiagram-v2", f"    [*] --> {first}"]
    seen: set[tuple[str, str, str]] = set()
    for transition in transitions:
        sources = transition["source"]
        for source in sources if isinstance(sources, list) else [sources]:
            edge = (_name(source), _name(transition["dest"]), str(transition["trigger"]))
            if edge not in seen:
                seen.add(edge)
                lines.append(f"    {edge[0]} --> {edge[1]}: {edge[2]}")
    lines.append(f"    {_name(flow.done)} --> [*]")
    return "\n".join(lines) + "\n"


def render_all() -> dict[str, str]:
    """Return {flow name: Mermaid text} for every flow the router knows."""
    diagrams = {}
    for name, flow in FLOWS.items():
        module = importlib.import_module(flow.model.__module__)
        diagrams[name] = mermaid(flow, module.TRANSITIONS)
    return diagrams
