"""The safety reply for someone the bot does not know (or who asked to be forgotten). Pure.

They have no facilitator, so no flag is raised and nothing about them is kept: they only
get 999 and the helpline that fits what they said (names and numbers from resources.yaml).
"""

from __future__ import annotations

from dialogues.effects import Say
from dialogues.screening import Screening

SELF = frozenset({"self_harm"})


def stranger_reply(screening: Screening) -> Say | None:
    """Return the safety reply for a stranger's flagged message, or None when not flagged."""
    if not screening.flagged:
        return None
    categories = set(screening.categories)
    about_self_only = bool(categories) and categories <= SELF
    return Say("safety.stranger_self" if about_self_only else "safety.stranger_others")
