"""Time Out: step away, calm down, come back at the agreed time.

Time Out can be misused as control (walking out to end a conversation, staying away to
punish), so the safeguards are part of the flow: a danger check first, the agreed phrase
said calmly, a fixed length, the rules, and coming back when the time is up. Starting it
schedules one or two quiet prompts and the "come back now" message; the flow then ends.
The end message's [I'm back] button (a menu-type press, valid whatever else is going on)
starts this flow again at ``come_back``, where the return is planned only if the person is
green. Yellow and blue (low, flat or resentful) are not calm: another Time Out, Press Pause
or urgent help is offered. Red does not go back at all: the Time Out is extended, as agreed,
with one tap, or the person takes the urgent path.

At red there is no time for five steps, so ``now`` (from the red check-in, or extending at
red) starts at once with the usual length: "I'm not safe" sits beside it in place of the
danger question, and the phrase and the rules come in the one message that says it started.

    start -begin-> danger -yes-> done (hand over to urgent help)
    danger -no-> colour_before -pick-> length -minutes-> rules -go-> done (scheduled)
    start -now-> done (scheduled at the usual length, started at red)
    start -silence-> done (prompts cancelled; the end message still comes)
    start -come_back-> colour_after -pick-> return_say (green) | done (blue/yellow/red)
    return_say -text/skip-> return_listen -text/skip-> done
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from dialogues.effects import (
    Button,
    CancelScheduled,
    EndTimeOut,
    Say,
    Schedule,
    StartTimeOut,
)
from dialogues.flow import Flow, FlowModel
from dialogues.menu import MENU_FLOW, menu_button
from dialogues.preferences import TIMEOUT_LENGTHS

NAME = "timeout"
MAX_ANSWER_LENGTH = 1000
# Only green plans the return: blue (low, flat, resentful) can turn into blame on the way back.
CALM_COLOURS = ("green",)
RED = "red"
# Quiet prompts at 1/3 and 2/3 of the Time Out; the end message comes at the end.
PROMPTS = (Say("timeout.prompt.first"), Say("timeout.prompt.second"))
PROMPT_SPACING = len(PROMPTS) + 1


class States(Enum):
    start = "start"
    danger = "danger"
    colour_before = "colour_before"
    length = "length"
    rules = "rules"
    colour_after = "colour_after"
    return_say = "return_say"
    return_listen = "return_listen"
    done = "done"


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": States.start, "dest": States.done,
     "conditions": "already_running", "before": "refuse_second"},
    {"trigger": "begin", "source": States.start, "dest": States.danger},
    {"trigger": "now", "source": States.start, "dest": States.done,
     "conditions": "already_running", "before": "refuse_second"},
    {"trigger": "now", "source": States.start, "dest": States.done, "before": "start_now"},
    {"trigger": "silence", "source": States.start, "dest": States.done,
     "conditions": "knows_which", "before": "silence_prompts"},
    {"trigger": "silence", "source": States.start, "dest": States.done,
     "before": "cannot_tell_which"},
    {"trigger": "come_back", "source": States.start, "dest": States.colour_after,
     "before": "remember_which"},
    {"trigger": "yes", "source": States.danger, "dest": States.done, "before": "get_help"},
    {"trigger": "no", "source": States.danger, "dest": States.colour_before,
     "before": "remind_phrase"},
    {"trigger": "pick", "source": States.colour_before, "dest": States.length,
     "conditions": "colour_exists", "before": "save_colour_before"},
    {"trigger": "minutes", "source": States.length, "dest": States.rules,
     "conditions": "length_is_allowed", "before": "save_minutes"},
    {"trigger": "go", "source": States.rules, "dest": States.done, "before": "start_timeout"},
    {"trigger": "pick", "source": States.colour_after, "dest": States.return_say,
     "conditions": ["colour_exists", "is_calm"], "before": "end_timeout"},
    {"trigger": "pick", "source": States.colour_after, "dest": States.done,
     "conditions": ["colour_exists", "is_red"], "before": ["end_timeout", "offer_extension"]},
    {"trigger": "pick", "source": States.colour_after, "dest": States.done,
     "conditions": "colour_exists", "before": ["end_timeout", "offer_more_help"]},
    {"trigger": "text", "source": States.return_say, "dest": States.return_listen,
     "conditions": "answer_is_usable", "before": "save_say"},
    {"trigger": "skip", "source": States.return_say, "dest": States.return_listen},
    {"trigger": "text", "source": States.return_listen, "dest": States.done,
     "conditions": "answer_is_usable", "before": "close_with_listening"},
    {"trigger": "skip", "source": States.return_listen, "dest": States.done, "before": "close"},
]


class TimeOut(FlowModel):
    @property
    def ref(self) -> str:
        return str(self.data.get("ref", ""))

    # --- before: safety, phrase, colour, length, rules ------------------------------------

    def already_running(self) -> bool:
        return self.ctx.profile.running_timeout is not None

    def refuse_second(self) -> None:
        ref = self.ctx.profile.running_timeout
        back = Button(Say("timeout.button.back"), f"{MENU_FLOW}:0:timeout_end.{ref}")
        self.say("timeout.already_running", [back])

    def on_enter_danger(self) -> None:
        self.say("timeout.ask_danger", [self.button(Say("button.yes"), "yes"),
                                        self.button(Say("timeout.button.no"), "no")])

    def get_help(self) -> None:
        self.hand_over("urgent")

    def remind_phrase(self) -> None:
        phrase = self.ctx.profile.plan.timeout_phrase
        if phrase:
            self.say("timeout.phrase_own", phrase=phrase)
        else:
            self.say("timeout.phrase_default")

    def on_enter_colour_before(self) -> None:
        self.say("timeout.ask_colour", *self.colour_rows(), colours=self.colour_lines())

    def colour_exists(self) -> bool:
        return any(c.key == self.arg for c in self.ctx.library.palette.colours)

    def save_colour_before(self) -> None:
        self.data["colour_before"] = self.arg

    def on_enter_length(self) -> None:
        usual = self.ctx.profile.preferences.timeout_minutes
        row = []
        # The usual length (from settings) comes first and is marked as such.
        for minutes in sorted(TIMEOUT_LENGTHS, key=lambda m: (m != usual, m)):
            key = "timeout.button.minutes_usual" if minutes == usual else "timeout.button.minutes"
            row.append(self.button(Say(key, {"minutes": str(minutes)}), f"minutes.{minutes}"))
        self.say("timeout.ask_length", row)

    def length_is_allowed(self) -> bool:
        return self.arg in {str(m) for m in TIMEOUT_LENGTHS}

    def save_minutes(self) -> None:
        self.data["minutes"] = int(self.arg)

    def on_enter_rules(self) -> None:
        self.say("timeout.rules", [self.button(Say("timeout.button.go"), "go")],
                 minutes=str(self.data["minutes"]))

    def start_timeout(self) -> None:
        minutes = int(self.data["minutes"])
        local_end = self.schedule(minutes, self.data.get("colour_before"))
        self.say("timeout.started", minutes=str(minutes), time=f"{local_end:%H:%M}")

    def start_now(self) -> None:
        # Only offered at red: the start is recorded as red, so the facilitator is told.
        minutes = self.ctx.profile.preferences.timeout_minutes
        local_end = self.schedule(minutes, RED)
        phrase = self.ctx.profile.plan.timeout_phrase
        params = {"minutes": str(minutes), "time": f"{local_end:%H:%M}"}
        if phrase:
            self.say("timeout.started_now_phrase", phrase=phrase, **params)
        else:
            self.say("timeout.started_now", **params)

    def schedule(self, minutes: int, colour_before: str | None) -> datetime:
        """Record the start, plan the prompts and the end; return the local end time."""
        ref, now = str(self.event.update_id), self.ctx.now
        length = timedelta(minutes=minutes)
        self.do(StartTimeOut(ref, minutes, colour_before, now))
        silence = Button(Say("timeout.button.silence"), f"{MENU_FLOW}:0:timeout_silence.{ref}")
        for number, prompt in enumerate(PROMPTS, start=1):
            self.do(Schedule(f"timeout:{ref}:prompt:{number}",
                             now + length * number / PROMPT_SPACING, prompt, ((silence,),)))
        back = Button(Say("timeout.button.back"), f"{MENU_FLOW}:0:timeout_end.{ref}")
        self.do(Schedule(f"timeout:{ref}:end", now + length, Say("timeout.end"), ((back,),)))
        return (now + length).astimezone(ZoneInfo(self.ctx.profile.timezone))

    # --- during: silence the prompts -------------------------------------------------------

    def knows_which(self) -> bool:
        return bool(self.data.get("arg"))

    def silence_prompts(self) -> None:
        self.do(CancelScheduled(f"timeout:{self.data['arg']}:prompt"))
        self.say("timeout.silenced")

    def cannot_tell_which(self) -> None:
        self.say("timeout.silence_unknown")

    # --- after: colour now, then the return or more help ----------------------------------

    def remember_which(self) -> None:
        # Typed without a ref, the shell ends the latest open Time Out.
        self.data["ref"] = str(self.data.get("arg", ""))

    def on_enter_colour_after(self) -> None:
        self.say("timeout.ask_colour_after", *self.colour_rows(), colours=self.colour_lines())

    def is_calm(self) -> bool:
        return self.arg in CALM_COLOURS

    def is_red(self) -> bool:
        return self.arg == RED

    def end_timeout(self) -> None:
        # Logged at once, so the colour after is kept even if the return is not planned here.
        self.data["colour_after"] = self.arg
        self.do(EndTimeOut(self.ref, self.arg, self.ctx.now))

    def offer_extension(self) -> None:
        self.say("timeout.not_calm_red",
                 [menu_button("timeout_now", "timeout.button.extend")],
                 [menu_button("urgent_not_safe", "urgent.button.not_safe")],
                 minutes=str(self.ctx.profile.preferences.timeout_minutes))

    def offer_more_help(self) -> None:
        key = "timeout.not_calm_blue" if self.arg == "blue" else "timeout.not_calm_yet"
        self.say(key,
                 [menu_button("timeout", "timeout.button.another")],
                 [menu_button("pause", "menu.item.pause")],
                 [menu_button("urgent", "menu.item.urgent")],
                 colour=self.ctx.library.palette.get(self.arg).label)

    def on_enter_return_say(self) -> None:
        self.say("timeout.ask_say", [self.button(Say("button.skip"), "skip")])

    def answer_is_usable(self) -> bool:
        if not self.typed or len(self.typed) > MAX_ANSWER_LENGTH:
            self.say("timeout.answer_invalid", limit=str(MAX_ANSWER_LENGTH))
            return False
        return True

    def save_say(self) -> None:
        self.data["say"] = self.typed

    def on_enter_return_listen(self) -> None:
        skip = [self.button(Say("button.skip"), "skip")]
        if self.data.get("say"):
            self.say("timeout.ask_listen_after_say", skip, words=str(self.data["say"]))
        else:
            self.say("timeout.ask_listen", skip)

    def close_with_listening(self) -> None:
        self.say("timeout.closing_with_listen", [self.menu()], words=self.typed)

    def close(self) -> None:
        self.say("timeout.closing", [self.menu()])

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def menu() -> Button:
        return Button(Say("button.menu"), f"{MENU_FLOW}:0:menu")

    def colour_lines(self) -> str:
        words, modes = self.ctx.profile.colour_words, self.ctx.profile.preferences.modes()
        return "\n".join(f"{c.emoji} {c.label}: {words.get(c.key) or c.wording(modes).meaning}"
                         for c in self.ctx.library.palette.colours)

    def colour_rows(self) -> list[list[Button]]:
        buttons = [self.button(f"{c.emoji} {c.label}", f"pick.{c.key}")
                   for c in self.ctx.library.palette.colours]
        return [buttons[:2], buttons[2:]]


FLOW = Flow(NAME, States, TRANSITIONS, TimeOut, done=States.done)
