"""Urgent help: raise an urgent flag without having to type a disclosure.

From the menu at any time. "I'm worried I'll hurt someone" and "I'm not safe" each raise
an urgent flag for the facilitator and give the person what to do right now.

    start -begin-> choose -hurt_someone/not_safe-> done ;  choose -back-> done
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from dialogues.effects import Button, RaiseFlag, Say
from dialogues.flow import Flow, FlowModel
from dialogues.menu import MENU_FLOW, menu_reply

NAME = "urgent"


class States(Enum):
    start = "start"
    choose = "choose"
    done = "done"


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": States.start, "dest": States.choose},
    {"trigger": "hurt_someone", "source": States.choose, "dest": States.done,
     "before": "worried_about_hurting"},
    {"trigger": "not_safe", "source": States.choose, "dest": States.done,
     "before": "not_safe_now"},
    {"trigger": "back", "source": States.choose, "dest": States.done, "before": "go_back"},
]


class UrgentHelp(FlowModel):
    def on_enter_choose(self) -> None:
        self.say("urgent.ask",
                 [self.button(Say("urgent.button.hurt_someone"), "hurt_someone")],
                 [self.button(Say("urgent.button.not_safe"), "not_safe")],
                 [self.button(Say("button.back_to_menu"), "back")])

    def worried_about_hurting(self) -> None:
        self.say("urgent.hurt_someone", [self.menu_button()])
        self.do(RaiseFlag("urgent", ("harm_to_others",), Say("urgent.excerpt.hurt_someone"),
                          source="urgent_help"))

    def not_safe_now(self) -> None:
        self.say("urgent.not_safe", [self.menu_button()])
        self.do(RaiseFlag("urgent", ("self_harm",), Say("urgent.excerpt.not_safe"),
                          source="urgent_help"))

    @staticmethod
    def menu_button() -> Button:
        return Button(Say("button.menu"), f"{MENU_FLOW}:0:menu")

    def go_back(self) -> None:
        self.do(menu_reply())


FLOW = Flow(NAME, States, TRANSITIONS, UrgentHelp, done=States.done)
