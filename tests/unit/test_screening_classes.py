"""One test per class of disclosure the rules used to miss (issue 9), with examples of
our own (not rows of the measurement batches), and the near misses that must stay clear."""

from __future__ import annotations

import pytest

from dialogues.screening import default_screener


def screened(text: str, **hint: str):  # type: ignore[no-untyped-def]
    return default_screener().screen(text, **hint)  # type: ignore[arg-type]


def flags(text: str, category: str, severity: str | None = None) -> None:
    result = screened(text)
    assert result.flagged, text
    assert category in result.categories, (text, result)
    if severity == "urgent":
        assert result.severity == "urgent", (text, result)


# --- person resolution: male, female and same-sex partners -----------------------------

@pytest.mark.parametrize("text", [
    "my husband was winding me up so i slapped him",  # a woman, or a man, with a husband
    "i punched him in the face, hes my boyfriend",  # the partner named after the pronoun
    "me and my fella rowed about his mum and i shoved him into the door",
    "i hit my wife",  # a man or a woman with a wife
    "my girlfriend and i had a fight and i slapped her",  # a woman with a female partner
])
def test_harm_to_a_partner_of_either_sex_is_partner_harm(text: str) -> None:
    flags(text, "partner_harm")


def test_him_is_someone_else_when_no_partner_is_named() -> None:
    assert screened("some lad in the pub mouthed off so i hit him").categories == (
        "harm_to_others",)


def test_a_known_partner_gender_resolves_a_bare_pronoun() -> None:
    assert "partner_harm" in screened("i slapped him last night",
                                      partner_gender="male").categories
    assert "partner_harm" not in screened("i slapped her last night",
                                          partner_gender="male").categories
    assert "partner_harm" in screened("i slapped her last night").categories


# --- negation scope -----------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "she is not allowed to see her sister unless i am there",
    "i wont let him have his own bank card",
    "i stopped her going to her mums on sundays",
    "hes not going out without me, end of",
])
def test_control_words_that_look_like_negation_still_flag(text: str) -> None:
    flags(text, "partner_harm")


@pytest.mark.parametrize("text", [
    "im not allowed my phone on the shop floor",
    "she stopped me before i said something i would regret",
    "i would never stop her seeing her friends",
])
def test_negation_near_misses_stay_clear(text: str) -> None:
    assert not screened(text).flagged, screened(text)


# --- veiled threats -------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "hes got plenty coming to him when i see him",
    "there will be bother when i get home, mark my words",
    "my wife is gonna cop it tonight",
    "one day ill snap and hurt someone",
])
def test_veiled_and_dialect_threats_are_urgent(text: str) -> None:
    result = screened(text)
    assert result.flagged and result.severity == "urgent", result


@pytest.mark.parametrize("text", [
    "shes got a lot coming up at work this month",
    "there will be trouble at work if im late again",
    "ill sort him out with a lift on monday",
])
def test_veiled_threat_near_misses_stay_clear(text: str) -> None:
    assert not screened(text).flagged, screened(text)


# --- coercive control as house rules ------------------------------------------------

@pytest.mark.parametrize("text", [
    "his salary goes into my account and i give him cash",
    "she hands her pay packet over to me every friday",
    "i hang on to her passport so she cant go back home",
    "i took the keys off her so she couldnt drive to her friends",
    "she has to text me a photo of who shes with",
])
def test_coercive_control_as_house_rules_flags(text: str) -> None:
    flags(text, "partner_harm")


# --- stalking by paraphrase, app or go-between -------------------------------------

@pytest.mark.parametrize("text", [
    "i parked across from her work and watched the door",
    "i look at her snap map every hour",
    "slipped a tracker into the lining of her coat",
    "i asked her cousin where shes staying these days",
    "paid a mate to keep an eye on her",
])
def test_stalking_by_paraphrase_app_or_go_between_flags(text: str) -> None:
    flags(text, "stalking")


def test_passing_by_together_is_not_stalking() -> None:
    assert not screened("we drove past her old house on the way to the beach").flagged


# --- breach across sentences, court and bail ----------------------------------------

@pytest.mark.parametrize("text", [
    "my bail says no contact. i messaged her on facebook yesterday",
    "the court told me to stay away from the flat. i went round on saturday",
    "she has an injunction. last week i turned up at her work",
])
def test_breach_with_the_order_in_another_sentence_flags(text: str) -> None:
    flags(text, "breach")


@pytest.mark.parametrize("text", [
    "court went well, the judge sorted contact with the kids",
    "had to pay bail for the flat deposit, went round to sign it",
])
def test_court_and_bail_talk_without_a_breach_stays_clear(text: str) -> None:
    assert not screened(text).flagged, screened(text)


# --- self-harm by method or named medication ---------------------------------------

@pytest.mark.parametrize("text", [
    "ive been stockpiling my mirtazapine",
    "how many tramadol would it take",
    "thinking of running the engine in the garage with the door shut",
    "i ran a hose to the exhaust last week",
])
def test_self_harm_by_method_or_medication_is_urgent(text: str) -> None:
    flags(text, "self_harm", "urgent")


def test_medicine_for_a_child_is_not_self_harm() -> None:
    assert not screened("how much paracetamol for a toddler with a temperature").flagged


# --- sexual coercion implied --------------------------------------------------------

@pytest.mark.parametrize("text", [
    "she said no but im not taking no for an answer",
    "i did things to him while he was passed out",
    "got him drunk so he would go along with it in bed",
    "he said he was tired but i kept on at him til he gave in",
])
def test_implied_sexual_coercion_flags(text: str) -> None:
    flags(text, "sexual_coercion")


def test_implied_coercion_tonight_is_urgent() -> None:
    flags("tonight shes having it whether she likes it or not", "sexual_coercion", "urgent")


# --- child harm without listed verbs ------------------------------------------------

@pytest.mark.parametrize("text", [
    "gave them a good hiding for the mess",
    "i shook the pram really hard to shut her up",
    "smacked our kai on the bum til it was red",
    "the little lad goes quiet when i come home",
])
def test_child_harm_without_listed_verbs_flags(text: str) -> None:
    flags(text, "child_harm")


def test_a_child_in_the_care_of_someone_drunk_is_urgent() -> None:
    flags("ive got the kids tonight and im absolutely hammered", "child_harm", "urgent")


# --- weapons and oblique strangulation ----------------------------------------------

@pytest.mark.parametrize("text", [
    "came at her with a screwdriver",
    "pointed the scissors at him",
    "i had the knife out during the argument",
])
def test_weapon_verb_variants_are_urgent(text: str) -> None:
    flags(text, "weapon", "urgent")


@pytest.mark.parametrize("text", [
    "i pressed my forearm against her windpipe",
    "my knee was on his throat",
])
def test_oblique_strangulation_is_urgent(text: str) -> None:
    flags(text, "strangulation", "urgent")


# --- past learning and media talk ---------------------------------------------------

@pytest.mark.parametrize("text", [
    "i used to read her messages. i dont now and im proud of that",
    "years ago i used to follow her home, im ashamed of it",
    "beat the final boss at last",
    "the film had a guy who kept a tracker on his wife, grim",
])
def test_past_learning_and_media_talk_stay_clear(text: str) -> None:
    assert not screened(text).flagged, screened(text)


def test_a_past_cue_does_not_hide_a_present_urgent_risk() -> None:
    flags("i used to hit her and i stopped but tonight im going to kill her",
          "partner_harm", "urgent")
