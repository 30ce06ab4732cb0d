"""Press Pause: think a moment through in your own words before acting on it.

A short thought-challenge: what happened, what went through your mind and how strong the
feeling is; whether that thought is a fact or how it felt; what else could be true or how
the other person might see it; what you will do now, in words you could say to yourself
(a coping statement from My plan is reflected back here); and how strong the feeling is
now. The answers are saved as a reflection, shown back on one screen, and can be shared
with the facilitator. Each state is named after the answer it collects.

    start -begin-> happened -text-> thought -text-> strength_before -rate-> fact_or_feeling
    fact_or_feeling -judge-> other_view -text-> action -text-> strength_after -rate-> summary
    summary -share/finish-> done
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from dialogues.effects import Button, SaveReflection, Say, ShareReflection
from dialogues.flow import Flow, FlowModel
from dialogues.menu import menu_reply

NAME = "pause"
KIND = "pause"
MAX_ANSWER_LENGTH = 1000
RATINGS = tuple(str(n) for n in range(1, 11))
JUDGEMENTS = ("fact", "feeling", "unsure")
ANSWER_KEYS = ("happened", "thought", "strength_before", "fact_or_feeling", "other_view",
               "action", "strength_after")


class States(Enum):
    start = "start"
    happened = "happened"
    thought = "thought"
    strength_before = "strength_before"
    fact_or_feeling = "fact_or_feeling"
    other_view = "other_view"
    action = "action"
    strength_after = "strength_after"
    summary = "summary"
    done = "done"


def _written(source: States, dest: States) -> dict[str, Any]:
    return {"trigger": "text", "source": source, "dest": dest,
            "conditions": "answer_is_usable", "before": "save_answer"}


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": States.start, "dest": States.happened, "before": "introduce"},
    _written(States.happened, States.thought),
    _written(States.thought, States.strength_before),
    {"trigger": "rate", "source": States.strength_before, "dest": States.fact_or_feeling,
     "conditions": "rating_is_valid", "before": "save_answer"},
    {"trigger": "judge", "source": States.fact_or_feeling, "dest": States.other_view,
     "conditions": "judgement_is_valid", "before": ["save_answer", "reflect_judgement"]},
    _written(States.other_view, States.action),
    _written(States.action, States.strength_after),
    {"trigger": "rate", "source": States.strength_after, "dest": States.summary,
     "conditions": "rating_is_valid", "before": ["save_answer", "save_reflection"]},
    {"trigger": "share", "source": States.summary, "dest": States.done,
     "before": "send_to_facilitator"},
    {"trigger": "finish", "source": States.summary, "dest": States.done, "before": "keep_private"},
]


class PressPause(FlowModel):
    @property
    def answers(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.data.get("answers", {}).items()}

    def introduce(self) -> None:
        self.say("pause.intro")

    def answer_is_usable(self) -> bool:
        if not self.typed or len(self.typed) > MAX_ANSWER_LENGTH:
            self.say("pause.answer_invalid", limit=str(MAX_ANSWER_LENGTH))
            return False
        return True

    def rating_is_valid(self) -> bool:
        return self.arg in RATINGS

    def judgement_is_valid(self) -> bool:
        return self.arg in JUDGEMENTS

    def save_answer(self) -> None:
        # Runs before leaving the state, which is named after the answer it asked for.
        self.data["answers"] = {**self.answers, self.state.name: self.typed or self.arg}

    def on_enter_happened(self) -> None:
        self.say("pause.ask_happened")

    def on_enter_thought(self) -> None:
        self.say("pause.ask_thought")

    def on_enter_strength_before(self) -> None:
        self.say("pause.ask_strength_before", *self.rating_rows())

    def on_enter_fact_or_feeling(self) -> None:
        self.say("pause.ask_fact_or_feeling",
                 [self.button(Say("pause.button.fact"), "judge.fact"),
                  self.button(Say("pause.button.feeling"), "judge.feeling")],
                 [self.button(Say("pause.button.unsure"), "judge.unsure")],
                 thought=self.answers.get("thought", ""))

    def reflect_judgement(self) -> None:
        if self.arg == "fact":
            self.say("pause.reflect_fact")
        elif self.arg == "feeling":
            self.say("pause.reflect_feeling")
        else:
            self.say("pause.reflect_unsure")

    def on_enter_other_view(self) -> None:
        self.say("pause.ask_other_view")

    def on_enter_action(self) -> None:
        coping = self.ctx.profile.plan.coping
        if coping:
            # A different statement on different days, chosen without randomness.
            chosen = coping[self.event.update_id % len(coping)]
            self.say("pause.ask_action_with_coping", coping=chosen)
        else:
            self.say("pause.ask_action")

    def on_enter_strength_after(self) -> None:
        self.say("pause.ask_strength_after", *self.rating_rows())

    def save_reflection(self) -> None:
        self.data["ref"] = str(self.event.update_id)
        self.do(SaveReflection(self.data["ref"], KIND, self.answers, self.ctx.now))

    def on_enter_summary(self) -> None:
        answers: dict[str, str | Say] = {key: self.answers.get(key, "") for key in ANSWER_KEYS}
        answers["fact_or_feeling"] = judgement_words(self.answers.get("fact_or_feeling", ""))
        self.say("pause.summary",
                 [self.button(Say("pause.button.share"), "share")],
                 [self.button(Say("button.menu"), "finish")],
                 **answers)

    def send_to_facilitator(self) -> None:
        self.do(ShareReflection(str(self.data["ref"])))
        self.do(menu_reply("pause.shared"))

    def keep_private(self) -> None:
        self.do(menu_reply("pause.finished"))

    def rating_rows(self) -> list[list[Button]]:
        return [[self.button(n, f"rate.{n}") for n in RATINGS[:5]],
                [self.button(n, f"rate.{n}") for n in RATINGS[5:]]]


def judgement_words(value: str) -> Say:
    """The words for a stored "fact" / "feeling" / "unsure", as the buttons said them."""
    return Say(f"pause.button.{value}" if value in JUDGEMENTS else "pause.button.unsure")


FLOW = Flow(NAME, States, TRANSITIONS, PressPause, done=States.done)
