"""Discreet notifications: the WHOLE of every message the bot starts itself stays neutral.

Lock screens and expanded notifications show several lines, so it is not enough to keep
the first line neutral. This covers every proactive text in en.yaml and every overlay a
discreet person can get (plain, literal), the Time Out prompts, the waiting-list messages
and the programme signposts. Topic-specific words live where only the chat shows them:
waiting.yaml ``more``, programme.yaml ``title`` and ``about``.
"""

from __future__ import annotations

import re

import pytest

from content.loader import load_content
from content.phrasebook import Phrasebook
from dialogues.preferences import Preferences

CONTENT = load_content()
BOOK = Phrasebook(CONTENT.locale, CONTENT.resources, CONTENT.overlays)

# Words that tell an onlooker what the messages are about.
GIVEAWAYS = re.compile(
    r"\b(abus\w*|violen\w*|partners?|programmes?|programs?|behaviou?r\w*|harm\w*|"
    r"perpetrat\w*|domestic|(?<!in )control\w*|coerc\w*|stalk\w*|tracking|police|courts?|"
    r"offend\w*|offence\w*|victims?|survivors?|sex\w*|consent|safeguard\w*|probation|"
    r"hit|hurt\w*|assault\w*|strangl\w*|jealous\w*|manipulat\w*|accountab\w*)\b",
    re.IGNORECASE,
)
# The locale keys whose messages the bot sends unasked: reminders and Time Out prompts.
PROACTIVE_KEYS = sorted(k for k in CONTENT.locale.texts
                        if k.startswith(("reminder.", "timeout.prompt.")) or k == "timeout.end")
DISCREET = {"default": Preferences(), "plain": Preferences(plain_language=True),
            "literal": Preferences(no_metaphor=True),
            "plain+literal": Preferences(plain_language=True, no_metaphor=True)}


def giveaways(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if GIVEAWAYS.search(line)]


def test_the_giveaway_list_catches_the_examples_from_the_review() -> None:
    assert giveaways("Hi.\nWanting to change how you treat a partner is a first step.")
    assert giveaways("Next session looks at checking up on, following or tracking someone")
    assert giveaways("Next session covers abusive behaviour.")
    assert giveaways("Why that is control.") and not giveaways("Calm and in control.")
    assert not giveaways("Hi, it's check-in time.\nHow are you doing today?")


def test_every_proactive_key_is_covered() -> None:
    assert {"reminder.checkin", "timeout.prompt.first", "timeout.prompt.second",
            "timeout.end"} <= set(PROACTIVE_KEYS)


@pytest.mark.parametrize("setting", sorted(DISCREET))
@pytest.mark.parametrize("key", PROACTIVE_KEYS)
def test_every_line_of_every_proactive_message_is_neutral(setting: str, key: str) -> None:
    modes = DISCREET[setting].modes()
    memory: dict[str, int] = {}
    count = len(CONTENT.locale.texts[key]) + max(
        (len(o.texts.get(key, [])) for o in CONTENT.overlays.values()), default=0)
    for _ in range(count):  # every variant the rotation can reach
        said = BOOK.render(key, {"time": "21:30", "minutes": "30"}, memory, modes)
        assert giveaways(said) == [], f"{setting} {key}"


@pytest.mark.parametrize("mode", ["plain", "literal"])
@pytest.mark.parametrize("key", PROACTIVE_KEYS)
def test_every_overlay_version_of_a_proactive_message_is_neutral(mode: str, key: str) -> None:
    for variant in CONTENT.overlays[mode].texts.get(key, []):
        assert giveaways(variant) == [], f"en-{mode}.yaml {key}"


@pytest.mark.parametrize("setting", sorted(DISCREET))
def test_every_waiting_list_message_is_neutral_in_full(setting: str) -> None:
    modes = DISCREET[setting].modes()
    for message in CONTENT.waiting.messages:
        for wording in (message.wording(modes), message.plain, message.literal):
            if wording is not None:
                assert giveaways(wording.text) == [], f"waiting.yaml {message.key}"


def test_the_topic_of_a_waiting_message_is_kept_for_the_chat() -> None:
    welcome = next(m for m in CONTENT.waiting.messages if m.key == "welcome")

    assert welcome.more is not None and "partner" in welcome.more
    assert "partner" not in welcome.text


@pytest.mark.parametrize("setting", sorted(DISCREET))
def test_every_programme_signpost_is_neutral_in_full(setting: str) -> None:
    modes = DISCREET[setting].modes()
    for week in CONTENT.programme.weeks:
        for wording in (week.wording(modes), week.plain, week.literal):
            if wording is not None:
                assert giveaways(wording.signpost) == [], f"week {week.week}"


def test_the_topic_of_a_week_is_kept_for_the_chat() -> None:
    week16 = CONTENT.programme.weeks[15]

    assert "tracking" in week16.about and "tracking" not in week16.signpost


@pytest.mark.parametrize("mode", [None, "plain"])
def test_the_discreet_setting_explains_how_to_hide_telegram_previews(mode: str | None) -> None:
    said = BOOK.render("settings.discreet_now_on", {}, modes=(mode,) if mode else ())

    assert "Notifications and Sounds" in said and "Preview" in said
    assert "first line" not in said
