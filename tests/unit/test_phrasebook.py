"""The phrasebook: variants rotate, helplines come from resources.yaml, missing keys are loud."""

from __future__ import annotations

import string
from itertools import pairwise

import pytest

from content.loader import Content, load_content
from content.phrasebook import MissingText, Phrasebook
from content.schema import Resources

LOCALE = load_content().locale
MULTI_VARIANT = sorted(key for key, variants in LOCALE.texts.items() if len(variants) > 1)


@pytest.fixture
def phrasebook(content: Content) -> Phrasebook:
    return Phrasebook(content.locale, content.resources)


def _params(key: str) -> dict[str, str]:
    """A value for every placeholder the key's text needs (helplines are filled by the book)."""
    names = {field for _, field, _, _ in string.Formatter().parse(LOCALE.texts[key][0]) if field}
    return {name: f"<{name}>" for name in names if not name.endswith(("_name", "_phone"))}


def test_some_keys_have_variants_to_rotate() -> None:
    assert len(MULTI_VARIANT) >= 5


@pytest.mark.parametrize("key", MULTI_VARIANT)
def test_a_recurring_prompt_never_repeats_word_for_word_on_consecutive_uses(
    phrasebook: Phrasebook, key: str
) -> None:
    memory: dict[str, int] = {}
    uses = 3 * len(LOCALE.texts[key])

    said = [phrasebook.render(key, _params(key), memory) for _ in range(uses)]

    assert all(before != after for before, after in pairwise(said))
    assert len(set(said)) == len(LOCALE.texts[key])  # every variant gets its turn


def test_rotation_is_remembered_per_key(phrasebook: Phrasebook) -> None:
    memory: dict[str, int] = {}
    first_menu = phrasebook.render("menu.prompt", {}, memory)
    phrasebook.render("common.use_buttons", {}, memory)
    phrasebook.render("common.use_buttons", {}, memory)

    second_menu = phrasebook.render("menu.prompt", {}, memory)

    assert second_menu != first_menu
    assert memory == {"menu.prompt": 1, "common.use_buttons": 1}


def test_rotation_continues_from_memory_saved_earlier(phrasebook: Phrasebook) -> None:
    memory = {"menu.prompt": 0}

    said = phrasebook.render("menu.prompt", {}, memory)

    assert said == LOCALE.texts["menu.prompt"][1].strip()
    assert memory == {"menu.prompt": 1}


def test_a_single_variant_key_leaves_memory_alone(phrasebook: Phrasebook) -> None:
    memory: dict[str, int] = {}

    phrasebook.render("button.agree", {}, memory)

    assert memory == {}


def test_the_emergency_number_comes_from_resources_yaml(
    phrasebook: Phrasebook, content: Content
) -> None:
    said = phrasebook.render("onboarding.intro", {})

    assert content.resources.get("emergency").phone == "999"
    assert "call 999." in said
    assert "{" not in said


def test_helpline_names_and_numbers_are_filled_from_resources(
    phrasebook: Phrasebook, content: Content
) -> None:
    samaritans = content.resources.get("samaritans")

    said = phrasebook.render("help.text", {})

    assert f"{samaritans.name} are free on {samaritans.phone}" in said
    assert "{" not in said


def test_changing_a_number_in_resources_changes_every_text_that_uses_it(
    content: Content,
) -> None:
    edited = Resources.model_validate({"resources": [
        r.model_dump() | ({"phone": "112"} if r.key == "emergency" else {})
        for r in content.resources.resources
    ]})
    book = Phrasebook(content.locale, edited)

    said = book.render("onboarding.intro", {})

    assert "call 112." in said
    assert "999" not in said


@pytest.mark.parametrize(
    ("colour", "resource"), [("red", "emergency"), ("blue", "samaritans")]
)
def test_a_helpline_inside_a_colours_next_step_is_filled_too(
    phrasebook: Phrasebook, content: Content, colour: str, resource: str
) -> None:
    next_step = content.palette.get(colour).next_step
    phone = content.resources.get(resource).phone
    assert f"{{{resource}_phone}}" in next_step and phone

    said = phrasebook.render("checkin.next_step", {"next_step": next_step})

    assert phone in said
    assert "{" not in said


def test_the_blue_next_step_names_samaritans_from_resources(
    phrasebook: Phrasebook, content: Content
) -> None:
    said = phrasebook.render("checkin.next_step",
                             {"next_step": content.palette.get("blue").next_step})

    assert f"call {content.resources.get('samaritans').name} free on 116 123" in said


def test_braces_in_a_persons_own_words_are_shown_as_typed(phrasebook: Phrasebook) -> None:
    said = phrasebook.render("checkin.words_saved", {"colour": "Red {me}"})

    assert "Red {me}" in said


def test_a_missing_key_raises_missing_text(phrasebook: Phrasebook) -> None:
    with pytest.raises(MissingText) as raised:
        phrasebook.render("no.such.key", {})

    assert raised.value.args == ("no.such.key",)
    assert isinstance(raised.value, KeyError)
    assert not phrasebook.has("no.such.key")
    assert phrasebook.has("menu.prompt")
