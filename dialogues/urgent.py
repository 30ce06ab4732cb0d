"""Urgent help: raise an urgent flag without having to type a disclosure.

From the menu at any time. "I'm worried I'll hurt someone" raises an urgent flag at once.
"I'm not safe" can mean two different things, so it asks which: thoughts of harming
themselves, or someone threatening or hurting them (and "I might hurt someone" is there too,
for anyone who pressed the wrong one). The flag is filed under what the person chose, so
the facilitator knows which kind of risk to act on. The red check-in and a red return from
a Time Out enter straight at "I'm not safe" (``not_safe`` from the start).

    start -begin-> choose -hurt_someone-> done ;  choose -back-> done
    choose -not_safe-> which ;  start -not_safe-> which
    which -self_harm/being_harmed/hurt_someone-> done ;  which -back-> done
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from dialogues.effects import Button, RaiseFlag, Say
from dialogues.flow import Flow, FlowModel
from dialogues.menu import MENU_FLOW, menu_reply

NAME = "urgent"
# A category of its own: screening never sets it, only the person's own choice here.
BEING_HARMED = "being_harmed"


class States(Enum):
    start = "start"
    choose = "choose"
    which = "which"
    done = "done"


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": States.start, "dest": States.choose},
    {"trigger": "not_safe", "source": States.start, "dest": States.which},
    {"trigger": "hurt_someone", "source": States.choose, "dest": States.done,
     "before": "worried_about_hurting"},
    {"trigger": "not_safe", "source": States.choose, "dest": States.which},
    {"trigger": "back", "source": States.choose, "dest": States.done, "before": "go_back"},
    {"trigger": "self_harm", "source": States.which, "dest": States.done,
     "before": "harming_myself"},
    {"trigger": "being_harmed", "source": States.which, "dest": States.done,
     "before": "someone_hurting_me"},
    {"trigger": "hurt_someone", "source": States.which, "dest": States.done,
     "before": "worried_about_hurting"},
    {"trigger": "back", "source": States.which, "dest": States.done, "before": "go_back"},
]


class UrgentHelp(FlowModel):
    def on_enter_choose(self) -> None:
        self.say("urgent.ask",
                 [self.button(Say("urgent.button.hurt_someone"), "hurt_someone")],
                 [self.button(Say("urgent.button.not_safe"), "not_safe")],
                 [self.button(Say("button.back_to_menu"), "back")])

    def on_enter_which(self) -> None:
        self.say("urgent.not_safe_ask",
                 [self.button(Say("urgent.button.self_harm"), "self_harm")],
                 [self.button(Say("urgent.button.being_harmed"), "being_harmed")],
                 [self.button(Say("urgent.button.might_hurt"), "hurt_someone")],
                 [self.button(Say("button.back_to_menu"), "back")])

    def worried_about_hurting(self) -> None:
        self.say("urgent.hurt_someone", [self.menu_button()])
        self.do(RaiseFlag("urgent", ("harm_to_others",), Say("urgent.excerpt.hurt_someone"),
                          source="urgent_help"))

    def harming_myself(self) -> None:
        self.say("urgent.not_safe", [self.menu_button()])
        self.do(RaiseFlag("urgent", ("self_harm",), Say("urgent.excerpt.not_safe"),
                          source="urgent_help"))

    def someone_hurting_me(self) -> None:
        self.say("urgent.being_harmed", [self.menu_button()])
        self.do(RaiseFlag("urgent", (BEING_HARMED,), Say("urgent.excerpt.being_harmed"),
                          source="urgent_help"))

    @staticmethod
    def menu_button() -> Button:
        return Button(Say("button.menu"), f"{MENU_FLOW}:0:menu")

    def go_back(self) -> None:
        self.do(menu_reply())


FLOW = Flow(NAME, States, TRANSITIONS, UrgentHelp, done=States.done)
