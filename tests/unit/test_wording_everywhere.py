"""Every text each wording mode shows, from every content file, keeps that mode's promise.

The locale overlays are only part of what a person reads: colour meanings, questions and
next steps come from colours.yaml, journal prompts from programme.yaml and the waiting-list
messages from waiting.yaml. These tests gather everything a person with given settings can
be shown and measure it: plain language keeps every sentence to ``PLAIN_LIMIT`` words, no
metaphors means no figure of speech, and both together means both.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from content.loader import load_content
from content.phrasebook import Phrasebook
from dialogues import proactive
from dialogues.preferences import Preferences
from dialogues.router import ENTRY_POINTS
from tests.unit.test_locale_modes import _participant_prose, figures_in, sentence_lengths

CONTENT = load_content()
BOOK = Phrasebook(CONTENT.locale, CONTENT.resources, CONTENT.overlays)

# Plain language: at most 15 words in any sentence. The programme report asks for delivery
# tailored to literacy skills, neurodiversity and pace (Appendix E, "Inclusive learning
# techniques"); 15 words is the usual ceiling in plain-English and easy-read guidance for
# readers with low literacy, and it is what en-plain.yaml was written to.
PLAIN_LIMIT = 15
# Everyone else: the house limit test_content_files.py holds the YAML files to.
USUAL_LIMIT = 25

SETTINGS = {
    "default": Preferences(),
    "plain": Preferences(plain_language=True),
    "literal": Preferences(no_metaphor=True),
    "plain+literal": Preferences(plain_language=True, no_metaphor=True),
    "plain+literal+open": Preferences(plain_language=True, no_metaphor=True, discreet=False),
}
PLAIN_SETTINGS = [name for name, p in SETTINGS.items() if p.plain_language]
LITERAL_SETTINGS = [name for name, p in SETTINGS.items() if p.no_metaphor]
# Sentences that name figures of speech to explain the setting itself.
QUOTES_FIGURES = ("settings.literal_now_on", "settings.literal_now_off")


def locale_variants(key: str, modes: tuple[str, ...]) -> list[str]:
    """The variants Phrasebook.render chooses from for these modes."""
    for mode in modes:
        overlay = BOOK.overlays.get(mode)
        if overlay is not None and key in overlay.texts:
            return overlay.texts[key]
    return BOOK.locale.texts[key]


def shown(preferences: Preferences) -> Iterator[tuple[str, str]]:
    """(where, text) for everything a participant with these settings may read."""
    modes = preferences.modes()
    for key in sorted(BOOK.locale.texts):
        if _participant_prose(key):
            for variant in locale_variants(key, modes):
                yield key, variant
    for colour in CONTENT.palette.colours:
        wording = colour.wording(modes)
        yield f"colours.yaml {colour.key} meaning", wording.meaning
        for questions in wording.follow_ups:
            for question in questions:
                yield f"colours.yaml {colour.key} follow-up", question
        for step in wording.next_steps:
            yield f"colours.yaml {colour.key} next step", step
    for week in CONTENT.programme.weeks:
        wording = week.wording(modes)
        yield f"programme.yaml week {week.week} title", week.title
        for field in ("signpost", "about", "reflection_prompt", "practice_task"):
            yield f"programme.yaml week {week.week} {field}", getattr(wording, field)
    for message in CONTENT.waiting.messages:
        wording = message.wording(modes)
        yield f"waiting.yaml {message.key}", wording.text
        if wording.more:
            yield f"waiting.yaml {message.key} (more)", wording.more


def too_long(preferences: Preferences, limit: int) -> list[str]:
    return [f"{where}: {max(sentence_lengths(text))} words: {text[:70]!r}"
            for where, text in shown(preferences)
            if max(sentence_lengths(text), default=0) > limit]


@pytest.mark.parametrize("setting", PLAIN_SETTINGS)
def test_plain_language_keeps_every_sentence_it_shows_short(setting: str) -> None:
    assert too_long(SETTINGS[setting], PLAIN_LIMIT) == []


@pytest.mark.parametrize("setting", ["default", "literal"])
def test_every_sentence_shown_without_plain_language_is_still_readable(setting: str) -> None:
    assert too_long(SETTINGS[setting], USUAL_LIMIT) == []


@pytest.mark.parametrize("setting", LITERAL_SETTINGS)
def test_no_metaphor_mode_shows_no_figure_of_speech_anywhere(setting: str) -> None:
    found = [f"{where}: {figures_in(text)}" for where, text in shown(SETTINGS[setting])
             if where not in QUOTES_FIGURES and figures_in(text)]

    assert found == []


def test_both_modes_together_get_the_plain_wording_which_is_literal_too() -> None:
    modes = SETTINGS["plain+literal"].modes()

    assert modes.index("plain") < modes.index("literal")
    said = BOOK.render("timeout.closing", {}, modes=modes)
    assert max(sentence_lengths(said)) <= PLAIN_LIMIT
    assert figures_in(said) == []


def test_plain_language_reaches_the_colours() -> None:
    # programme.yaml and waiting.yaml are written plainly throughout (the length test above
    # holds them to it); colours.yaml keeps fuller wording and has plain versions.
    modes = SETTINGS["plain"].modes()

    assert all(c.plain is not None and c.wording(modes) == c.plain
               for c in CONTENT.palette.colours)


def test_both_modes_get_the_plain_colour_wording() -> None:
    colour = CONTENT.palette.get("yellow")

    assert colour.wording(SETTINGS["plain+literal"].modes()) == colour.plain
    assert colour.wording(SETTINGS["literal"].modes()) == colour.literal
    assert "on edge" in colour.meaning and "on edge" not in colour.literal.meaning  # type: ignore[union-attr]


# --- /help lists every command -----------------------------------------------------------------

# Pressed as buttons (the menu, a Time Out reminder) or sent by Telegram itself, never typed.
NOT_TYPED = {"start", "resume", "timeout_end", "timeout_silence", "timeout_now",
             "urgent_not_safe",
             # answers to proactive messages: only their buttons carry the argument they need
             proactive.ATTENDING, proactive.REARRANGE, proactive.STAY, proactive.FEEDBACK,
             proactive.MORE}
TYPED = sorted((set(ENTRY_POINTS) | {"menu", "cancel"}) - NOT_TYPED)


def test_the_typed_commands_include_leaving() -> None:
    assert "forgetme" in TYPED and "checkin" in TYPED


@pytest.mark.parametrize("setting", sorted(SETTINGS))
@pytest.mark.parametrize("command", TYPED)
def test_help_lists_every_command_in_every_mode(setting: str, command: str) -> None:
    help_text = BOOK.render("help.text", {}, modes=SETTINGS[setting].modes())

    assert f"/{command}:" in help_text
