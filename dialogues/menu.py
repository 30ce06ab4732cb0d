"""The main menu: the tools that exist now, each reachable by button and by command.

Menu buttons are navigation, not answers, so they stay valid in every state; they carry
``m:0:<item>`` and the router treats a press like the matching command.
"""

from __future__ import annotations

from dialogues.effects import Button, Reply, Say

MENU_FLOW = "m"
WHO_SEES_WHAT = "who"  # /help's part on confidentiality: m:0:help.who

# (item, label key). Only tools that are built appear here.
ITEMS: tuple[tuple[str, str], ...] = (
    ("checkin", "menu.item.checkin"),
    ("timeout", "menu.item.timeout"),
    ("pause", "menu.item.pause"),
    ("journal", "menu.item.journal"),
    ("plan", "menu.item.plan"),
    ("settings", "menu.item.settings"),
    ("help", "menu.item.help"),
    ("urgent", "menu.item.urgent"),  # last, on a row of its own, so it is easy to find
)


def menu_button(item: str, label_key: str) -> Button:
    return Button(Say(label_key), f"{MENU_FLOW}:0:{item}")


def help_reply(part: str = "") -> Reply:
    """The help text with a button to "Who sees what", or that part itself."""
    if part == WHO_SEES_WHAT:
        return Reply(Say("help.who_sees_what"))
    who = Button(Say("help.button.who_sees_what"), f"{MENU_FLOW}:0:help.{WHO_SEES_WHAT}")
    return Reply(Say("help.text"), ((who,),))


def menu_reply(key: str = "menu.prompt") -> Reply:
    buttons = [menu_button(item, label) for item, label in ITEMS]
    *pairs, last = buttons
    rows = (*(tuple(pairs[i:i + 2]) for i in range(0, len(pairs), 2)), (last,))
    return Reply(Say(key), rows)
