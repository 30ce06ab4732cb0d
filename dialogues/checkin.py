"""Colour check-in: how are you, in the programme's traffic-light colours?

The person picks a colour; the check-in is recorded at once (so a red check-in is never lost
to an abandoned conversation). At red, safety comes before any writing: one tap starts a
Time Out at the person's usual length, one tap goes to "I'm not safe", and only "carry on"
leads to words and notes. The first time they pick a colour they may describe it in
their own words, which the bot then uses instead of the default meaning. They may add a note
(what is happening, where they feel it, the thought), then get the colour's next step.

    start -begin-> colour -pick-> red_offer (red) | describe_offer (not yet described) | note
    red_offer -timeout_now-> done (Time Out starts) ;  red_offer -not_safe-> done (urgent help)
    red_offer -carry_on-> describe_offer | note
    describe_offer -yes-> describe -text-> note ;  describe_offer -no-> note
    note -text/skip-> done
"""

from __future__ import annotations

from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from content.schema import ColourWording
from dialogues.effects import AddCheckInNote, RecordCheckIn, Say, UpdateProfile
from dialogues.flow import Flow, FlowModel
from dialogues.menu import menu_reply

NAME = "checkin"
MAX_WORDS_LENGTH = 200
RED = "red"


class States(Enum):
    start = "start"
    colour = "colour"
    red_offer = "red_offer"
    describe_offer = "describe_offer"
    describe = "describe"
    note = "note"
    done = "done"


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": States.start, "dest": States.colour},
    {"trigger": "pick", "source": States.colour, "dest": States.red_offer,
     "conditions": ["colour_exists", "is_red"], "before": "record"},
    {"trigger": "pick", "source": States.colour, "dest": States.describe_offer,
     "conditions": ["colour_exists", "not_yet_described"], "before": "record"},
    {"trigger": "pick", "source": States.colour, "dest": States.note,
     "conditions": "colour_exists", "before": "record"},
    {"trigger": "timeout_now", "source": States.red_offer, "dest": States.done,
     "before": "start_timeout"},
    {"trigger": "not_safe", "source": States.red_offer, "dest": States.done,
     "before": "get_help"},
    {"trigger": "carry_on", "source": States.red_offer, "dest": States.describe_offer,
     "conditions": "not_yet_described"},
    {"trigger": "carry_on", "source": States.red_offer, "dest": States.note},
    {"trigger": "yes", "source": States.describe_offer, "dest": States.describe},
    {"trigger": "no", "source": States.describe_offer, "dest": States.note,
     "before": "keep_default_words"},
    {"trigger": "text", "source": States.describe, "dest": States.note,
     "conditions": "words_are_usable", "before": "save_words"},
    {"trigger": "text", "source": States.note, "dest": States.done, "before": "save_note"},
    {"trigger": "skip", "source": States.note, "dest": States.done},
]


class CheckIn(FlowModel):
    @property
    def colour(self) -> str:
        return str(self.data.get("colour", ""))

    def meaning(self, colour: str) -> str:
        own = self.ctx.profile.colour_words.get(colour) or self.data.get("words")
        return own or self.wording(colour).meaning

    def wording(self, colour: str) -> ColourWording:
        return self.ctx.library.palette.get(colour).wording(self.ctx.profile.preferences.modes())

    @property
    def turn(self) -> int:
        """The local day: questions and next steps change daily, so two days never match."""
        return self.ctx.now.astimezone(ZoneInfo(self.ctx.profile.timezone)).toordinal()

    def on_enter_colour(self) -> None:
        palette = self.ctx.library.palette.colours
        lines = "\n".join(f"{c.emoji} {c.label}: {self.meaning(c.key)}" for c in palette)
        rows = [[self.button(f"{c.emoji} {c.label}", f"pick.{c.key}") for c in palette[:2]],
                [self.button(f"{c.emoji} {c.label}", f"pick.{c.key}") for c in palette[2:]]]
        self.say("checkin.ask_colour", *rows, colours=lines)

    def colour_exists(self) -> bool:
        return any(c.key == self.arg for c in self.ctx.library.palette.colours)

    def is_red(self) -> bool:
        return self.arg == RED

    def not_yet_described(self) -> bool:
        # On "pick" the colour is the argument; after the red offer it is already saved.
        return (self.arg or self.colour) not in self.ctx.profile.colour_words

    def record(self) -> None:
        self.data["colour"] = self.arg
        self.data["ref"] = str(self.event.update_id)
        self.do(RecordCheckIn(self.data["ref"], self.arg, self.event.at))

    def on_enter_red_offer(self) -> None:
        self.say("checkin.red_offer",
                 [self.button(Say("checkin.button.timeout_now"), "timeout_now")],
                 [self.button(Say("checkin.button.not_safe"), "not_safe")],
                 [self.button(Say("checkin.button.carry_on"), "carry_on")],
                 colour=self.ctx.library.palette.get(self.colour).label)

    def start_timeout(self) -> None:
        self.hand_over("timeout", "now")

    def get_help(self) -> None:
        self.hand_over("urgent", "not_safe")

    def on_enter_describe_offer(self) -> None:
        colour = self.ctx.library.palette.get(self.colour)
        self.say("checkin.offer_own_words",
                 [self.button(Say("button.yes"), "yes"), self.button(Say("button.not_now"), "no")],
                 colour=colour.label, meaning=self.wording(colour.key).meaning)

    def keep_default_words(self) -> None:
        # Empty words mean "offered once, declined": the default meaning stays.
        self.do(UpdateProfile(colour_words={self.colour: ""}))

    def on_enter_describe(self) -> None:
        self.say("checkin.ask_own_words",
                 colour=self.ctx.library.palette.get(self.colour).label.lower())

    def words_are_usable(self) -> bool:
        if not self.typed or len(self.typed) > MAX_WORDS_LENGTH:
            self.say("checkin.words_too_long", limit=str(MAX_WORDS_LENGTH))
            return False
        return True

    def save_words(self) -> None:
        self.data["words"] = self.typed
        self.do(UpdateProfile(colour_words={self.colour: self.typed}))
        self.say("checkin.words_saved", colour=self.ctx.library.palette.get(self.colour).label)

    def on_enter_note(self) -> None:
        colour = self.ctx.library.palette.get(self.colour)
        questions = "\n".join(f"• {q}" for q in self.wording(colour.key).questions(self.turn))
        self.say("checkin.ask_note", [self.button(Say("button.skip"), "skip")],
                 colour=colour.label, meaning=self.meaning(colour.key), questions=questions)

    def save_note(self) -> None:
        self.data["noted"] = True
        self.do(AddCheckInNote(str(self.data["ref"]), self.typed))

    def on_enter_done(self) -> None:
        if self.then is not None:  # handed over to Time Out or urgent help
            return
        colour = self.ctx.library.palette.get(self.colour)
        # A note is acknowledged, not quoted back: the person knows what they wrote.
        key = "checkin.next_step_after_note" if self.data.get("noted") else "checkin.next_step"
        self.say(key, colour=colour.label,
                 next_step=self.wording(colour.key).next_step(self.turn))
        coping = self.ctx.profile.plan.coping
        if coping:  # their own words from My plan, a different one each time
            statement = coping[self.event.update_id % len(coping)]
            self.say("checkin.coping_reflection", statement=statement)
        self.do(menu_reply("menu.after_checkin"))


FLOW = Flow(NAME, States, TRANSITIONS, CheckIn, done=States.done)
