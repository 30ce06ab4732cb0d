"""Small helpers shared by the flow tests: build events and pick outcomes apart."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from dialogues.effects import Button, Effect, Reply
from dialogues.events import Inbound, Kind
from dialogues.flow import Event, FlowState, Outcome
from dialogues.router import Situation
from tests.unit.conftest import NOW


def text(value: str, update_id: int = 50, *, now: datetime = NOW) -> Event:
    return Event("text", value, update_id, now)


def press(value: str, update_id: int = 50, *, now: datetime = NOW) -> Event:
    return Event("button", value, update_id, now)


def replies(outcome: Outcome) -> list[Reply]:
    return [e for e in outcome.effects if isinstance(e, Reply)]


def reply_keys(outcome: Outcome) -> list[str]:
    return [r.text.key for r in replies(outcome)]


def actions(outcome: Outcome) -> list[Effect]:
    return [e for e in outcome.effects if not isinstance(e, Reply)]


def state_name(outcome: Outcome) -> str | None:
    return outcome.state.state if outcome.state is not None else None


def buttons(outcome: Outcome) -> list[Button]:
    return [b for r in replies(outcome) for row in r.buttons for b in row]


def values(outcome: Outcome) -> list[str]:
    return [b.data.split(":", 2)[2] for b in buttons(outcome)]


class MakeInbound(Protocol):
    def __call__(self, kind: Kind, payload: str, update_id: int = 50) -> Inbound: ...


def inbound_for(user: int, *, now: datetime = NOW) -> MakeInbound:
    """Return ``inbound(kind, payload, update_id=50)``: messages from ``user`` in their own chat."""

    def inbound(kind: Kind, payload: str, update_id: int = 50) -> Inbound:
        return Inbound(update_id, user, user, kind, payload, now)

    return inbound


def situation(saved: FlowState | None, step: int = 0) -> Situation:
    """A participant, mid-way through ``saved`` (or idle at ``step``)."""
    return Situation(True, False, saved, saved.step if saved else step)
