"""The disclosure screener: tables of what participants type and what must happen.

All sentences are invented for these tests.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bot.screen_cli import screen_stream
from content.screening_rules import (
    CATEGORIES,
    DEFAULT_PATH,
    ScreeningRules,
    default_screening_rules,
    load_screening_rules,
)
from dialogues.screening import Evidence, Screening, default_screener, screen

U, C = "urgent", "concern"

# (text, severity, categories that must be among those reported)
DISCLOSURES = [
    # partner_harm
    ("i slapped my wife last night", C, ["partner_harm"]),
    ("I pushed the missus into the wardrobe door", C, ["partner_harm"]),
    ("headbutted my girlfriend", C, ["partner_harm"]),
    ("gave the wife a backhander", C, ["partner_harm"]),
    ("dragged her out of the car by her hair", C, ["partner_harm"]),
    ("i threw the remote at her", C, ["partner_harm"]),
    ("she has a black eye because of me", C, ["partner_harm"]),
    ("things got physical between us again", C, ["partner_harm"]),
    ("i twisted her arm behind her back", C, ["partner_harm"]),
    ("me and the mrs had a row and i put her through the door", C, ["partner_harm"]),
    ("I locked her in the bedroom", C, ["partner_harm"]),
    ("my partner is scared of me", C, ["partner_harm"]),
    ("Im going to batter her when she gets in", U, ["partner_harm"]),
    ("i feel like punching her", U, ["partner_harm"]),
    ("I'll put her through the wall", U, ["partner_harm"]),
    ("if she mentions him again she'll get a slap", U, ["partner_harm"]),
    ("her indoors is doing my head in, i'll lamp her", U, ["partner_harm"]),
    ("my ex will end up in a box if she carries on", U, ["partner_harm"]),
    # strangulation (always urgent, with the person harmed)
    ("had my hands round her throat", U, ["strangulation", "partner_harm"]),
    ("held her against the wall by her throat", U, ["strangulation", "partner_harm"]),
    ("i had her in a headlock", U, ["strangulation", "partner_harm"]),
    ("I put a pillow over her face to shut her up", U, ["strangulation", "partner_harm"]),
    ("i choked my missus till she went red", U, ["strangulation", "partner_harm"]),
    # weapon
    ("I pulled a knife on her", U, ["weapon", "partner_harm"]),
    ("threatened my ex with a hammer", U, ["weapon", "partner_harm"]),
    ("i keep a machete under my bed", U, ["weapon"]),
    ("I've started carrying a knife", U, ["weapon"]),
    ("gonna glass him", U, ["weapon", "harm_to_others"]),
    ("my uncle has a rifle I can borrow", C, ["weapon"]),
    ("theres a gun in the loft", C, ["weapon"]),
    # self_harm
    ("im going to end it tonight", U, ["self_harm"]),
    ("I've taken a load of pills", U, ["self_harm"]),
    ("thinking of jumping off the bridge", U, ["self_harm"]),
    ("honestly i just wanna die", U, ["self_harm"]),
    ("i've got a stash of pills saved up", U, ["self_harm"]),
    ("googled how many paracetamol would kill me", U, ["self_harm"]),
    ("nobody would miss me if i was gone", C, ["self_harm"]),
    ("I wish I wasn't here", C, ["self_harm"]),
    ("ive been self harming", C, ["self_harm"]),
    ("life isn't worth living anymore", C, ["self_harm"]),
    # child_harm
    ("i smacked my son too hard", C, ["child_harm"]),
    ("I grabbed my lad by the arm and threw him on the sofa", C, ["child_harm"]),
    ("the kids were hiding upstairs when I kicked off", C, ["child_harm"]),
    ("my son flinches when I walk in", C, ["child_harm"]),
    ("i left my 6 year old on his own to go to the shop", C, ["child_harm"]),
    ("im going to take the kids and she'll never see them again", C, ["child_harm"]),
    ("I shook the baby to make him stop crying", U, ["child_harm"]),
    ("the kids aren't safe with me", U, ["child_harm"]),
    ("i'll hurt the kids if she doesn't come back", U, ["child_harm"]),
    # stalking
    ("ive been checking her phone while she sleeps", C, ["stalking"]),
    ("put a tracking app on her phone", C, ["stalking"]),
    ("I keep turning up at her work", C, ["stalking"]),
    ("sat in my car outside her new place all night", C, ["stalking"]),
    ("found out where she lives now", C, ["stalking"]),
    ("made my mate ring her for me", C, ["stalking"]),
    ("i check who she's been messaging", C, ["stalking"]),
    ("im sat outside her work waiting for her", U, ["stalking"]),
    # breach
    ("ive been texting her even though the non mol says i cant", C, ["breach"]),
    ("i broke my bail by going to hers", C, ["breach"]),
    ("met up with her, we're not meant to have any contact", C, ["breach"]),
    ("im on a tag and i stayed out after curfew", C, ["breach"]),
    ("going to see her tomorrow no matter what the order says", U, ["breach"]),
    ("im gonna see her tonight i dont care about the injunction", U, ["breach"]),
    # sexual_coercion
    ("i made her have sex when she didnt want to", U, ["sexual_coercion"]),
    ("she said no but i didnt stop", U, ["sexual_coercion"]),
    ("she was drunk and asleep and I had sex with her", U, ["sexual_coercion"]),
    ("I guilted her into sleeping with me", C, ["sexual_coercion"]),
    ("i get the hump if she wont sleep with me", C, ["sexual_coercion"]),
    ("i threatened to share her pictures if she left", C, ["sexual_coercion"]),
    # substance
    ("been on the piss all weekend", C, ["substance"]),
    ("Im back on the gear", C, ["substance"]),
    ("relapsed last night", C, ["substance"]),
    ("drinking a bottle of vodka a night", C, ["substance"]),
    ("had 10 pints then went home", C, ["substance"]),
    ("i had a drink after 6 months sober", C, ["substance"]),
    # harm_to_others
    ("im going to stab her new fella", U, ["weapon", "harm_to_others"]),
    ("I'll kill anyone who comes near her", U, ["harm_to_others"]),
    ("I want to hurt the bloke she's seeing", U, ["harm_to_others"]),
    ("I punched a stranger", C, ["harm_to_others"]),
    ("I'll get him back for this", C, ["harm_to_others"]),
    ("kicked the dog", C, ["harm_to_others"]),
]

MISSPELT_SLANG_AND_TXT = [
    ("im gunna kil her i swear", U, ["partner_harm"]),
    ("i stranggled her a bit", U, ["strangulation", "partner_harm"]),
    ("i strangeled my partner", U, ["strangulation", "partner_harm"]),
    ("ill hert her if she leaves me", U, ["partner_harm"]),
    ("kms", U, ["self_harm"]),
    ("gonna neck myself", U, ["self_harm"]),
    ("im gonna top myself", U, ["self_harm"]),
    ("thinkin about killin myself", U, ["self_harm"]),
    ("i want to unalive", U, ["self_harm"]),
    ("wanna punch her lights out", U, ["partner_harm"]),
    ("she wound me up so much i slapt her", C, ["partner_harm"]),
    ("battered my bird", C, ["partner_harm"]),
    ("been drinkin all day every day", C, ["substance"]),
    ("breeched my bail", C, ["breach"]),
    ("i text her every day even tho she blocked me", C, ["stalking"]),
    ("im gonna knife him", U, ["weapon", "harm_to_others"]),
    ("everyones better off without me", C, ["self_harm"]),
    ("I HIT MY GIRLFRIEND", C, ["partner_harm"]),
    ("i was off my head on coke when i hit her", C, ["substance", "partner_harm"]),
]

FORMAL_REGISTER = [
    ("I became physically aggressive towards my partner", C, ["partner_harm"]),
    ("There was an incident where I struck my partner", C, ["partner_harm"]),
    ("I have thoughts of harming my partner", U, ["partner_harm"]),
    ("I am having suicidal thoughts", U, ["self_harm"]),
    ("I restricted her access to money and her phone", C, ["partner_harm"]),
    ("I used physical force on my son", C, ["child_harm"]),
    ("I applied pressure to her neck", U, ["strangulation", "partner_harm"]),
    ("I monitor her phone without her knowledge", C, ["stalking"]),
    ("I contacted my ex partner in breach of my bail conditions", C, ["breach"]),
    ("I coerced my partner into sexual activity", C, ["sexual_coercion"]),
    ("I have resumed drinking", C, ["substance"]),
    ("I am in possession of a firearm", C, ["weapon"]),
]

MORE_SLANG = [
    ("gonna spark him out", U, ["harm_to_others"]),
    ("deck the prick", U, ["harm_to_others"]),
    ("her fella is getting done in", U, ["harm_to_others"]),
    ("the missus got a slap", C, ["partner_harm"]),
    ("shes got a black eye off me", C, ["partner_harm"]),
    ("i nearly throttled the little sod", U, ["strangulation"]),
    ("cant be arsed with life", C, ["self_harm"]),
    ("been sat outside hers all nite", C, ["stalking"]),
    ("went round hers tho im on bail", C, ["breach"]),
    ("on the sniff every weekend", C, ["substance"]),
    ("got wasted and battered her", C, ["substance", "partner_harm"]),
    ("me lad saw me batter her", C, ["child_harm", "partner_harm"]),
]

# Reassurance, idioms, programme talk and everyday life: none of these may flag.
CLEAR_TEXTS = [
    # negation and reassurance
    "I'd never hurt her",
    "not going to kill myself, just tired",
    "I would never lay a finger on the kids",
    "no way I'd hit her",
    "i would never hit her no way",
    "I won't ever put my hands on her again",
    "I'm not going to hurt anyone",
    "I don't want to die, I just feel low",
    "im not suicidal just stressed",
    "I got angry but I didn't hit anyone",
    "I could have hit him but I walked away",
    "I'm not allowed to contact her so I'm not",
    "i havent had a drink for 2 weeks",
    # idioms
    "killing time before my session",
    "I could murder a curry",
    "dying to see the kids",
    "smashed it at work today",
    "the traffic was killing me",
    "my back is killing me",
    "knocked it out of the park at my review",
    "she'll kill me if I'm late again haha",
    "I'm going to kill it at the gym",
    "i nearly killed myself laughing",
    "I choked on my tea",
    "grabbed her a coffee on the way",
    "pushed my daughter on the swings",
    "I beat my son at fifa",
    "going to shoot her a text later",
    "I followed her advice",
    "I threw him a surprise party",
    "I'm going to kick him out if he doesn't get a job",
    "I hit her car reversing out the drive",
    # programme and media talk
    "the session on stalking was really useful",
    "we covered strangulation in group",
    "we did strangulation in the session, it was heavy",
    "the video about coercive control made me think",
    "what counts as stalking?",
    "the facilitator explained what a non molestation order is",
    "watched a documentary about knife crime",
    # everyday life
    "I took a time out like we practised",
    "the missus and I are doing better",
    "I took the little one to the park",
    "I'm going to take the kids to the park",
    "gonna grab the kids from school",
    "my daughter hurt her knee at school",
    "I bought a new kitchen knife for cooking",
    "my son wants a nerf gun for his birthday",
    "I've been sober 3 months and feel great",
    "I used to drink too much but I've been dry for a year",
    "I follow her on instagram",
    "she blocked me on whatsapp and thats fair enough",
    "I'm going to end it with her, it's not working",
    "my dad used to beat my mum when I was little",
    "she tracks her periods on an app",
    "I took my tablets this morning",
    "battered sausage and chips for tea",
    "kicking off at work again, my boss is a nightmare",
    "the little one kept us up all night teething",
    "my daughter's got a black eye from netball",
    "my son got his first black belt",
    "I'm reflecting on the harm I caused",
    "I understand now how frightening I was",
    "the facilitator asked about weapons and I said no",
    "I don't own any weapons",
    "my mates went on a bender but I went home",
    "the wife smashed her sales target",
    "we had a fight about money but nobody got hurt",
    "I'm staying away from her like the order says",
    "I had a coke and a burger",
]

HISTORIC_AND_PRESENT = [
    # a past incident is a concern ...
    ("years ago I punched my ex", C),
    ("I used to hit my first wife", C),
    # ... but strangulation or a weapon stays urgent, however long ago
    ("a few years back I strangled my ex", U),
    ("back in 2019 I held a knife to her throat", U),
    # present intent, plan or time is urgent
    ("when she gets home im going to hurt her bad", U),
    ("i will deck her tonight", U),
]

SEVERITY_CUES = [
    ("I've got a knife", C),
    ("I've got a knife in the drawer and I'm ready to use it on her", U),
    ("I keep a bat by the door in case her brother turns up", U),
    ("I feel like there is no point", C),
    ("I feel like there is no point, I've got the pills ready", U),
    ("i sat outside her house", C),
    ("im sat outside her house right now", U),
    ("I keep driving past her flat", C),
    ("going round hers tonight whatever the injunction says", U),
]

OTHER_SCRIPTS = [
    ("Dzisiaj było dobrze, dzięki", False),
    ("أنا بخير اليوم، شكرا", False),
    ("Я в порядке, спасибо", False),
    ("Wszystko dobrze, idę do pracy", False),
    ("Dzisiaj źle. I hit my wife", True),
]


# Paraphrases written after the dev set, in other wording (slang, euphemism, formal,
# rambling), and hard negatives: the rules must generalise, not memorise.
PARAPHRASED_DISCLOSURES = [
    ("swear down im gonna sort her out when she gets back from her mums", U, ["partner_harm"]),
    ("she'll get what's coming to her", U, ["partner_harm"]),
    ("she's got it coming, mark my words", U, ["partner_harm"]),
    ("one more word out of her and she's getting it", U, ["partner_harm"]),
    ("wanna put my fist through her face", U, ["partner_harm"]),
    ("me n the mrs had a scrap and i split her lip", C, ["partner_harm"]),
    ("i used to knock her about when i was drinking", C, ["partner_harm", "substance"]),
    ("My wife sustained injuries as a result of my actions on Friday night.", C,
     ["partner_harm"]),
    ("She has a fractured cheekbone. I did that.", U, ["partner_harm"]),
    ("threw a mug at my partners head and it cut her", C, ["partner_harm"]),
    ("so yeah work was long, my manager is a nightmare, got home about 7, she started on "
     "about money and i ended up punching her in the arm, then i went to bed", C,
     ["partner_harm"]),
    ("the kids are hiding in their room cos im smashing the house up", U, ["child_harm"]),
    ("i was that drunk i passed out with the baby in the bath", U, ["child_harm"]),
    ("the little un keeps crying and im close to shaking her", U, ["child_harm"]),
    ("dont think i can keep the kids safe tonight", U, ["child_harm"]),
    ("wouldnt mind not waking up tbh", C, ["self_harm"]),
    ("u ever just want to not be here anymore", U, ["self_harm"]),
    ("theres a rope in the garage and ive been thinking about it", U, ["self_harm"]),
    ("burned my arm with a lighter last night to feel something", C, ["self_harm"]),
    ("keep punching walls till my knuckles bleed to punish myself", C, ["self_harm"]),
    ("i'm a waste of space and it'd be easier for everyone if i was gone", C, ["self_harm"]),
    ("cant see a reason to keep going", C, ["self_harm"]),
    ("i've decided tonight is the night, I've said my goodbyes", U, ["self_harm"]),
    ("standing on the edge of the multi storey right now", U, ["self_harm"]),
    ("took a load of my sleeping tablets last night hoping i wouldnt wake up", U, ["self_harm"]),
    ("i held the knife to my own wrist", U, ["self_harm", "weapon"]),
    ("her new bloke is getting stabbed if i see him", U, ["harm_to_others", "weapon"]),
    ("slept with a knife under the pillow since she left", U, ["weapon"]),
    ("pulled a knife on my ex's new fella", U, ["weapon", "harm_to_others"]),
    ("i threw a glass at her and it smashed on her head", U, ["partner_harm", "weapon"]),
    ("turned up at the kids school when ive been told to stay away", C, ["breach"]),
    ("i went to her flat, i know the bail conditions say no", C, ["breach"]),
    ("went round to hers even tho the courts told me not to", C, ["breach"]),
    ("i know im not meant to but i rang her from a withheld number", C, ["breach"]),
    ("she said she was tired but i didnt stop", U, ["sexual_coercion"]),
    ("i told her if she didnt sleep with me i'd leave", C, ["sexual_coercion"]),
    ("did a few bumps of ket at the weekend", C, ["substance"]),
    ("been smashing the vodka every night since she left", C, ["substance"]),
    ("gonna find out where that social worker lives and sort her out", U, ["harm_to_others"]),
    ("gonna put the copper who nicked me in hospital", U, ["harm_to_others"]),
]
PARAPHRASED_CLEAR = [
    "I could strangle the printer at work today",
    "we talked in group about what to do if you feel like hitting someone",
    "the lecture on stalking behaviours was useful, I recognised some of it",
    "I knocked the mug off the table by accident and it smashed",
    "dad used to hit my mum, that's why I'm here I suppose",
    "my daughter wants to take up fencing, bought her a sword for practice",
    "my daughter choked on a grape but she's fine now, scared me",
    "we're ending things amicably, she's keeping the house",
    "the group talked about choking and how dangerous it is",
    "my mate got stabbed in the 90s, it changed him",
    "she hit me with the news that she's pregnant!",
    "I feel like I'm drowning in paperwork",
    "she shot me a dirty look across the table lol",
    "She took my phone to look at holiday photos",
]

# Third adversarial pass: urgent cues (intent with time, place or means) and known misses.
URGENT_CUES_AND_KNOWN_MISSES = [
    ("scared ill hurt one of them if they dont stop screaming", U, []),
    ("my 6 year old saw me punch her mum last night", C, ["partner_harm", "child_harm"]),
    ("gave the lad a proper hiding for backchatting me", C, ["child_harm"]),
    ("choked her out in bed without asking", U, ["strangulation", "sexual_coercion"]),
    ("got smashed and drove home with the kids in the back", U, ["substance", "child_harm"]),
    ("im going round there now and shes going to get whats coming", U, ["partner_harm"]),
    ("when she gets back from her mums shes getting a slap", U, ["partner_harm"]),
    ("not going to be here tomorrow so this is goodbye. thanks for trying", U, ["self_harm"]),
    ("i cant keep doing this. by the time you read this ill be gone", U, ["self_harm"]),
    ("rope's in the garage. just need to get through today first", U, ["self_harm"]),
    ("Im sat in the car with a hose pipe and i dont see the point anymore", U, ["self_harm"]),
    ("i've loaded the shotgun", U, ["weapon"]),
    ("kids are upstairs and im absolutely wasted, shes gone and left me with them", U,
     ["child_harm"]),
    ("im steaming and ive got the kids on my own till tomorrow", U, ["child_harm"]),
    ("lost it with the wee one and shook him hard", U, ["child_harm"]),
    ("the voices keep telling me to hurt the baby", U, ["child_harm"]),
    ("gonna find the bloke shes seeing and end him", U, ["harm_to_others"]),
    ("im parked up across from hers watching the lights", U, ["stalking"]),
    ("she was too drunk to know what was happening and i still slept with her", U,
     ["sexual_coercion"]),
    ("she says no most nights but i keep going til she gives up", U, ["sexual_coercion"]),
    ("im still living there even tho the injunction says i have to stay away", C, ["breach"]),
    ("i'm meant to be at the hostel but i've been stopping at hers", C, ["breach"]),
    ("been on the vodka since 8 this morning", C, ["substance"]),
    ("this time tomorrow it'll all be over for me", U, ["self_harm"]),
]
URGENT_CUES_CLEAR = [
    "this is goodbye to the old me, new start",
    "ready to do it, first shift at the new job tomorrow",
    "im outside her school waiting to pick the kids up like we agreed",
    "my facilitator said strangulation is always a red flag, that shocked me",
    "had 2 pints at the wedding and then drove the kids home the next morning sober",
    "the kids were play fighting and my son kicked his sister, told them both off",
    "my ex keeps texting me even though she has an order against me, what do i do",
    "we drove past her new place on the way to the kids football, she waved",
    "is it a breach if she messages me first?",
    "i grabbed my son before he ran into the road",
    "my mate's got an air rifle for shooting rabbits on his farm",
    "we both agreed to stop seeing each other while the order is in place",
    "this time tomorrow ill be on holiday",
    "im going to do it tonight, finally fixing the shed",
    "shes getting a kick out of the new job",
    "got her address so i can send the kids christmas cards",
    "it will all be over soon, the court case i mean",
    "waited for the fast train to come through then crossed",
]


def _check(result: Screening, severity: str, categories: list[str]) -> None:
    assert result.flagged, result
    assert result.severity == severity, result
    assert set(categories) <= set(result.categories), result


@pytest.mark.parametrize(("text", "severity", "categories"), DISCLOSURES)
def test_disclosure_is_flagged_with_its_category_and_severity(
        text: str, severity: str, categories: list[str]) -> None:
    _check(screen(text), severity, categories)


@pytest.mark.parametrize(("text", "severity", "categories"), MISSPELT_SLANG_AND_TXT)
def test_misspellings_slang_and_txt_speak_are_understood(
        text: str, severity: str, categories: list[str]) -> None:
    _check(screen(text), severity, categories)


@pytest.mark.parametrize(("text", "severity", "categories"), FORMAL_REGISTER + MORE_SLANG)
def test_formal_register_and_street_slang_are_both_understood(
        text: str, severity: str, categories: list[str]) -> None:
    _check(screen(text), severity, categories)


@pytest.mark.parametrize(("text", "severity", "categories"), PARAPHRASED_DISCLOSURES)
def test_paraphrased_disclosures_are_flagged(
        text: str, severity: str, categories: list[str]) -> None:
    _check(screen(text), severity, categories)


@pytest.mark.parametrize(("text", "severity", "categories"), URGENT_CUES_AND_KNOWN_MISSES)
def test_urgent_cues_and_known_misses_are_flagged(
        text: str, severity: str, categories: list[str]) -> None:
    _check(screen(text), severity, categories)


@pytest.mark.parametrize("text", URGENT_CUES_CLEAR)
def test_near_misses_of_urgent_cues_are_not_flagged(text: str) -> None:
    assert not screen(text).flagged, screen(text)


@pytest.mark.parametrize("text", PARAPHRASED_CLEAR)
def test_threats_to_objects_and_hard_negatives_are_not_flagged(text: str) -> None:
    assert not screen(text).flagged, screen(text).evidence


@pytest.mark.parametrize("text", CLEAR_TEXTS)
def test_reassurance_idioms_and_programme_talk_are_not_flagged(text: str) -> None:
    result = screen(text)
    assert not result.flagged, result.evidence
    assert result == Screening(False, None, (), ())


@pytest.mark.parametrize(("text", "severity"), HISTORIC_AND_PRESENT)
def test_past_incidents_are_concern_unless_strangulation_weapon_or_intent(
        text: str, severity: str) -> None:
    result = screen(text)
    assert result.flagged
    assert result.severity == severity, result


@pytest.mark.parametrize(("text", "severity"), SEVERITY_CUES)
def test_intent_means_and_time_cues_raise_concern_to_urgent(text: str, severity: str) -> None:
    result = screen(text)
    assert result.flagged
    assert result.severity == severity, result


@pytest.mark.parametrize("text", ["", "   ", "\n", "👍", "🙂🙂🙂", "😡😡", "...", "?!", "x"])
def test_empty_emoji_and_punctuation_only_are_clear(text: str) -> None:
    assert not screen(text).flagged


@pytest.mark.parametrize(("text", "flagged"), OTHER_SCRIPTS)
def test_other_scripts_do_not_flag_unless_they_hold_a_disclosure(text: str,
                                                                flagged: bool) -> None:
    assert screen(text).flagged is flagged


def test_no_punctuation_and_lower_case_still_flag() -> None:
    _check(screen("she wouldnt shut up so i grabbed her by the neck then i left"), U,
           ["strangulation", "partner_harm"])


def test_negation_is_scoped_to_its_clause() -> None:
    _check(screen("I'd never hit her, but I did push her last night"), C, ["partner_harm"])
    _check(screen("she wouldn't shut up so I slapped her"), C, ["partner_harm"])
    _check(screen("if my fella doesn't stop I'll beat him senseless"), U, ["partner_harm"])


def test_a_bare_denial_after_the_words_clears_them() -> None:
    assert not screen("stop asking me if I want to hurt myself, I don't").flagged
    _check(screen("I want to hurt myself, I'm not joking"), U, ["self_harm"])
    _check(screen("I hit her, never again"), C, ["partner_harm"])


def test_questions_and_separate_sentences_still_count() -> None:
    _check(screen("is it normal to want to hit your wife?"), U, ["partner_harm"])
    _check(screen("We had a row. I hit her."), C, ["partner_harm"])
    _check(screen("I hit her. The kids were there."), C, ["partner_harm", "child_harm"])
    _check(screen("how do I stop myself from hurting her"), U, ["partner_harm"])
    assert not screen("We had a row. I went for a walk.").flagged


def test_doubt_and_rumination_are_not_reassurance() -> None:
    _check(screen("I'm not sure I won't hurt her tonight"), U, ["partner_harm"])
    _check(screen("I can't stop thinking about hurting her"), U, ["partner_harm"])
    _check(screen("not gonna lie i want to hit her"), U, ["partner_harm"])


def test_one_message_can_raise_several_categories() -> None:
    result = screen("the kids saw me strangle her")
    _check(result, U, ["child_harm", "strangulation", "partner_harm"])
    assert result.categories == tuple(c for c in CATEGORIES if c in result.categories)


def test_evidence_names_the_rule_and_the_words() -> None:
    result = screen("I grabbed her by the throat")
    rules = {e.rule for e in result.evidence}
    assert "strangulation.neck" in rules
    evidence = next(e for e in result.evidence if e.rule == "strangulation.neck")
    assert evidence == Evidence("strangulation.neck", "strangulation", "urgent",
                                "grabbed her by the throat")


def test_pronouns_take_the_category_of_the_person_named_before() -> None:
    assert screen("my little girl was crying so I smacked her").categories == ("child_harm",)
    assert screen("I smacked her").categories == ("partner_harm",)
    assert screen("my husband was out of order so I hit him").categories == ("partner_harm",)
    assert screen("I hit him").categories == ("harm_to_others",)


def test_a_4096_character_message_is_screened_fast_and_correctly() -> None:
    filler = "Had a decent day at work and took the kids to the park after school. "
    ending = " Then I grabbed her by the throat."
    text = (filler * 60)[:4096 - len(ending)] + ending
    assert len(text) == 4096
    default_screener()  # build outside the timing
    start = time.perf_counter()
    result = screen(text)
    elapsed = time.perf_counter() - start
    _check(result, U, ["strangulation", "partner_harm"])
    assert not screen(filler * 58).flagged
    assert elapsed < 0.25


def test_screening_yaml_loads_and_every_category_has_a_rule() -> None:
    rules = load_screening_rules()
    assert isinstance(rules, ScreeningRules)
    named = {r.category for r in rules.rules} | {g.category for g in rules.people.values()}
    assert set(CATEGORIES) <= named
    assert default_screening_rules() is default_screening_rules()


def test_every_rule_example_flags_its_own_rule() -> None:
    for rule in default_screening_rules().rules:
        assert rule.examples, f"{rule.id} has no examples"
        for example in rule.examples:
            fired = {e.rule for e in screen(example).evidence}
            assert rule.id in fired, (rule.id, example, fired)


def test_prefilter_never_hides_a_pattern_that_matches() -> None:
    screener = default_screener()
    tables = DISCLOSURES + MISSPELT_SLANG_AND_TXT + FORMAL_REGISTER + MORE_SLANG
    texts = [t for t, *_ in tables] + CLEAR_TEXTS
    texts += [e for r in default_screening_rules().rules for e in r.examples]
    pairs = [p for r in screener.rules.compiled for p in r.patterns]
    for text in texts:
        t = screener.normalise(text)
        candidates = set(screener.candidate_patterns(t))
        for index, pattern in enumerate(pairs):
            if pattern.search(t):
                assert index in candidates, (text, pattern.pattern[:80])


def test_broken_pattern_is_reported_with_its_rule_id(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["rules"][0]["patterns"] = ["\\bhit (her"]
    path = tmp_path / "screening.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError, match=data["rules"][0]["id"]):
        load_screening_rules(path)


def test_unknown_field_and_bad_category_are_named(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["rules"][0]["severty"] = "urgent"
    data["rules"][1]["category"] = "violence"
    path = tmp_path / "screening.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_screening_rules(path)
    message = str(caught.value)
    assert "severty" in message
    assert "category" in message


def test_screen_accepts_other_rules() -> None:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["rules"] = [r for r in data["rules"] if r["category"] == "substance"]
    rules = ScreeningRules.model_validate(data)
    assert not screen("I hit my wife", rules).flagged
    assert screen("back on the drink", rules).categories == ("substance",)


def test_screen_stream_answers_each_line_in_order_and_reports_bad_lines() -> None:
    lines = [
        json.dumps({"text": "I want to die"}),
        "",
        "not json",
        json.dumps({"text": 5}),
        json.dumps({"text": "thanks, that helped"}),
    ]
    out = io.StringIO()
    status = screen_stream(io.StringIO("\n".join(lines) + "\n"), out)
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert status == 1
    assert len(results) == 4
    assert results[0]["flagged"] is True
    assert results[0]["severity"] == "urgent"
    assert results[0]["categories"] == ["self_harm"]
    assert {"rule", "category", "severity", "matched"} <= set(results[0]["evidence"][0])
    assert "error" in results[1] and "error" in results[2]
    assert results[3] == {"flagged": False, "severity": None, "categories": [],
                          "evidence": []}


def test_screen_stream_returns_zero_when_every_line_is_good() -> None:
    out = io.StringIO()
    status = screen_stream(io.StringIO('{"text": "ok"}\n{"text": "fine"}\n'), out)
    assert status == 0
    assert len(out.getvalue().splitlines()) == 2
