"""Onboarding: from a valid invite to the menu.

The person first hears who the bot is for and what it is not (not counselling, not an
emergency service), then the limits of confidentiality and that Telegram bot chats are not
end-to-end encrypted. Only then are they asked to agree. "Not now" keeps nothing but the
unused invite, so the same link works later. After agreement: the name they want to be
called and a daily check-in time, then the menu.

    start -begin-> intro -next-> limits -next-> consent -agree-> name -text-> checkin_time
                                                consent -not_now-> done
    checkin_time -pick/text-> done
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from dialogues.clock_text import parse_clock
from dialogues.effects import Audit, CreateParticipant, DropConversation, Say, UpdateProfile
from dialogues.flow import Flow, FlowModel
from dialogues.menu import menu_reply

NAME = "onboarding"
MAX_NAME_LENGTH = 40
TIME_CHOICES = ("08:00", "12:30", "18:00", "21:00")


class States(Enum):
    start = "start"
    intro = "intro"
    limits = "limits"
    consent = "consent"
    name = "name"
    checkin_time = "checkin_time"
    done = "done"


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": States.start, "dest": States.intro},
    {"trigger": "next", "source": States.intro, "dest": States.limits},
    {"trigger": "next", "source": States.limits, "dest": States.consent},
    {"trigger": "agree", "source": States.consent, "dest": States.name, "before": "join"},
    {"trigger": "not_now", "source": States.consent, "dest": States.done, "before": "decline"},
    {"trigger": "text", "source": States.name, "dest": States.checkin_time,
     "conditions": "name_is_usable", "before": "save_name"},
    {"trigger": "pick", "source": States.checkin_time, "dest": States.done,
     "conditions": "time_is_valid", "before": "save_time"},
    {"trigger": "text", "source": States.checkin_time, "dest": States.done,
     "conditions": "time_is_valid", "before": "save_time"},
]


class Onboarding(FlowModel):
    def on_enter_intro(self) -> None:
        self.say("onboarding.intro", [self.button(Say("button.continue"), "next")])

    def on_enter_limits(self) -> None:
        self.say("onboarding.limits", [self.button(Say("button.continue"), "next")])

    def on_enter_consent(self) -> None:
        self.say(
            "onboarding.consent",
            [self.button(Say("button.agree"), "agree"),
             self.button(Say("button.not_now"), "not_now")],
        )

    def join(self) -> None:
        self.do(CreateParticipant(int(self.data["invite_id"])))
        self.do(Audit("consent.given"))
        self.data["joined"] = True

    def decline(self) -> None:
        self.say("onboarding.not_now")
        self.do(DropConversation())

    def on_enter_name(self) -> None:
        self.say("onboarding.ask_name")

    def name_is_usable(self) -> bool:
        name = " ".join(self.typed.split())
        if not name or name.startswith("/") or len(name) > MAX_NAME_LENGTH:
            self.say("onboarding.name_invalid", limit=str(MAX_NAME_LENGTH))
            return False
        return True

    def save_name(self) -> None:
        name = " ".join(self.typed.split())
        self.data["name"] = name
        self.do(UpdateProfile(preferred_name=name))

    def on_enter_checkin_time(self) -> None:
        rows = [[self.button(t, f"pick.{t.replace(':', '')}") for t in TIME_CHOICES[:2]],
                [self.button(t, f"pick.{t.replace(':', '')}") for t in TIME_CHOICES[2:]],
                [self.button(Say("button.no_daily_checkin"), "pick.none")]]
        if self.data.get("asked_time"):  # asked again: once is enough for thanks and name
            self.say("onboarding.ask_time_again", *rows)
            return
        self.data["asked_time"] = True
        self.say("onboarding.ask_time", *rows, name=str(self.data.get("name", "")))

    def _chosen_time(self) -> str | None:
        if self.event.kind == "text":
            return parse_clock(self.typed)
        if self.arg == "none":
            return ""
        return parse_clock(self.arg)

    def time_is_valid(self) -> bool:
        if self._chosen_time() is None:
            self.say("onboarding.time_invalid")
            return False
        return True

    def save_time(self) -> None:
        chosen = self._chosen_time() or ""
        self.data["time"] = chosen
        self.do(UpdateProfile(checkin_time=chosen))

    def on_enter_done(self) -> None:
        if not self.data.get("joined"):
            return
        if self.data.get("time"):
            self.say("onboarding.done_with_time", time=str(self.data["time"]))
        else:
            self.say("onboarding.done_without_time")
        self.do(menu_reply())


FLOW = Flow(NAME, States, TRANSITIONS, Onboarding, done=States.done)
