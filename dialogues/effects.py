"""Effects: what a dialogue asks the shell to do. Dialogues return these; bot/ applies them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Say:
    """A sentence from content/locales by key; the shell picks a variant and fills params.

    A param may itself be a ``Say`` (a word such as "How it felt" for a stored "feeling"),
    rendered in the same person's modes before it is filled in.
    """

    key: str
    params: Mapping[str, str | Say] = field(default_factory=dict)


Label = Say | str  # str: wording that already comes from content/ or from the participant


@dataclass(frozen=True)
class Button:
    label: Label
    data: str


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Reply:
    """A message to the chat the event came from."""

    text: Say
    buttons: Keyboard = ()


@dataclass(frozen=True)
class NotifyFacilitator:
    """A message to the participant's assigned facilitator."""

    text: Say
    buttons: Keyboard = ()


@dataclass(frozen=True)
class CreateParticipant:
    """Consent given: turn the pending invite into a participant."""

    invite_id: int


@dataclass(frozen=True)
class DropConversation:
    """Forget this chat's pending dialogue (consent declined: keep nothing but the invite)."""


@dataclass(frozen=True)
class UpdateProfile:
    preferred_name: str | None = None
    checkin_time: str | None = None  # "HH:MM" local time; "" switches the daily check-in off
    colour_words: Mapping[str, str] | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class UpdatePreferences:
    """Merge these keys into the participant's Preferences (see dialogues/preferences.py)."""

    changes: Mapping[str, Any]


@dataclass(frozen=True)
class UpdatePlan:
    """Replace My plan with this one (Plan.to_dict())."""

    plan: Mapping[str, Any]


@dataclass(frozen=True)
class SaveJournalEntry:
    ref: str  # stable per entry (the update id that finished it)
    text: str
    week: int | None
    at: datetime


@dataclass(frozen=True)
class DeleteJournalEntry:
    entry_id: int


@dataclass(frozen=True)
class ShareJournalEntry:
    entry_id: int


@dataclass(frozen=True)
class SaveReflection:
    ref: str
    kind: str  # "pause"
    answers: Mapping[str, str]
    at: datetime


@dataclass(frozen=True)
class ShareReflection:
    ref: str


@dataclass(frozen=True)
class StartTimeOut:
    ref: str
    minutes: int
    colour_before: str | None
    at: datetime


@dataclass(frozen=True)
class EndTimeOut:
    ref: str
    colour_after: str | None
    at: datetime


@dataclass(frozen=True)
class Schedule:
    """A message to this participant at a later time, e.g. a Time Out prompt.

    ``key`` is stable (``timeout:{ref}:prompt:1``): scheduling it again changes nothing.
    """

    key: str
    at: datetime
    text: Say
    buttons: Keyboard = ()


@dataclass(frozen=True)
class CancelScheduled:
    """Drop this participant's not-yet-sent scheduled messages whose key starts so."""

    key_prefix: str


@dataclass(frozen=True)
class ForgetMe:
    """Delete journal, reflections, plan and personal words; keep flags and the audit log."""


@dataclass(frozen=True)
class RecordCheckIn:
    ref: str  # stable per check-in, so a later note can find it
    colour: str
    at: datetime


@dataclass(frozen=True)
class AddCheckInNote:
    ref: str
    note: str


@dataclass(frozen=True)
class RaiseFlag:
    """A safeguarding concern: the shell stores it and alerts the assigned facilitator."""

    severity: str  # urgent | concern
    categories: tuple[str, ...]
    excerpt: Label  # the participant's words, or what they pressed
    evidence: tuple[tuple[str, str, str, str], ...] = ()  # (rule, category, severity, words)
    source: str = "message"  # message | urgent_help


@dataclass(frozen=True)
class RecordAppointmentResponse:
    """The participant's answer to a reminder: attending | rearrange."""

    appointment_id: int
    response: str
    at: datetime


@dataclass(frozen=True)
class SaveSessionFeedback:
    """The three 1-5 answers after a session, and an optional comment (stored encrypted)."""

    appointment_id: int
    clear_pace: int
    useful: int
    met_needs: int
    comment: str | None
    at: datetime


@dataclass(frozen=True)
class AskFacilitator:
    """Tell the assigned facilitator, then tell the participant honestly whether that happened.

    ``told`` is the reply when a facilitator was there to tell, ``untold`` when none is
    assigned (the notification is then logged and dropped, as other notifications are).
    None: say nothing (an urgent safety reply to the same message is the last word).
    """

    note: Say
    told: Say | None
    untold: Say | None


@dataclass(frozen=True)
class Audit:
    action: str
    detail: Mapping[str, str] = field(default_factory=dict)


Effect = (
    Reply
    | NotifyFacilitator
    | CreateParticipant
    | DropConversation
    | UpdateProfile
    | RecordCheckIn
    | AddCheckInNote
    | RaiseFlag
    | Audit
    | UpdatePreferences
    | UpdatePlan
    | SaveJournalEntry
    | DeleteJournalEntry
    | ShareJournalEntry
    | SaveReflection
    | ShareReflection
    | StartTimeOut
    | EndTimeOut
    | Schedule
    | CancelScheduled
    | ForgetMe
    | RecordAppointmentResponse
    | SaveSessionFeedback
    | AskFacilitator
)
