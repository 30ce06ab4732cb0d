"""Pydantic schemas for the YAML files the programme team edits.

Every file under content/ has a schema here (screening rules have theirs in
``content/screening_rules.py``), so ``steady content check`` can name the file
and field that is wrong before a bad edit reaches a participant.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Locale(_Strict):
    """Every sentence the bot says; each key maps to one or more variants."""

    language: str
    texts: dict[str, list[str]]

    @field_validator("texts", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: ([v] if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _variants_agree(self) -> Locale:
        for key, variants in self.texts.items():
            if not variants or any(not v.strip() for v in variants):
                raise ValueError(f"texts.{key}: needs at least one non-empty variant")
            names = {frozenset(_PLACEHOLDER.findall(v)) for v in variants}
            if len(names) > 1:
                raise ValueError(f"texts.{key}: variants use different placeholders")
        return self


class ColourWording(_Strict):
    """One wording of a colour: its meaning, question sets and next steps to rotate."""

    meaning: str
    follow_ups: list[list[str]] = Field(min_length=1)
    next_steps: list[str] = Field(min_length=1)

    def questions(self, turn: int) -> list[str]:
        return self.follow_ups[turn % len(self.follow_ups)]

    def next_step(self, turn: int) -> str:
        return self.next_steps[turn % len(self.next_steps)]


class Colour(_Strict):
    key: Literal["green", "blue", "yellow", "red"]
    label: str
    emoji: str
    meaning: str
    follow_up: list[str] = Field(min_length=1)
    next_step: str
    # Further question sets and next steps, rotated with the first so a daily user does not
    # read the same words every day.
    more_follow_ups: list[list[str]] = Field(default_factory=list)
    more_next_steps: list[str] = Field(default_factory=list)
    # The same in plain language and without metaphors (see content/locales/en-<mode>.yaml).
    plain: ColourWording | None = None
    literal: ColourWording | None = None

    def wording(self, modes: Sequence[str] = ()) -> ColourWording:
        """The wording for a person's modes, most specific first, as Phrasebook.render does."""
        for mode in modes:
            chosen = {"plain": self.plain, "literal": self.literal}.get(mode)
            if chosen is not None:
                return chosen
        return ColourWording(meaning=self.meaning,
                             follow_ups=[self.follow_up, *self.more_follow_ups],
                             next_steps=[self.next_step, *self.more_next_steps])


class Palette(_Strict):
    colours: list[Colour] = Field(min_length=2)

    @model_validator(mode="after")
    def _unique(self) -> Palette:
        keys = [c.key for c in self.colours]
        if len(set(keys)) != len(keys):
            raise ValueError("colours: each colour key may appear once")
        return self

    def get(self, key: str) -> Colour:
        for colour in self.colours:
            if colour.key == key:
                return colour
        raise KeyError(key)


class WeekWording(_Strict):
    signpost: str
    about: str
    reflection_prompt: str
    practice_task: str


class ProgrammeWeek(_Strict):
    week: int = Field(ge=1, le=22)
    phase: Literal["assessment", "foundations", "behaviour_change", "sustaining_change"]
    title: str  # names the topic: shown only in the chat, never in a notification
    signpost: str  # neutral throughout: all of it may show on a lock screen
    about: str  # names the topic: shown in the chat only when the person asks
    reflection_prompt: str
    practice_task: str
    plain: WeekWording | None = None
    literal: WeekWording | None = None

    def wording(self, modes: Sequence[str] = ()) -> WeekWording:
        """The wording for a person's modes, most specific first, as Phrasebook.render does."""
        for mode in modes:
            chosen = {"plain": self.plain, "literal": self.literal}.get(mode)
            if chosen is not None:
                return chosen
        return WeekWording(signpost=self.signpost, about=self.about,
                           reflection_prompt=self.reflection_prompt,
                           practice_task=self.practice_task)


class Programme(_Strict):
    weeks: list[ProgrammeWeek]

    @model_validator(mode="after")
    def _all_weeks(self) -> Programme:
        numbers = [w.week for w in self.weeks]
        if numbers != list(range(1, 23)):
            raise ValueError("weeks: must list weeks 1 to 22 in order, once each")
        return self


class Resource(_Strict):
    key: str
    name: str
    phone: str | None = None
    url: str | None = None
    hours: str
    for_whom: str
    # Where the number was taken from, and when it was checked against the service's own
    # published number (None: not checked yet, and it must be before launch).
    source: str | None = None
    checked: str | None = None


class Resources(_Strict):
    resources: list[Resource]

    def get(self, key: str) -> Resource:
        for resource in self.resources:
            if resource.key == key:
                return resource
        raise KeyError(key)

    @model_validator(mode="after")
    def _required(self) -> Resources:
        keys = {r.key for r in self.resources}
        missing = {"emergency", "samaritans", "respect_phoneline"} - keys
        if missing:
            raise ValueError(f"resources: missing required entries {sorted(missing)}")
        return self


class WaitingWording(_Strict):
    text: str  # neutral throughout: all of it may show on a lock screen
    more: str | None = None  # names the topic: shown in the chat only when the person asks


class WaitingMessage(_Strict):
    key: str
    days_after_invite: int = Field(ge=0)
    text: str
    more: str | None = None
    plain: WaitingWording | None = None
    literal: WaitingWording | None = None

    def wording(self, modes: Sequence[str] = ()) -> WaitingWording:
        """The wording for a person's modes, most specific first, as Phrasebook.render does."""
        for mode in modes:
            chosen = {"plain": self.plain, "literal": self.literal}.get(mode)
            if chosen is not None:
                return chosen
        return WaitingWording(text=self.text, more=self.more)


class Waiting(_Strict):
    messages: list[WaitingMessage]
