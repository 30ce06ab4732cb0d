"""The wording modes: plain language, no metaphors, and open (discreet notifications off).

Each mode is a locale overlay (content/locales/en-<mode>.yaml) that rewords some keys of
en.yaml. These tests hold the overlays to what they promise: plain language is measurably
shorter, no-metaphor texts say things literally, proactive messages stay discreet unless the
person opted out, and every overlay key is one en.yaml has, with the same placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest

from content.loader import CONTENT_DIR, OVERLAYS, check_content, load_content
from content.phrasebook import Phrasebook
from dialogues.preferences import Preferences

CONTENT = load_content()
BASE = CONTENT.locale.texts
OVERLAY = {mode: locale.texts for mode, locale in CONTENT.overlays.items()}
PLAIN, LITERAL, OPEN = OVERLAY["plain"], OVERLAY["literal"], OVERLAY["open"]
BOOK = Phrasebook(CONTENT.locale, CONTENT.resources, CONTENT.overlays)
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")

OVERLAY_KEYS = [(mode, key) for mode, texts in OVERLAY.items() for key in texts]


def test_all_three_overlays_exist_and_load() -> None:
    assert set(OVERLAY) == set(OVERLAYS) == {"plain", "literal", "open"}
    assert all(OVERLAY.values())


def test_content_check_finds_nothing_wrong_with_the_overlays() -> None:
    problems = [p for p in check_content(CONTENT_DIR) if p.startswith("locales/")]

    assert problems == []


@pytest.mark.parametrize(("mode", "key"), OVERLAY_KEYS)
def test_every_overlay_key_exists_in_en_yaml_with_the_same_placeholders(
    mode: str, key: str
) -> None:
    assert key in BASE, f"en-{mode}.yaml rewords {key}, which en.yaml does not have"
    wanted = {frozenset(_PLACEHOLDER.findall(variant)) for variant in BASE[key]}
    for variant in OVERLAY[mode][key]:
        assert {frozenset(_PLACEHOLDER.findall(variant))} == wanted, f"en-{mode}: {key}"


@pytest.mark.parametrize(("mode", "key"), OVERLAY_KEYS)
def test_a_prompt_with_variants_keeps_variants_in_every_mode(mode: str, key: str) -> None:
    # One variant would repeat word for word on consecutive uses.
    if len(BASE[key]) > 1:
        assert len(OVERLAY[mode][key]) > 1


@pytest.mark.parametrize(("mode", "key"), OVERLAY_KEYS)
def test_an_overlay_changes_the_wording(mode: str, key: str) -> None:
    assert OVERLAY[mode][key] != BASE[key]


# --- plain language is measurably plainer ---------------------------------------------------


def sentence_lengths(text: str) -> list[int]:
    """Words per sentence; a line break ends a sentence too (lists, headings)."""
    lengths = []
    for line in _PLACEHOLDER.sub(" ", text).splitlines():
        for sentence in re.split(r"(?<=[.!?:;])\s+", line):
            words = re.findall(r"[A-Za-z0-9'’]+", sentence)
            if words:
                lengths.append(len(words))
    return lengths


def average_sentence_length(texts: Iterable[str]) -> float:
    lengths = [n for text in texts for n in sentence_lengths(text)]
    return sum(lengths) / len(lengths)


@pytest.mark.parametrize(
    ("text", "lengths"),
    [("One two three. Four five!", [3, 2]), ("Hi {name}, how are you?\n\n{colours}", [4]),
     ("Rules:\n• Don't drive.\n• Go somewhere calm", [1, 2, 3]), ("{a}: {b}", [])],
)
def test_sentence_lengths_counts_words_per_sentence(text: str, lengths: list[int]) -> None:
    assert sentence_lengths(text) == lengths


def test_plain_language_shortens_sentences_by_at_least_a_fifth() -> None:
    shared = [key for key in PLAIN if key in BASE]

    base = average_sentence_length(v for key in shared for v in BASE[key])
    plain = average_sentence_length(v for key in shared for v in PLAIN[key])

    assert len(shared) >= 100
    assert plain <= 0.8 * base, f"plain {plain:.1f} vs base {base:.1f} words per sentence"


def test_no_plain_text_has_longer_sentences_than_the_text_it_replaces() -> None:
    longer = [key for key in PLAIN if average_sentence_length(PLAIN[key])
              > average_sentence_length(BASE[key]) + 0.5]

    assert longer == []


NOT_FOR_PARTICIPANTS = ("facilitator.", "team.", "flag.", "button.", "menu.item.")
ALREADY_PLAIN = 8  # words: a text whose sentences are all this short may stay as it is


def _participant_prose(key: str) -> bool:
    """A participant-facing text, not a button label or a note for staff."""
    return not (key.startswith(NOT_FOR_PARTICIPANTS) or ".button." in key
                or ".excerpt." in key)


@pytest.mark.parametrize("key", sorted(k for k in BASE if _participant_prose(k)))
def test_every_participant_text_is_plain_or_has_a_plain_language_version(key: str) -> None:
    already_plain = max(sentence_lengths(BASE[key][0]), default=0) <= ALREADY_PLAIN
    assert key in PLAIN or already_plain, f"add a plain version of {key} to en-plain.yaml"


# --- no metaphors -----------------------------------------------------------------------------

# Figures of speech that en.yaml uses and no-metaphor mode says literally instead.
FIGURES = (
    "cool down", "wound up", "on edge", "what colour are you", "think it through",
    "think a situation through", "thinking it through", "talk it through",
    "check in with you", "settles your body", "drop your shoulders", "still with you",
    "bring it back", "head back", "build again", "rising again", "press pause",
    "pressing pause", "slow this down", "whole picture", "leaves room", "on your mind",
    "put that into words", "going on for you", "where your plan stands", "feel it building",
    "gone for good", "heated", "gets in the way", "winding you up",
)
QUOTES_FIGURES_AS_EXAMPLES = ("settings.literal_now_on", "settings.literal_now_off")


def figures_in(text: str) -> list[str]:
    words = text.replace("Press Pause", "the tool").lower()  # the tool's name is a name
    return [figure for figure in FIGURES if figure in words]


@pytest.mark.parametrize("key", sorted(LITERAL))
def test_a_no_metaphor_version_exists_only_where_en_yaml_uses_a_figure(key: str) -> None:
    assert any(figures_in(variant) for variant in BASE[key]), f"{key} needs no literal version"


@pytest.mark.parametrize(("mode", "key"), [(m, k) for m, k in OVERLAY_KEYS
                                           if k not in QUOTES_FIGURES_AS_EXAMPLES])
def test_overlays_say_things_literally(mode: str, key: str) -> None:
    # Plain and open texts are shown to no-metaphor readers too, where literal has no version.
    for variant in OVERLAY[mode][key]:
        assert figures_in(variant) == [], f"en-{mode}.yaml {key}"


def test_every_figure_in_en_yaml_has_a_literal_version() -> None:
    figurative = {key for key, variants in BASE.items()
                  if key not in QUOTES_FIGURES_AS_EXAMPLES
                  and any(figures_in(v) for v in variants)}

    assert figurative - set(LITERAL) == set()


# --- rendering picks the person's mode ----------------------------------------------------------

RENDERED = ["help.text", "settings.ask_time", "onboarding.intro", "checkin.words_saved"]


@pytest.mark.parametrize("key", RENDERED)
def test_the_phrasebook_renders_plain_for_plain_mode_and_base_otherwise(key: str) -> None:
    params = {"colour": "Red"}
    fill = {**BOOK.shared, **params}

    assert BOOK.render(key, params, modes=("plain",)) == PLAIN[key][0].format(**fill).strip()
    assert BOOK.render(key, params, modes=()) == BASE[key][0].format(**fill).strip()
    assert BOOK.render(key, params, modes=("plain",)) != BOOK.render(key, params, modes=())


def test_the_phrasebook_renders_the_literal_text_for_no_metaphor_mode() -> None:
    said = BOOK.render("urgent.hurt_someone", {}, modes=Preferences(no_metaphor=True).modes())

    assert "cool down" not in said
    assert said == BOOK.render("urgent.hurt_someone", {}, modes=("literal",))


def test_plain_mode_varies_recurring_prompts_too() -> None:
    memory: dict[str, int] = {}

    said = [BOOK.render("menu.prompt", {}, memory, ("plain",)) for _ in range(3)]

    assert said[0] != said[1] != said[2]
    assert set(said) == set(PLAIN["menu.prompt"])


def test_a_key_without_a_plain_version_falls_back_to_en_yaml() -> None:
    key = next(k for k in BASE if k not in PLAIN and "{" not in BASE[k][0])

    assert BOOK.render(key, {}, modes=("plain",)) == BASE[key][0].strip()


@pytest.mark.parametrize(
    ("preferences", "source"),
    [(Preferences(), BASE), (Preferences(plain_language=True), PLAIN),
     (Preferences(plain_language=True, discreet=False), OPEN),
     (Preferences(no_metaphor=True, discreet=False), OPEN)],
    ids=["default", "plain", "plain-and-open", "literal-and-open"],
)
def test_the_reminder_follows_the_persons_settings(
    preferences: Preferences, source: dict[str, list[str]]
) -> None:
    said = BOOK.render("reminder.checkin", {}, modes=preferences.modes())

    assert said == source["reminder.checkin"][0].strip()


# --- discreet notifications -------------------------------------------------------------------

NAMES_IT = ("abuse", "violence", "violent", "partner", "programme", "perpetrator", "domestic")
# What the bot sends without being asked: lock screens show the first line of these.
PROACTIVE = sorted(key for key in BASE
                   if key.startswith(("reminder.", "timeout.prompt.")) or key == "timeout.end")


def first_line(text: str) -> str:
    return text.strip().splitlines()[0].lower()


def test_the_proactive_keys_are_known() -> None:
    assert "reminder.checkin" in PROACTIVE


@pytest.mark.parametrize("mode", ["base", "plain", "literal"])
@pytest.mark.parametrize("key", PROACTIVE)
def test_discreet_first_lines_never_say_what_the_message_is_about(mode: str, key: str) -> None:
    texts = BASE if mode == "base" else OVERLAY[mode]
    for variant in texts.get(key, []):
        line = first_line(variant)
        assert not [word for word in NAMES_IT if word in line], f"{mode} {key}: {line!r}"


def test_open_reminders_say_plainly_what_they_are_about() -> None:
    open_lines = {first_line(v) for v in OPEN["reminder.checkin"]}

    assert open_lines.isdisjoint(first_line(v) for v in BASE["reminder.checkin"])
    assert all("steady" in line for line in open_lines)
    assert all("programme" in line or "check-in" in line for line in open_lines)


def test_open_mode_only_rewords_proactive_messages() -> None:
    assert set(OPEN) <= set(PROACTIVE)
    assert "reminder.checkin" in OPEN


def test_open_mode_is_only_chosen_when_discreet_is_off() -> None:
    assert "open" not in Preferences().modes()
    assert "open" in Preferences(discreet=False).modes()
