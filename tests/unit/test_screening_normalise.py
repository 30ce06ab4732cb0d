"""The normaliser undoes each kind of disguise, leaves ordinary text alone, and the
screener's evidence still quotes what the participant wrote."""

from __future__ import annotations

import pytest

from content.screening_rules import default_screening_rules
from dialogues.screening import default_screener
from dialogues.screening_normalise import Folder

FOLDER = Folder(default_screening_rules().evasion_words)


def folded(text: str) -> str:
    return FOLDER.fold(text).text


@pytest.mark.parametrize(("text", "plain"), [
    ("i will k1ll her", "i will kill her"),  # digits for letters
    ("h4te", "hate"),
    ("st@b", "stab"),
    ("$uicide", "suicide"),
    ("3nd it", "end it"),
    ("k!ll", "kill"),
    ("h u r t her", "hurt her"),  # letter-spacing
    ("k.i.l.l", "kill"),  # dotted
    ("k-i-l-l", "kill"),  # hyphenated
    ("k i l l h e r", "kill her"),  # spaced across two words
    ("k\u200bi\u200cl\u200dl", "kill"),  # zero-width characters
    ("ki\u2060ll \ufeffher", "kill her"),
    ("I hit my\u202e partner", "i hit my partner"),  # bidi override
    ("I will k\u0456ll her", "i will kill her"),  # Cyrillic i
    ("\u0441hoke", "choke"),  # Cyrillic c, whole word spells a lexicon word
    ("\u03bai\u03bb\u03bb", "kill"),  # Greek kappa and lambda
    ("\uff4b\uff49\uff4c\uff4c", "kill"),  # fullwidth
    ("ki\U0001f52a\U0001f52all her", "kill her"),  # emoji inside a word
    ("k*ll her", "kill her"),  # asterisk
    ("*kill*", "*kill*"),  # emphasis is not a disguise
    ("kiiiiilllll", "kill"),  # long runs, keeping the real double l
    ("hiiiiit", "hit"),
    ("shoooooot", "shoot"),  # longest word the runs allow
    ("k\u0336i\u0336l\u0336l\u0336", "kill"),  # combining strike-through
    ("i s h o v e d her", "i shoved her"),  # the spaced run takes in a one-letter word
    ("d r u n k 3 times", "drunk 3 times"),  # a stray digit after the spaced word
    ("h17 him", "hit him"),  # trailing digits
    ("53x", "sex"),  # leading digits
    ("the *rder", "the order"),  # a star standing for the first letter
    ("thr*at", "throat"),  # a tie goes to the word listed first
    ("c*ttin", "cuttin"),  # dialect -in endings are forms too
])
def test_each_disguise_is_undone(text: str, plain: str) -> None:
    assert folded(text) == plain


@pytest.mark.parametrize("text", [
    "meet at 3pm", "back at 10:30 tomorrow", "b4 work", "u r a legend", "soooo tired",
    "mp3 player", "2nite", "call me on 07700 900123", "my 4yr old", "ok x",
    "\u042f \u0432 \u043f\u043e\u0440\u044f\u0434\u043a\u0435",  # a Russian message
    "\u0441\u043e\u0440",  # a Russian word that looks like "cop"
    "yesssss", "noooo way", "a b c d e",
])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert folded(text) == text.lower()


def test_folded_characters_map_back_to_the_original() -> None:
    text = "I will k\u200bi\u200bl\u200bl her"
    result = FOLDER.fold(text)
    start = result.text.index("kill")
    left, right = result.original_span(start, start + 4)
    assert text[left:right] == "k\u200bi\u200bl\u200bl"


@pytest.mark.parametrize(("text", "quote"), [
    ("I hit my\u202e partner", "hit my\u202e partner"),
    ("honestly I'll k1ll her tonight", "k1ll her"),
    ("gonna h u r t her", "gonna h u r t her"),
    ("I slapped the Missus", "slapped the Missus"),
    ("I\u2019m going to \uff4b\uff49\uff4c\uff4c my wife", "\uff4b\uff49\uff4c\uff4c my wife"),
])
def test_evidence_quotes_the_original_text(text: str, quote: str) -> None:
    result = default_screener().screen(text)
    assert result.flagged
    assert quote in {e.matched for e in result.evidence}
    assert all(e.matched in text for e in result.evidence)


@pytest.mark.parametrize("text", [
    "I hit my\u202e partner", "I will k1ll her", "gonna h.u.r.t her",
    "i want to k i l l myself", "I will kіll her", "k*ll my wife tonight",
    "I'm going to kiiiiilll her", "\uff53\uff54\uff41\uff42 her",
])
def test_disguised_disclosures_flag(text: str) -> None:
    assert default_screener().screen(text).flagged
