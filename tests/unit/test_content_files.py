"""Checks on the programme team's YAML content: it loads with the schema, and it keeps
the style and safety rules the programme depends on (discreet first lines, UK spelling,
correct helpline numbers, no cheerleading, open questions)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from content.schema import Palette, Programme, Resources, Waiting

CONTENT = Path(__file__).resolve().parents[2] / "content"
FILES = ("programme.yaml", "colours.yaml", "resources.yaml", "waiting.yaml")

# The only correct numbers for the services we name. Any number in any text must be one of these.
KNOWN_NUMBERS = {
    "emergency": "999",
    "samaritans": "116 123",
    "respect_phoneline": "0808 802 4040",
    "national_da_helpline": "0808 2000 247",
    "shout": "85258",
    # Not yet checked against the services' own websites (see resources.yaml): before launch.
    "nspcc": "0808 800 5000",
    "drinkline": "0300 123 1110",
    "frank": "0300 123 6600",
}

# Words that must never appear where a lock screen might show them.
REVEALING = re.compile(
    r"\b(abus\w*|violen\w*|perpetrat\w*|programmes?|programs?|domestic|harm\w*|"
    r"offend\w*|police|court)\b",
    re.IGNORECASE,
)

US_SPELLINGS = re.compile(
    r"\b(colors?|behaviors?|behavioral|programs?|center|centers|"
    r"organiz\w*|realiz\w*|recogniz\w*|apologiz\w*|criticiz\w*|prioritiz\w*|emphasiz\w*|"
    r"counseling|counselor|neighbor\w*|favorite|honor\w*|labor|mom|license)\b",
    re.IGNORECASE,
)

COLOUR_EMOJI = {"green": "🟢", "blue": "🔵", "yellow": "🟡", "red": "🔴"}
# Pictographs and dingbats; the four colour circles are the only ones allowed.
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]")

CLOSED_OPENERS = re.compile(
    r"^(do|does|did|are|is|was|were|can|could|have|has|had|will|would|should|shall)\b",
    re.IGNORECASE,
)


def _raw(name: str) -> Any:
    with (CONTENT / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _all_text() -> list[tuple[str, str]]:
    return [(name, text) for name in FILES for text in _strings(_raw(name))]


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.?:])\s+|\n", text)
    return [p for p in (part.strip() for part in parts) if p]


@pytest.fixture(scope="module")
def programme() -> Programme:
    return Programme.model_validate(_raw("programme.yaml"))


@pytest.fixture(scope="module")
def palette() -> Palette:
    return Palette.model_validate(_raw("colours.yaml"))


@pytest.fixture(scope="module")
def resources() -> Resources:
    return Resources.model_validate(_raw("resources.yaml"))


@pytest.fixture(scope="module")
def waiting() -> Waiting:
    return Waiting.model_validate(_raw("waiting.yaml"))


# --- programme -------------------------------------------------------------------------


def test_programme_has_22_weeks_in_order(programme: Programme) -> None:
    assert [w.week for w in programme.weeks] == list(range(1, 23))


def test_programme_phases_follow_the_outline(programme: Programme) -> None:
    expected = (
        ["assessment"] * 4
        + ["foundations"] * 5
        + ["behaviour_change"] * 9
        + ["sustaining_change"] * 4
    )
    assert [w.phase for w in programme.weeks] == expected


def test_programme_weeks_are_distinct(programme: Programme) -> None:
    for field in ("title", "signpost", "reflection_prompt", "practice_task"):
        values = [getattr(w, field).strip().lower() for w in programme.weeks]
        assert len(set(values)) == len(values), f"{field}: two weeks repeat the same text"


def test_signposts_are_one_discreet_line(programme: Programme) -> None:
    for week in programme.weeks:
        assert "\n" not in week.signpost.strip(), f"week {week.week}: signpost is one line"
        assert not REVEALING.search(week.signpost), f"week {week.week}: signpost not discreet"
        assert len(week.signpost) <= 160, f"week {week.week}: signpost too long"


def test_reflection_prompts_are_open_questions(programme: Programme) -> None:
    for week in programme.weeks:
        prompt = week.reflection_prompt.strip()
        assert prompt.endswith("?"), f"week {week.week}: prompt should be a question"
        assert not CLOSED_OPENERS.match(prompt), f"week {week.week}: closed question"
        assert not REVEALING.search(prompt), f"week {week.week}: prompt not discreet"


def test_practice_tasks_are_concrete_and_short(programme: Programme) -> None:
    for week in programme.weeks:
        task = week.practice_task.strip()
        assert task.endswith("."), f"week {week.week}: task should be an instruction"
        assert len(task) <= 220, f"week {week.week}: task too long"


# --- colours -------------------------------------------------------------------------


def test_colours_are_the_four_traffic_lights(palette: Palette) -> None:
    assert [c.key for c in palette.colours] == ["green", "blue", "yellow", "red"]
    for colour in palette.colours:
        assert colour.emoji == COLOUR_EMOJI[colour.key]
        assert colour.label == colour.key.capitalize()


def test_each_colour_has_three_open_follow_ups(palette: Palette) -> None:
    for colour in palette.colours:
        assert len(colour.follow_up) == 3, colour.key
        assert len(set(colour.follow_up)) == 3, colour.key
        for question in colour.follow_up:
            assert question.strip().endswith("?"), f"{colour.key}: {question!r}"


def test_follow_ups_cover_situation_body_and_thought(palette: Palette) -> None:
    for colour in palette.colours:
        what, body, thought = (q.lower() for q in colour.follow_up)
        assert "happen" in what or "going on" in what, colour.key
        assert "body" in body or "tension" in body, colour.key
        assert "thought" in thought or "mind" in thought or "telling yourself" in thought


def test_red_is_risk_and_choice_not_losing_control(palette: Palette) -> None:
    red = palette.get("red").meaning.lower()
    assert "losing control" not in red and "heated" not in red
    assert "risk" in red and "choice" in red


def test_follow_ups_ask_about_the_person_not_what_winds_them_up(palette: Palette) -> None:
    # "What is winding you up?" invites blaming the partner: ask about their own thoughts and body.
    for colour in palette.colours:
        for question in colour.follow_up:
            assert "winding you up" not in question.lower(), colour.key


def test_colour_meanings_are_one_short_sentence(palette: Palette) -> None:
    for colour in palette.colours:
        assert len(_sentences(colour.meaning)) == 1, colour.key
        assert len(colour.meaning) <= 60, colour.key


def test_colour_next_steps_name_the_technique(palette: Palette) -> None:
    steps = {c.key: c.next_step for c in palette.colours}
    assert "Time Out" in steps["red"]
    assert "drive" in steps["red"] and "drink" in steps["red"]
    assert "agreed time" in steps["red"]
    # Helplines are written once, in resources.yaml; other files name them by placeholder.
    assert "{emergency_phone}" in steps["red"]
    assert steps["yellow"].startswith("Press Pause")
    assert "fact" in steps["yellow"]
    assert "trust" in steps["blue"]
    assert "helping" in steps["green"]


def test_colour_next_steps_do_not_promise_bot_features(palette: Palette) -> None:
    feature_words = re.compile(r"\b(button|tap|click|menu|press the|use the bot|/\w+)", re.I)
    for colour in palette.colours:
        assert not feature_words.search(colour.next_step), colour.key


# --- resources -------------------------------------------------------------------------


def test_helpline_numbers_are_exact(resources: Resources) -> None:
    for key, number in KNOWN_NUMBERS.items():
        assert resources.get(key).phone == number, key


def test_resource_keys_are_unique(resources: Resources) -> None:
    keys = [r.key for r in resources.resources]
    assert len(set(keys)) == len(keys)


def test_resources_say_who_and_when(resources: Resources) -> None:
    assert "danger" in resources.get("emergency").for_whom
    assert "55" in resources.get("emergency").for_whom
    assert "suicide" in resources.get("samaritans").for_whom
    assert "stop" in resources.get("respect_phoneline").for_whom
    assert "website" in resources.get("respect_phoneline").hours.lower()
    assert "Text SHOUT to 85258" in resources.get("shout").for_whom
    for key in ("emergency", "samaritans", "national_da_helpline", "shout"):
        assert resources.get(key).hours == "24 hours a day, 7 days a week", key
    for resource in resources.resources:
        if resource.url is not None:
            assert resource.url.startswith("https://"), resource.key


def test_participants_are_never_asked_to_pass_on_the_victims_helpline(
    resources: Resources,
) -> None:
    for resource in resources.resources:
        assert "pass this number on" not in resource.for_whom.lower(), resource.key
        assert not re.search(r"\bpass\b.*\bon\b", resource.for_whom), resource.key


def test_no_childline_for_participants() -> None:
    for name, text in _all_text():
        assert "childline" not in text.lower(), name


def test_new_numbers_say_where_they_come_from_and_that_they_need_checking(
    resources: Resources,
) -> None:
    for key in ("nspcc", "drinkline", "frank"):
        resource = resources.get(key)
        assert resource.source, key
        if resource.checked is None:
            assert "before launch" in resource.source, key


def test_every_number_in_any_text_is_a_known_helpline() -> None:
    allowed = {n.replace(" ", "") for n in KNOWN_NUMBERS.values()}
    for name, text in _all_text():
        for match in re.findall(r"\d[\d ]*\d", text):
            digits = match.replace(" ", "")
            if len(digits) >= 3:
                assert digits in allowed, f"{name}: unknown number {match!r}"


def test_helpline_numbers_live_in_resources_yaml_only() -> None:
    for name, text in _all_text():
        if name != "resources.yaml":
            found = [m for m in re.findall(r"\d[\d ]*\d", text) if len(m.replace(" ", "")) >= 3]
            assert not found, f"{name} writes a number {found}: use a placeholder instead"


# --- waiting list ----------------------------------------------------------------------


def test_waiting_has_six_to_eight_messages_in_time_order(waiting: Waiting) -> None:
    assert 6 <= len(waiting.messages) <= 8
    days = [m.days_after_invite for m in waiting.messages]
    assert days == sorted(days) and len(set(days)) == len(days)
    keys = [m.key for m in waiting.messages]
    assert len(set(keys)) == len(keys)


def test_waiting_first_lines_are_discreet(waiting: Waiting) -> None:
    for message in waiting.messages:
        first = message.text.strip().splitlines()[0]
        assert not REVEALING.search(first), f"{message.key}: {first!r}"
        assert len(first) <= 60, f"{message.key}: first line too long for a preview"


def test_waiting_openings_are_all_different(waiting: Waiting) -> None:
    firsts = [m.text.strip().splitlines()[0].lower() for m in waiting.messages]
    assert len(set(firsts)) == len(firsts)
    openings = [" ".join(first.split()[:3]) for first in firsts]
    assert len(set(openings)) == len(openings)


def test_waiting_messages_cover_what_people_need_to_know(waiting: Waiting) -> None:
    text = "\n".join(f"{m.text}\n{m.more or ''}" for m in waiting.messages)
    for needed in ("one-to-one", "first step", "Time Out", "facilitator", "confirm",
                   "{emergency_phone}"):
        assert needed in text, needed
    for emoji in COLOUR_EMOJI.values():
        assert emoji in text
    time_out = next(f"{m.text}\n{m.more}" for m in waiting.messages if "Time Out" in m.text)
    for safeguard in ("driving", "drink", "drugs", "come back", "punish"):
        assert safeguard in time_out, safeguard


# --- style across every file -----------------------------------------------------------


def test_uk_spelling() -> None:
    for name, text in _all_text():
        found = US_SPELLINGS.findall(text)
        assert not found, f"{name}: US spelling {found!r} in {text[:50]!r}"
        assert "program " not in text.lower(), name


def test_no_exclamation_marks() -> None:
    for name, text in _all_text():
        assert "!" not in text, f"{name}: {text[:50]!r}"


def test_no_emoji_except_the_colours() -> None:
    allowed = set(COLOUR_EMOJI.values())
    for name, text in _all_text():
        for char in EMOJI.findall(text):
            assert char in allowed, f"{name}: emoji {char!r} in {text[:50]!r}"


def test_sentences_are_short() -> None:
    for name, text in _all_text():
        for sentence in _sentences(text):
            assert len(sentence.split()) <= 25, f"{name}: long sentence {sentence!r}"


def test_no_excuses_offered() -> None:
    excusing = re.compile(
        r"not your fault|couldn'?t help it|(she|he|they) made you|lost control because|"
        r"it was the drink|provoked you",
        re.IGNORECASE,
    )
    for name, text in _all_text():
        assert not excusing.search(text), f"{name}: {text[:60]!r}"
