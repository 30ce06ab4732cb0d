"""What Steady promises about confidentiality is true: every text that says something is
private names the exception where the promise is made, onboarding says who is told what
before the person agrees, and /help keeps "Who sees what" findable later."""

from __future__ import annotations

import re

import pytest

from content.loader import load_content
from dialogues.effects import Reply, Say
from dialogues.events import Inbound, Kind
from dialogues.flow import Context, Library, Profile
from dialogues.menu import help_reply, menu_reply
from dialogues.router import Situation, route
from tests.unit.conftest import NOW

CONTENT = load_content()
LOCALES = {"en": CONTENT.locale.texts,
           **{f"en-{mode}": locale.texts for mode, locale in CONTENT.overlays.items()}}

# Words that promise something stays private.
PROMISE = re.compile(r"\bprivate\b|only you can read|not shared|isn't shared|is not shared|"
                     r"unless you (?:choose to )?share|stays? between|nothing (?:in it |else )?"
                     r"(?:you write )?is shared", re.IGNORECASE)
# ...and the exception that must come with it: a risk goes to the facilitator.
EXCEPTION = re.compile(r"\brisk\b", re.IGNORECASE)


STAFF = ("facilitator.", "team.", "flag.")  # texts for facilitators, not participants


def _is_label(key: str) -> bool:
    return ".button." in key or key.startswith(("menu.item.", *STAFF))


PROMISES = [(name, key, i) for name, texts in LOCALES.items() for key, variants in texts.items()
            if not _is_label(key) for i, v in enumerate(variants) if PROMISE.search(v)]


def test_the_promise_search_finds_the_journal_texts() -> None:
    found = {key for _, key, _ in PROMISES}
    assert {"onboarding.limits", "journal.saved", "journal.choose", "journal.kept_private",
            "help.who_sees_what"} <= found


@pytest.mark.parametrize(("name", "key", "index"), PROMISES)
def test_every_text_promising_privacy_names_the_exception(name: str, key: str, index: int) -> None:
    said = LOCALES[name][key][index]

    assert EXCEPTION.search(said) and "facilitator" in said, (
        f"{name}.yaml {key}: says it is private but not that a risk goes to the facilitator")


def test_the_check_would_catch_the_old_journal_promise() -> None:
    old = "Saved.\n\nIt stays private unless you choose to share it."
    assert PROMISE.search(old) and not EXCEPTION.search(old)


# Before consent, in every wording: who is told, and what may happen next.
TOLD_BEFORE_CONSENT = {
    "exact words": r"exact words",
    "duty team": r"duty team",
    "Time Out at red": r"Time Out at red",
    "third Time Out in a week": r"third Time Out in a week",
    "drink or drugs": r"drink(?:ing)? or drugs",
    "breach": r"court order",
    "police": r"police",
    "children's services": r"children's services",
    "partner's support worker": r"partner's support worker",
}


@pytest.mark.parametrize("key", ["onboarding.limits", "help.who_sees_what"])
@pytest.mark.parametrize("name", [n for n in LOCALES if "onboarding.limits" in LOCALES[n]])
@pytest.mark.parametrize("what", TOLD_BEFORE_CONSENT)
def test_who_sees_what_is_told_in_full(name: str, key: str, what: str) -> None:
    said = " ".join(LOCALES[name].get(key, CONTENT.locale.texts[key]))

    assert re.search(TOLD_BEFORE_CONSENT[what], said), f"{name}.yaml {key} leaves out {what}"


def test_onboarding_points_to_where_it_can_be_read_again() -> None:
    for name, texts in LOCALES.items():
        if "onboarding.limits" in texts:
            assert "Who sees what" in texts["onboarding.limits"][0], name


# --- /help -> Who sees what ----------------------------------------------------------------


def _route(payload: str, kind: Kind) -> tuple[Reply, ...]:
    library = Library(CONTENT.palette, CONTENT.programme, CONTENT.resources)
    ctx = Context(NOW, library, Profile(preferred_name="Sam"))
    situation = Situation(True, False, None, 3)
    outcome = route(situation, Inbound(9, 1, 1, kind, payload, NOW), ctx)
    return tuple(e for e in outcome.effects if isinstance(e, Reply))


def test_help_has_a_who_sees_what_button() -> None:
    [help_text, menu] = _route("/help", Kind.COMMAND)

    assert help_text.text == Say("help.text")
    assert [b.data for row in help_text.buttons for b in row] == ["m:0:help.who"]
    assert help_text.buttons[0][0].label == Say("help.button.who_sees_what")
    assert menu == menu_reply()


def test_the_button_shows_who_sees_what_and_the_menu() -> None:
    assert _route("m:0:help.who", Kind.BUTTON) == (help_reply("who"), menu_reply())
    assert help_reply("who").text == Say("help.who_sees_what")


def test_help_no_longer_calls_the_journal_simply_private() -> None:
    for name, texts in LOCALES.items():
        if "help.text" in texts:
            assert "your private journal" not in texts["help.text"][0], name
