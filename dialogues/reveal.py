""""Show more": the details a discreet message keeps behind a button.

A proactive message stays neutral on a lock screen; its button (``more.<reference>``) shows
the topic in the chat, since the person asked for it there. References name content, not
records: ``waiting.<key>`` is that waiting-list message's ``more`` text, ``week.<N>`` is
that programme week's title and what it covers. Anything else is a stale button. One step,
so whatever the person was doing stays where it was.

    start -begin-> done
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from enum import Enum
from typing import Any

from content.schema import Resources
from dialogues.errors import StaleButton
from dialogues.flow import Flow, FlowModel

NAME = "reveal"


class States(Enum):
    start = "start"
    done = "done"


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": States.start, "dest": States.done, "before": "reveal"},
]


def helpline_fields(resources: Resources) -> dict[str, str]:
    """The {x_name}/{x_phone} placeholders content may use, as the phrasebook fills them."""
    fields: dict[str, str] = {}
    for resource in resources.resources:
        fields[f"{resource.key}_name"] = resource.name
        fields[f"{resource.key}_phone"] = resource.phone or ""
    return fields


def fill(text: str, fields: Mapping[str, str]) -> str:
    """Fill known placeholders; leave anything else as written rather than fail."""
    class _Keep(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return string.Formatter().vformat(text, (), _Keep(fields))


class Reveal(FlowModel):
    def reveal(self) -> None:
        reference = str(self.data.get("arg", ""))
        kind, _, name = reference.partition(".")
        if kind == "waiting":
            self._waiting(name)
        elif kind == "week":
            self._week(name)
        else:
            raise StaleButton(f"more {reference[:30]}")

    def _waiting(self, key: str) -> None:
        modes = self.ctx.profile.preferences.modes()
        for message in self.ctx.library.waiting.messages:
            wording = message.wording(modes)
            if message.key == key and wording.more:
                text = fill(wording.more, helpline_fields(self.ctx.library.resources))
                self.say("answers.more_waiting", text=text)
                return
        raise StaleButton(f"more waiting {key[:30]}")

    def _week(self, number: str) -> None:
        weeks = self.ctx.library.programme.weeks
        if not (number.isascii() and number.isdigit() and 1 <= int(number) <= len(weeks)):
            raise StaleButton(f"more week {number[:10]}")
        week = weeks[int(number) - 1]
        about = week.wording(self.ctx.profile.preferences.modes()).about
        self.say("answers.more_week", week=str(week.week), title=week.title, about=about)


FLOW = Flow(NAME, States, TRANSITIONS, Reveal, done=States.done)
