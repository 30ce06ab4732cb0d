"""The router: which flow gets an inbound event, as one pure decision table.

| who                         | input                     | goes to                          |
|-----------------------------|---------------------------|----------------------------------|
| facilitator                 | anything                  | facilitator hello                |
| stranger, no conversation   | /start with a valid code  | onboarding.begin                 |
| stranger, no conversation   | anything else             | one neutral sentence             |
| anyone mid-onboarding       | command                   | the current step, asked again    |
| anyone in a flow            | its own current button    | that flow                        |
| anyone in a flow            | text                      | that flow                        |
| participant                 | /menu, /start, menu press | the menu (ends any other flow)   |
| participant                 | /cancel, "cancel" typed   | "stopped" + menu                 |
| participant                 | a tool's command or press | that tool's entry (ENTRY_POINTS) |
| participant                 | /help, menu press         | help + menu                      |
| participant                 | help's "Who sees what"    | who sees what + menu             |
| participant                 | "carry on" after a flag   | the interrupted step, again      |
| participant, idle           | a flagged message         | nothing more: the safety reply   |
| participant, on a Time Out  | text                      | a reminder of the Time Out       |
| participant, idle           | text                      | a gentle pointer to the menu     |
| anyone                      | an old or foreign button  | StaleButton                      |

Menu-type buttons (``m:0:<command>`` or ``m:0:<command>.<arg>``) are navigation: valid in
every state, like typing the command. A flow may hand over to another (``Outcome.then``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dialogues import (
    appointment_answer,
    checkin,
    feedback,
    forget,
    journal,
    onboarding,
    pause,
    plan,
    proactive,
    reveal,
    settings,
    stay,
    timeout,
    urgent,
)
from dialogues.effects import Button, Reply, Say
from dialogues.errors import StaleButton
from dialogues.events import Inbound, Kind
from dialogues.flow import BEGIN_TRIGGER, Context, Event, Flow, FlowState, Outcome, parse_button
from dialogues.menu import MENU_FLOW, help_reply, menu_button, menu_reply

FLOWS: dict[str, Flow] = {}
# command -> (flow, entry trigger). Later flows register here with ``register``.
ENTRY_POINTS: dict[str, tuple[str, str]] = {}


def register(flow: Flow, **entries: str) -> None:
    """Make ``flow`` routable; ``entries`` maps command names to its entry triggers."""
    FLOWS[flow.name] = flow
    for command, trigger in entries.items():
        ENTRY_POINTS[command] = (flow.name, trigger)


register(onboarding.FLOW)
register(checkin.FLOW, checkin=BEGIN_TRIGGER)
register(urgent.FLOW, urgent=BEGIN_TRIGGER, urgent_not_safe="not_safe")
register(journal.FLOW, journal=BEGIN_TRIGGER)
register(plan.FLOW, plan=BEGIN_TRIGGER)
register(timeout.FLOW, timeout=BEGIN_TRIGGER, timeout_now="now", timeout_end="come_back",
         timeout_silence="silence")
register(pause.FLOW, pause=BEGIN_TRIGGER)
register(settings.FLOW, settings=BEGIN_TRIGGER)
register(forget.FLOW, forgetme=BEGIN_TRIGGER)
# Answers to proactive messages (their buttons: dialogues/proactive.py).
register(appointment_answer.FLOW, **{proactive.ATTENDING: appointment_answer.ATTENDING,
                                     proactive.REARRANGE: appointment_answer.REARRANGE})
register(stay.FLOW, **{proactive.STAY: BEGIN_TRIGGER})
register(feedback.FLOW, **{proactive.FEEDBACK: BEGIN_TRIGGER})
register(reveal.FLOW, **{proactive.MORE: BEGIN_TRIGGER})


@dataclass(frozen=True)
class Situation:
    """What the shell knows about the sender before the core decides anything."""

    is_participant: bool
    is_facilitator: bool
    conversation: FlowState | None  # None: no flow in progress
    step: int  # events handled so far in this chat
    valid_invite_id: int | None = None  # set when /start carried a usable code
    just_flagged: bool = False  # safeguarding has already answered this message


def route(situation: Situation, inbound: Inbound, ctx: Context) -> Outcome:
    """Decide what this inbound event does; raise StaleButton for an unusable press."""
    outcome = _route(situation, inbound, ctx)
    if outcome.then is not None:
        flow, trigger = outcome.then
        following = FLOWS[flow].begin(ctx, _event(inbound), situation.step + 1, trigger=trigger)
        return Outcome(following.state, outcome.effects + following.effects, following.then)
    return outcome


# Typed on its own, these words mean the command: nobody's note should become "Cancel".
TYPED_COMMANDS = {"cancel": "/cancel", "menu": "/menu"}


def _route(situation: Situation, inbound: Inbound, ctx: Context) -> Outcome:
    typed = inbound.payload.strip().rstrip(".!").casefold()
    if inbound.kind is Kind.TEXT and typed in TYPED_COMMANDS:
        inbound = replace(inbound, kind=Kind.COMMAND, payload=TYPED_COMMANDS[typed])
    event = _event(inbound)
    conversation = situation.conversation
    onboarding_now = conversation is not None and conversation.flow == onboarding.NAME
    if situation.is_facilitator:
        return _say_only(Reply(Say("facilitator.hello")))
    if inbound.kind is Kind.BUTTON:
        flow_name, step, value = parse_button(inbound.payload)
        if flow_name == MENU_FLOW and situation.is_participant:
            if onboarding_now and conversation is not None:  # set-up comes first
                return FLOWS[onboarding.NAME].resume(conversation, ctx, event)
            return _command(situation, value, ctx, event)
        if conversation is None or flow_name != conversation.flow or step != conversation.step:
            raise StaleButton(inbound.payload)
        return FLOWS[conversation.flow].handle(conversation, ctx, event)
    if onboarding_now and conversation is not None:
        if inbound.kind is Kind.COMMAND:
            return FLOWS[onboarding.NAME].resume(conversation, ctx, event)
        return FLOWS[onboarding.NAME].handle(conversation, ctx, event)
    if not situation.is_participant:
        if inbound.command == "start" and situation.valid_invite_id is not None:
            return onboarding.FLOW.begin(
                ctx, event, situation.step + 1, {"invite_id": situation.valid_invite_id}
            )
        return _say_only(Reply(Say("access.neutral")))
    if inbound.kind is Kind.COMMAND:
        return _command(situation, inbound.command, ctx, event)
    if conversation is not None:
        return FLOWS[conversation.flow].handle(conversation, ctx, event)
    if situation.just_flagged:
        return _say_only()  # the safety reply answered it; "not sure what you'd like" would not
    if ctx.profile.running_timeout is not None:
        return _say_only(_while_out(ctx.profile.running_timeout))
    return _say_only(menu_reply("menu.idle_text"))


def _command(situation: Situation, command: str, ctx: Context, event: Event) -> Outcome:
    name, _, arg = command.partition(".")
    if name in ENTRY_POINTS:
        flow, trigger = ENTRY_POINTS[name]
        data = {"arg": arg} if arg else {}
        outcome = FLOWS[flow].begin(ctx, event, situation.step + 1, data, trigger=trigger)
        if outcome.state is None and outcome.then is None and situation.conversation:
            # A one-shot action (e.g. silencing Time Out prompts) leaves whatever the person
            # was doing where it was.
            return Outcome(situation.conversation, outcome.effects)
        return outcome
    if name == "help":
        return _say_only(help_reply(arg), menu_reply())
    if name == "resume" and situation.conversation is not None:
        return FLOWS[situation.conversation.flow].resume(situation.conversation, ctx, event)
    if name == "cancel" and situation.conversation is not None:
        return _say_only(Reply(Say("common.cancelled")), menu_reply())
    if name in {"start", "menu", "cancel", "resume"}:
        return _say_only(menu_reply())
    return _say_only(Reply(Say("common.unknown_command")), menu_reply())


def _while_out(ref: str) -> Reply:
    """Typed during a Time Out: say so, and offer the way back, rather than the menu."""
    back = Button(Say("timeout.button.back"), f"{MENU_FLOW}:0:timeout_end.{ref}")
    return Reply(Say("timeout.text_while_out"), ((back, menu_button("menu", "button.menu")),))


def _say_only(*replies: Reply) -> Outcome:
    """End any flow in progress and send these replies."""
    return Outcome(None, tuple(replies))


def _event(inbound: Inbound) -> Event:
    kind = "button" if inbound.kind is Kind.BUTTON else "text"
    value = inbound.payload
    if inbound.kind is Kind.BUTTON:
        value = inbound.payload.split(":", 2)[-1]
    return Event(kind, value, inbound.update_id, inbound.at)
