"""What happens, in words and effects, when a participant's message is flagged. Pure.

Urgent: the current flow is interrupted (its state is kept, so it can be resumed), the
person gets the safety reply for what they said, and a flag is raised. Concern: the
person is told their facilitator will see it, a flag is raised, and the flow carries on.

Strangulation gets its own reply, because it is a marker of the highest risk and it needs
saying plainly that it is dangerous. A child at risk adds the NSPCC's line for adults, and
drink or drugs add the drink and drug lines, each as a short message after the flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dialogues.effects import Button, Effect, RaiseFlag, Reply, Say
from dialogues.menu import MENU_FLOW
from dialogues.screening import Screening

SELF = frozenset({"self_harm"})
# Extra lines after the main reply, by the category that calls for them, in this order.
EXTRA_LINES = (("child_harm", "safety.child_line"), ("substance", "safety.substance_line"))

# Each reply that says the facilitator is being told, and its variant for when the flag desk
# wrote no alert (the same words again, or nobody to alert): the shell picks one after the
# desk has acted, so the bot never claims someone was told when nobody was.
UNTOLD = {
    "safety.urgent_others": "safety.urgent_others_untold",
    "safety.urgent_self": "safety.urgent_self_untold",
    "safety.urgent_strangulation": "safety.urgent_strangulation_untold",
    "safety.concern_others": "safety.concern_others_untold",
    "safety.concern_self": "safety.concern_self_untold",
    "urgent.hurt_someone": "urgent.hurt_someone_untold",
    "urgent.not_safe": "urgent.not_safe_untold",
    "urgent.being_harmed": "urgent.being_harmed_untold",
}


@dataclass(frozen=True)
class SafetyResponse:
    effects: tuple[Effect, ...]
    interrupts: bool  # True: the message does not reach the flow


def respond(screening: Screening, text: str, in_flow: bool) -> SafetyResponse:
    """Return the reply and the flag for a flagged message."""
    categories = set(screening.categories)
    about_self_only = bool(categories) and categories <= SELF
    urgent = screening.severity == "urgent"
    key = ("safety.urgent_self" if about_self_only else "safety.urgent_others") if urgent else (
        "safety.concern_self" if about_self_only else "safety.concern_others")
    if urgent and "strangulation" in categories:
        key = "safety.urgent_strangulation"
    flag = RaiseFlag(
        severity=screening.severity or "concern",
        categories=tuple(screening.categories),
        excerpt=text,
        evidence=tuple((e.rule, e.category, e.severity, e.matched) for e in screening.evidence),
    )
    buttons: tuple[tuple[Button, ...], ...] = ()
    if urgent:
        row = [Button(Say("button.menu"), f"{MENU_FLOW}:0:menu")]
        if in_flow:
            row.insert(0, Button(Say("button.resume"), f"{MENU_FLOW}:0:resume"))
        buttons = (tuple(row),)
    extras = [Say(line) for category, line in EXTRA_LINES if category in categories]
    # The person's reply is queued before the alert: it is the first thing that goes out.
    # The buttons go on the last message, where the person's eye ends up.
    effects: list[Effect] = [Reply(Say(key), () if extras else buttons), flag]
    effects += [Reply(text, buttons if text is extras[-1] else ()) for text in extras]
    return SafetyResponse(tuple(effects), interrupts=urgent)


def escalation_deadline(severity: str, now: datetime, *, urgent_after: timedelta,
                        concern_at: time, timezone: str = "Europe/London") -> datetime:
    """Urgent: ``urgent_after`` from now. Concern: ``concern_at`` on the next working day."""
    if severity == "urgent":
        return now + urgent_after
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date() + timedelta(days=1)
    while day.weekday() >= 5:  # Saturday, Sunday
        day += timedelta(days=1)
    return datetime.combine(day, concern_at, tzinfo=zone).astimezone(UTC)
