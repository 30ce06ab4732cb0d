"""Buttons on proactive messages (reminders, nudges, feedback requests).

They are menu-type buttons (``m:0:<command>.<arg>``), valid whatever the person is doing,
because a reminder may be answered hours later in the middle of another flow. The planner
puts them on messages; the router sends their presses to the flows registered for these
commands. An argument names a server-side record (an appointment id, a content reference);
the handler checks it belongs to the person pressing, by their Telegram id, never trusting it.
"""

from __future__ import annotations

from dialogues.effects import Button, Keyboard, Say
from dialogues.menu import MENU_FLOW

ATTENDING = "appt_yes"  # "I'll be there"
REARRANGE = "appt_move"  # "I need to rearrange"
STAY = "stay"  # "Do you still want to take part?": stay.yes | stay.question | stay.no
FEEDBACK = "feedback"  # three questions after a session: feedback.<appointment id>
MORE = "more"  # the details behind a discreet message: more.<content reference>
STAY_ANSWERS = ("yes", "question", "no")


def _button(label_key: str, command: str, arg: str) -> Button:
    return Button(Say(label_key), f"{MENU_FLOW}:0:{command}.{arg}")


def appointment_buttons(appointment_id: int) -> Keyboard:
    return ((_button("proactive.button.attending", ATTENDING, str(appointment_id)),
             _button("proactive.button.rearrange", REARRANGE, str(appointment_id))),)


def stay_buttons() -> Keyboard:
    return tuple((_button(f"proactive.button.stay_{answer}", STAY, answer),)
                 for answer in STAY_ANSWERS)


def feedback_button(appointment_id: int) -> Keyboard:
    return ((_button("proactive.button.feedback", FEEDBACK, str(appointment_id)),),)


def more_button(reference: str) -> Keyboard:
    """``reference`` is a content reference such as ``waiting.what_to_expect`` or ``week.5``."""
    return ((_button("proactive.button.more", MORE, reference),),)
