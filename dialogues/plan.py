"""My plan: goals, what helps, what gets in the way, the Time Out phrase, coping statements.

Everything is in the participant's own words, added and removed one item at a time, and
reflected back as it is added ("You said: ..."). Every edit is saved at once with UpdatePlan.
The shell applies effects only after the flow has run and reloads the profile on the next
event, so the plan being edited lives in ``data["plan"]`` (started from the profile) and
several edits in one visit build on each other.

    start -begin-> overview -goals-> goal_term -open-> section ;  goal_term -back-> overview
    overview -open-> section -add-> adding -text/back-> section
    section -remove_one-> removing -remove/back-> section
    section -back-> goal_term (a goal list) | overview
    overview -phrase-> phrase -text/clear/back-> overview ;  overview -done-> done
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from dialogues.effects import Button, Say, UpdatePlan
from dialogues.flow import Flow, FlowModel
from dialogues.menu import menu_reply
from dialogues.preferences import PLAN_LISTS, Plan

NAME = "plan"
MAX_ITEM_LENGTH = 300
MAX_ITEMS = 10  # per list: each gets a button when removing one
GOALS = ("short", "medium", "long")
NO_PHRASE = "—"

# Each list's own wording: how it is shown, what shows when it is empty, the question that
# asks for a new item, and its button.
VIEW = {
    "short": Say("plan.view.short"), "medium": Say("plan.view.medium"),
    "long": Say("plan.view.long"), "helps": Say("plan.view.helps"),
    "hinders": Say("plan.view.hinders"), "coping": Say("plan.view.coping"),
}
EMPTY = {
    "short": Say("plan.empty.short"), "medium": Say("plan.empty.medium"),
    "long": Say("plan.empty.long"), "helps": Say("plan.empty.helps"),
    "hinders": Say("plan.empty.hinders"), "coping": Say("plan.empty.coping"),
}
ASK = {
    "short": Say("plan.ask.short"), "medium": Say("plan.ask.medium"),
    "long": Say("plan.ask.long"), "helps": Say("plan.ask.helps"),
    "hinders": Say("plan.ask.hinders"), "coping": Say("plan.ask.coping"),
}
LABEL = {
    "short": Say("plan.button.short"), "medium": Say("plan.button.medium"),
    "long": Say("plan.button.long"), "helps": Say("plan.button.helps"),
    "hinders": Say("plan.button.hinders"), "coping": Say("plan.button.coping"),
}


def numbered(items: tuple[str, ...]) -> str:
    return "\n".join(f"{number}. {item}" for number, item in enumerate(items, 1))


class States(Enum):
    start = "start"
    overview = "overview"
    goal_term = "goal_term"
    section = "section"
    adding = "adding"
    removing = "removing"
    phrase = "phrase"
    done = "done"


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": States.start, "dest": States.overview,
     "before": "load_plan"},
    {"trigger": "goals", "source": States.overview, "dest": States.goal_term},
    {"trigger": "open", "source": [States.overview, States.goal_term], "dest": States.section,
     "conditions": "section_exists", "before": "pick_section"},
    {"trigger": "back", "source": States.goal_term, "dest": States.overview},
    {"trigger": "phrase", "source": States.overview, "dest": States.phrase},
    {"trigger": "done", "source": States.overview, "dest": States.done, "before": "finish"},
    {"trigger": "add", "source": States.section, "dest": States.adding,
     "conditions": "has_room"},
    {"trigger": "remove_one", "source": States.section, "dest": States.removing,
     "conditions": "has_items"},
    {"trigger": "back", "source": States.section, "dest": States.goal_term,
     "conditions": "is_goal"},
    {"trigger": "back", "source": States.section, "dest": States.overview},
    {"trigger": "text", "source": States.adding, "dest": States.section,
     "conditions": "fits", "before": "add_item"},
    {"trigger": "back", "source": States.adding, "dest": States.section},
    {"trigger": "remove", "source": States.removing, "dest": States.section,
     "conditions": "index_exists", "before": "remove_item"},
    {"trigger": "back", "source": States.removing, "dest": States.section},
    {"trigger": "text", "source": States.phrase, "dest": States.overview,
     "conditions": "fits", "before": "save_phrase"},
    {"trigger": "clear", "source": States.phrase, "dest": States.overview,
     "conditions": "has_phrase", "before": "clear_phrase"},
    {"trigger": "back", "source": States.phrase, "dest": States.overview},
]


class MyPlan(FlowModel):
    # --- the plan being edited ---------------------------------------------------------------

    @property
    def plan(self) -> Plan:
        if "plan" in self.data:
            return Plan.from_dict(self.data["plan"])
        return self.ctx.profile.plan

    def keep(self, plan: Plan) -> None:
        self.data["plan"] = plan.to_dict()
        self.do(UpdatePlan(plan.to_dict()))

    @property
    def section_name(self) -> str:
        return str(self.data.get("section", ""))

    @property
    def items(self) -> tuple[str, ...]:
        items: tuple[str, ...] = getattr(self.plan, self.section_name)
        return items

    def load_plan(self) -> None:
        self.data["plan"] = self.ctx.profile.plan.to_dict()

    def back_button(self) -> Button:
        return self.button(Say("plan.button.back"), "back")

    # --- the overview ------------------------------------------------------------------------

    def on_enter_overview(self) -> None:
        plan = self.plan
        rows = ([self.button(Say("plan.button.goals"), "goals"),
                 self.button(LABEL["helps"], "open.helps")],
                [self.button(LABEL["hinders"], "open.hinders")],
                [self.button(Say("plan.button.phrase"), "phrase"),
                 self.button(LABEL["coping"], "open.coping")],
                [self.button(Say("plan.button.done"), "done")])
        if plan.is_empty():
            self.say("plan.nothing_yet", *rows)
            return
        counts = {name: str(len(getattr(plan, name))) for name in PLAN_LISTS}
        self.say("plan.summary", *rows, phrase=plan.timeout_phrase or NO_PHRASE, **counts)

    def finish(self) -> None:
        self.say("plan.done")
        self.do(menu_reply())

    def on_enter_goal_term(self) -> None:
        self.say("plan.ask_term",
                 [self.button(LABEL[term], f"open.{term}") for term in GOALS],
                 [self.back_button()])

    def section_exists(self) -> bool:
        return self.arg in PLAN_LISTS

    def pick_section(self) -> None:
        self.data["section"] = self.arg

    def is_goal(self) -> bool:
        return self.section_name in GOALS

    # --- one list ----------------------------------------------------------------------------

    def on_enter_section(self) -> None:
        name, items = self.section_name, self.items
        if not items:
            self.say(EMPTY[name].key, [self.button(Say("plan.button.add"), "add"),
                                       self.back_button()])
            return
        self.say(VIEW[name].key,
                 [self.button(Say("plan.button.add"), "add"),
                  self.button(Say("plan.button.remove"), "remove_one")],
                 [self.back_button()], items=numbered(items))

    def has_room(self) -> bool:
        if len(self.items) >= MAX_ITEMS:
            self.say("plan.list_full", limit=str(MAX_ITEMS))
            return False
        return True

    def has_items(self) -> bool:
        return bool(self.items)

    def on_enter_adding(self) -> None:
        self.say(ASK[self.section_name].key, [self.back_button()])

    def fits(self) -> bool:
        if not self.typed or len(self.typed) > MAX_ITEM_LENGTH:
            self.say("plan.too_long", limit=str(MAX_ITEM_LENGTH))
            return False
        return True

    def add_item(self) -> None:
        self.keep(self.plan.with_list(self.section_name, (*self.items, self.typed)))
        self.say("plan.added", item=self.typed)

    def on_enter_removing(self) -> None:
        items = self.items
        numbers = [self.button(str(n), f"remove.{n - 1}") for n in range(1, len(items) + 1)]
        rows = [numbers[i:i + 5] for i in range(0, len(numbers), 5)]
        self.say("plan.ask_remove", *rows, [self.back_button()], items=numbered(items))

    def index_exists(self) -> bool:
        return self.arg.isdigit() and int(self.arg) < len(self.items)

    def remove_item(self) -> None:
        index, items = int(self.arg), self.items
        self.keep(self.plan.with_list(self.section_name, items[:index] + items[index + 1:]))
        self.say("plan.removed", item=items[index])

    # --- the Time Out phrase -----------------------------------------------------------------

    def on_enter_phrase(self) -> None:
        phrase = self.plan.timeout_phrase
        if phrase is None:
            self.say("plan.phrase_ask", [self.back_button()])
            return
        self.say("plan.phrase_current",
                 [self.button(Say("plan.button.clear_phrase"), "clear")], [self.back_button()],
                 phrase=phrase)

    def has_phrase(self) -> bool:
        return self.plan.timeout_phrase is not None

    def save_phrase(self) -> None:
        self.keep(self.plan.with_phrase(self.typed))
        self.say("plan.phrase_saved", phrase=self.typed)

    def clear_phrase(self) -> None:
        self.keep(self.plan.with_phrase(None))
        self.say("plan.phrase_cleared")


FLOW = Flow(NAME, States, TRANSITIONS, MyPlan, done=States.done)
