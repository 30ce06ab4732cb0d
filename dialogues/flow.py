"""The machinery every flow shares.

Theory of operation: each flow file declares a states Enum and a TRANSITIONS table and
builds one ``transitions.Machine`` at import. Per event we create a fresh model holding the
saved data, attach it at its saved state, fire one trigger, read back the new state, the
data and the effects it collected, and detach it. Nothing here touches I/O.

Buttons carry ``flow:step:value`` where ``step`` counts the events this conversation has
handled; a press whose flow or step is not the current one is stale. ``value`` names the
trigger, optionally with an argument after a dot (``pick.0800``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from transitions import Machine

from content.schema import Palette, Programme, Resources, Waiting
from dialogues.effects import Button, Effect, Keyboard, Label, Reply, Say
from dialogues.errors import StaleButton
from dialogues.preferences import Plan, Preferences

TEXT_TRIGGER = "text"
BEGIN_TRIGGER = "begin"


@dataclass(frozen=True)
class JournalEntrySummary:
    entry_id: int
    created_at: datetime
    text: str
    shared: bool
    ref: str = ""  # the SaveJournalEntry ref it was stored under


@dataclass(frozen=True)
class AppointmentFacts:
    """One of this participant's appointments, as the answer flows may check it.

    The shell loads only the sender's own appointments (found by their Telegram id), so an
    id from callback data that is not among these is someone else's, or gone.
    """

    appointment_id: int
    starts_at: datetime
    status: str  # scheduled | cancelled | attended | missed
    feedback_given: bool = False


@dataclass(frozen=True)
class Profile:
    """What a flow may know about the participant (decrypted by the shell)."""

    preferred_name: str | None = None
    checkin_time: str | None = None
    timezone: str = "Europe/London"
    colour_words: Mapping[str, str] = field(default_factory=dict)
    preferences: Preferences = field(default_factory=Preferences)
    plan: Plan = field(default_factory=Plan)
    programme_week: int | None = None  # 1-22 once the programme has started
    journal: tuple[JournalEntrySummary, ...] = ()  # most recent first
    running_timeout: str | None = None  # ref of a Time Out still under way
    appointments: tuple[AppointmentFacts, ...] = ()
    has_facilitator: bool = False  # a facilitator is assigned: a note to them can be sent


@dataclass(frozen=True)
class Library:
    """The programme content a flow may read."""

    palette: Palette
    programme: Programme
    resources: Resources
    waiting: Waiting = field(default_factory=lambda: Waiting(messages=[]))


@dataclass(frozen=True)
class Context:
    now: datetime
    library: Library
    profile: Profile = field(default_factory=Profile)


@dataclass(frozen=True)
class Event:
    kind: str  # "text" | "button" | "begin"
    value: str
    update_id: int
    at: datetime


@dataclass(frozen=True)
class FlowState:
    flow: str
    state: str
    step: int
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """The new state (None: the flow has finished) and the effects to apply.

    ``then`` hands over to another flow's entry trigger, e.g. Time Out's "yes, someone is
    in danger" goes straight on to urgent help: ``("urgent", "begin")``.
    """

    state: FlowState | None
    effects: tuple[Effect, ...]
    then: tuple[str, str] | None = None


def button_data(flow: str, step: int, value: str) -> str:
    return f"{flow}:{step}:{value}"


MAX_BUTTON_DATA = 64  # Telegram's own limit on callback data, in bytes
MAX_STEP_DIGITS = 9


def parse_button(data: str) -> tuple[str, int, str]:
    """Split ``flow:step:value``; raise StaleButton for anything malformed.

    Strict on purpose: callback data comes from a client, so a step must be 1-9 ASCII
    digits (``'²'.isdigit()`` is true, yet ``int('²')`` raises) and the whole at most
    64 bytes; nothing a client sends may make handling the update raise.
    """
    if len(data.encode("utf-8", "surrogatepass")) > MAX_BUTTON_DATA:
        raise StaleButton(data[:MAX_BUTTON_DATA])
    parts = data.split(":", 2)
    if len(parts) != 3:
        raise StaleButton(data)
    step = parts[1]
    if not (0 < len(step) <= MAX_STEP_DIGITS and step.isascii() and step.isdigit()):
        raise StaleButton(data)
    return parts[0], int(step), parts[2]


class FlowModel:
    """Base model: the per-event scratchpad a flow's callbacks write to."""

    state: Enum  # set by transitions, as is trigger()

    def __init__(
        self, flow: str, ctx: Context, data: Mapping[str, Any], event: Event, step: int
    ) -> None:
        self.flow = flow
        self.ctx = ctx
        self.data: dict[str, Any] = dict(data)
        self.event = event
        self.step = step
        self.arg = ""
        self.effects: list[Effect] = []
        self.then: tuple[str, str] | None = None

    @property
    def typed(self) -> str:
        return self.event.value.strip() if self.event.kind == TEXT_TRIGGER else ""

    def button(self, label: Label, value: str) -> Button:
        return Button(label, button_data(self.flow, self.step, value))

    def say(self, key: str, *rows: Sequence[Button], **params: str | Say) -> None:
        keyboard: Keyboard = tuple(tuple(row) for row in rows)
        self.effects.append(Reply(Say(key, params), keyboard))

    def do(self, effect: Effect) -> None:
        self.effects.append(effect)

    def hand_over(self, flow: str, trigger: str = BEGIN_TRIGGER) -> None:
        """Finish this flow and start ``flow`` at ``trigger`` (reach the done state too)."""
        self.then = (flow, trigger)

    def reprompt(self) -> None:
        """Ask the current state's question again (after input it cannot use)."""
        prompt: Callable[[], None] | None = getattr(self, f"on_enter_{self.state.name}", None)
        if prompt is not None:
            prompt()


class Flow:
    """One conversation flow: its machine (built once) and how events become triggers."""

    def __init__(
        self,
        name: str,
        states: type[Enum],
        transitions: list[dict[str, Any]],
        model: type[FlowModel],
        done: Enum,
    ) -> None:
        self.name = name
        self.states = states
        self.model = model
        self.done = done
        first = next(iter(states))
        self.machine = Machine(
            model=None,
            states=states,
            transitions=transitions,
            initial=first,
            auto_transitions=False,
            model_override=False,
        )

    def begin(self, ctx: Context, event: Event, step: int, data: Mapping[str, Any] | None = None,
              trigger: str = BEGIN_TRIGGER) -> Outcome:
        """Start the flow at an entry trigger (one whose source is the first state)."""
        begin = Event(BEGIN_TRIGGER, event.value, event.update_id, event.at)
        first = next(iter(self.states))
        if trigger not in self.machine.get_triggers(first.name):
            raise StaleButton(f"{self.name}.{trigger}")
        return self._run(first, data or {}, ctx, begin, step, trigger)

    def handle(self, saved: FlowState, ctx: Context, event: Event) -> Outcome:
        try:
            state = self.states[saved.state]
        except KeyError:
            raise StaleButton(saved.state) from None
        trigger = TEXT_TRIGGER if event.kind == TEXT_TRIGGER else event.value
        return self._run(state, saved.data, ctx, event, saved.step + 1, trigger)

    def resume(self, saved: FlowState, ctx: Context, event: Event) -> Outcome:
        """Ask the saved state's question again, e.g. after /start mid-flow."""
        model = self.model(self.name, ctx, saved.data, event, saved.step + 1)
        self.machine.add_model(model, initial=self.states[saved.state])
        try:
            model.reprompt()
        finally:
            self.machine.remove_model(model)
        return self._outcome(model)

    def _run(self, state: Enum, data: Mapping[str, Any], ctx: Context, event: Event,
             step: int, trigger: str) -> Outcome:
        model = self.model(self.name, ctx, data, event, step)
        self.machine.add_model(model, initial=state)
        try:
            name, _, model.arg = trigger.partition(".")
            # Entry triggers leave the first state, where a saved flow never rests, so a
            # press can never restart a flow behind the person's back.
            typed_only = event.kind == "button" and name in (TEXT_TRIGGER, BEGIN_TRIGGER)
            if name in self.machine.get_triggers(state.name) and not typed_only:
                if not model.trigger(name):  # type: ignore[attr-defined]  # every condition failed: ask again
                    model.reprompt()
            elif event.kind == TEXT_TRIGGER:
                model.say("common.use_buttons")
                model.reprompt()
            else:
                raise StaleButton(trigger)
        finally:
            self.machine.remove_model(model)
        return self._outcome(model)

    def _outcome(self, model: FlowModel) -> Outcome:
        effects = tuple(model.effects)
        if model.state is self.done:
            return Outcome(None, effects, model.then)
        return Outcome(FlowState(self.name, model.state.name, model.step, model.data), effects)
