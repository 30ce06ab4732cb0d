# ruff: noqa: E501 - the templates are data, one sentence a line, easier to review unwrapped
"""Writes content/screening-corpus/templated.jsonl: the templated part of the corpus.

Run ``python tools/screening_corpus.py`` after editing the templates, then
``steady screen train``. Seeded: the same templates always give the same rows.

Each template is (text with slots, flag, severity, categories, note). Slots:
{P} a partner as object ("her", "my wife", "my husband", "our lass"...), {PS} a partner
as subject, {PP} possessive, {C} a child, {O} someone outside the family, {WHEN} a time,
{LATER} a future time. Partners cover women and men and same-sex couples: the learned
layer must not hear only "her". After filling, a style is applied at random (texting,
no apostrophes, dialect fillers), so the layer meets the way people really type.
The note names the template, so training can hold out whole templates for validation.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "content" / "screening-corpus" / "templated.jsonl"
PER_TEMPLATE = 6

# (object, subject, possessive) for partners of every gender the programme meets.
PARTNERS = [
    ("her", "she", "her"), ("my wife", "my wife", "my wife's"),
    ("my girlfriend", "my girlfriend", "my girlfriend's"), ("the missus", "the missus", "the missus's"),
    ("me missus", "me missus", "me missus's"), ("our lass", "our lass", "our lass's"),
    ("the wife", "the wife", "the wife's"), ("my partner", "my partner", "my partner's"),
    ("my husband", "my husband", "my husband's"), ("my boyfriend", "my boyfriend", "my boyfriend's"),
    ("him", "he", "his"), ("my fella", "my fella", "my fella's"), ("my ex", "my ex", "my ex's"),
    ("Jess", "Jess", "Jess's"), ("Kayleigh", "Kayleigh", "Kayleigh's"), ("Dean", "Dean", "Dean's"),
    ("my girlfriend Sam", "Sam", "Sam's"), ("my wife Priya", "Priya", "Priya's"),
    ("my other half", "my other half", "my other half's"), ("the mrs", "the mrs", "the mrs's"),
]
CHILDREN = ["my son", "my daughter", "the kids", "the little one", "the bairn", "my lad",
            "the baby", "my stepson", "my stepdaughter", "our Alfie", "my boy", "my girl",
            "the twins", "my youngest", "Mia", "the toddler", "my eldest", "the children"]
OTHERS = ["the neighbour", "her brother", "some bloke at the pub", "my boss", "the lad next door",
          "her new fella", "his mate", "a guy at the match", "my brother in law", "the taxi driver",
          "her dad", "that lad from work"]
WHEN = ["last night", "yesterday", "on Saturday", "again", "this morning", "at the weekend",
        "a couple of times this week", "when we were arguing", "after the pub", "earlier"]
LATER = ["tonight", "when I get in", "when I get home", "later", "tomorrow", "when I see her",
         "at the weekend", "when he gets back", "after work", "the minute I get back"]

Template = tuple[str, bool, str | None, list[str], str]

# Partner harm, done (concern).
PARTNER_PAST = [
    "I {hit} {P} {WHEN}", "{PS} has bruises from where I grabbed {P}", "I shoved {P} into the wall {WHEN}",
    "I pushed {P} down the stairs {WHEN}", "I gave {P} a slap {WHEN}", "I kicked {P} {WHEN}",
    "I dragged {P} out of the car by the hair", "I threw my phone at {P} {WHEN}",
    "I pinned {P} against the door and screamed in {PP} face", "I booted {P} out of bed {WHEN}",
    "I lamped {P} {WHEN}", "I backhanded {P} {WHEN}", "I twisted {PP} arm till {PS} cried",
    "I spat at {P} {WHEN}", "{PS} has a black eye and it was me", "I headbutted {P} {WHEN}",
    "I clipped {P} round the ear {WHEN}", "I put {P} on the floor {WHEN}",
    "I bit {P} {WHEN}", "I smacked {P} in the mouth {WHEN}", "I got physical with {P} {WHEN}",
]
HIT = ["hit", "punched", "slapped", "thumped", "battered", "whacked", "belted", "hurt"]
# Coercive control as house rules: no violence words (concern).
CONTROL = [
    "{PP} wages go into my account and {PS} gets an allowance off me",
    "{PS} isn't allowed to see {PP} friends unless I'm there",
    "I keep {PP} passport and the car keys so {PS} can't go anywhere",
    "I took {PP} phone off {P} so {PS} couldn't ring anyone",
    "I locked {P} in the bedroom {WHEN}", "I check {PP} bank statements every day and {PS} has to explain every penny",
    "I told {P} {PS} can't go to {PP} mum's anymore", "{PS} has to ask me before {PS} spends anything",
    "I decide what {PS} wears when we go out", "I make {P} send me a photo every hour so I know who {PS}'s with",
    "I changed the wifi password so {PS} can't get online without me", "{PS} knows not to talk back or there's trouble",
    "I won't let {P} have a job", "I smashed {PP} phone so {PS} couldn't call {PP} sister",
    "I took the door off the bathroom so {PS} can't lock me out", "{PS}'s scared of me and I like it that way",
    "I've stopped {P} seeing {PP} family", "I told {P} {PS}'d never see the kids again if {PS} left",
    "I stood in the doorway so {PS} couldn't leave the room", "I threatened to put {PP} nudes online",
]
# Partner harm, intent now (urgent), including veiled and dialect threats.
PARTNER_INTENT = [
    "I'm going to {hurt} {P} {LATER}", "{PS}'s got a lot coming to {P} {LATER}", "there'll be trouble when I get in",
    "I'll sort {P} out {LATER}", "{PS}'s going to regret it {LATER}", "I swear I'll do {P} in",
    "I'm gonna batter {P} {LATER}", "{PS} won't know what's hit {P} {LATER}", "I'll make {P} pay for this {LATER}",
    "{PS} is going to get it {LATER}", "I'm going to teach {P} a lesson {LATER}", "I'll wring {PP} neck {LATER}",
    "I want to hurt {P} so bad right now", "if {PS} says one more word I'll flatten {P}",
    "I'm going to kill {P}", "honestly I could kill {P} and I mean it", "I'll break {PP} jaw {LATER}",
    "{PS} better watch {PP} back {LATER}", "I'm done talking, {PS}'ll learn the hard way {LATER}",
    "I'm going round to knock {PP} teeth out", "{PS} needs putting in {PP} place and I'm the one to do it",
    "I'm scared I'm going to hurt {P} {LATER}", "one more word from {P} and I'll lose it and do something",
]
HURT = ["hurt", "hit", "smack", "batter", "leather", "deck", "do", "slap"]
STRANGLE = [
    "I had my hands round {PP} neck {WHEN}", "I grabbed {P} by the throat {WHEN}", "I leant on {PP} windpipe {WHEN}",
    "I held a pillow over {PP} face {WHEN}", "{PS} couldn't breathe when I had hold of {PP} neck",
    "I choked {P} {WHEN}", "I put {P} in a headlock till {PS} went limp", "I squeezed {PP} throat {WHEN}",
    "I strangled {P} {WHEN}", "I pressed my forearm across {PP} neck {WHEN}", "I throttled {P} {WHEN}",
    "I pinned {P} down by the neck {WHEN}", "{PS} passed out when I had my arm round {PP} throat",
    "I put my hand over {PP} mouth and nose till {PS} stopped screaming",
]
WEAPON_PARTNER = [
    "I chased {P} with a screwdriver {WHEN}", "I waved the hammer at {P} {WHEN}", "I picked up a knife when we were rowing",
    "I pointed a kitchen knife at {P} {WHEN}", "I held a blade to {PP} face {WHEN}", "I threatened {P} with the bat {WHEN}",
    "I've got a knife in the car for {P}", "I swung the iron bar at {P} {WHEN}", "I went for {P} with a broken bottle",
    "I grabbed the scissors and went for {P}", "I stood over {P} with the hammer {WHEN}",
]
WEAPON_OTHER = [
    "I'm carrying a blade now in case I see {O}", "I've got a machete under the bed for {O}",
    "I'm taking a knife when I go to see {O} {LATER}", "I pulled a knife on {O} {WHEN}", "I glassed {O} {WHEN}",
    "I bought a knuckleduster for when I see {O}", "I stabbed {O} {WHEN}",
]
WEAPON_ACCESS = [
    "I keep a bat by the front door just in case", "I've got a shotgun licence and the guns are in the house",
    "I've started carrying a knife around with me", "there's a crossbow in the shed that I got last month",
]
OTHERS_PAST = [
    "I got into a scrap with {O} {WHEN}", "I battered {O} {WHEN}", "I punched {O} outside the pub {WHEN}",
    "I had a fight with {O} {WHEN}", "I knocked {O} out {WHEN}", "I kicked off and hit {O} {WHEN}",
    "I put {O} in hospital {WHEN}", "I nutted {O} {WHEN}",
]
OTHERS_INTENT = [
    "I'm going to do {O} in when I see him", "I'm going to find {O} and kneecap him", "{O} is getting it {LATER}",
    "I'll put {O} in hospital {LATER}", "I'm going to smash {O}'s face in {LATER}", "{O} won't walk again once I'm done",
    "I'm going round to sort {O} out {LATER}", "I want to kill {O}",
]
SELF_URGENT = [
    "I want to end it", "I ran the car engine in the closed garage {WHEN}", "I've been saving up my sertraline",
    "I've been stockpiling co-codamol for when I'm ready", "I've written the letters to the kids",
    "I bought some rope {WHEN} and I know what it's for", "I keep thinking about jumping off the bridge",
    "I'm going to take all my tablets tonight", "I don't want to be here anymore", "I want to kill myself",
    "I've looked up how many paracetamol it takes", "I'm going to drive into a wall", "I stood on the railway line {WHEN}",
    "I've got a box of my mum's diazepam and I'm going to take the lot", "tonight's the night I end it",
    "I've got the hosepipe ready for the exhaust", "I wish I was dead", "I'd be better off dead",
    "I sat on the edge of the multi storey {WHEN}", "I want to go to sleep and not wake up",
    "I've been looking at the ligature points in the flat", "I held a blade to my wrist {WHEN}",
    "I've got my amitriptyline saved up in a drawer", "no point carrying on, I've made up my mind",
]
SELF_CONCERN = [
    "I cut my arms again {WHEN}", "what's the point of anything anymore", "everyone would be better off without me",
    "I burned myself with a lighter {WHEN}", "I punched the wall till my hand bled {WHEN} to feel something",
    "I feel like a burden to everyone", "sometimes I think it would be easier if I wasn't around",
    "I've been hurting myself again", "I scratch myself till it bleeds when it gets too much",
    "I can't see a way out of this", "nobody would notice if I disappeared", "I keep hoping I don't wake up",
]
CHILD_CONCERN = [
    "{C} heard us screaming at each other {WHEN}", "{C} saw me shove their mum {WHEN}", "I smacked {C} too hard {WHEN}",
    "I pinched {C}'s arm to make them listen", "{C} is scared of me now", "I left {C} on their own while I went to the pub",
    "{C} hid under the table while we were fighting", "I grabbed {C} by the arm and left a mark",
    "I gave {C} a hiding {WHEN}", "I was hammered and looking after {C} {WHEN}", "{C} flinches when I raise my voice",
    "I told {C} I'd take them away from their mum for good", "{C} got caught in the middle when I threw the plate",
    "I left {C} in the car while I went in the bookies", "I belted {C} with my belt {WHEN}",
    "I whacked {C} with the remote {WHEN}", "I dragged {C} up the stairs by the arm",
]
CHILD_URGENT = [
    "{C} won't stop crying and I'm going to lose it with them", "I shook the baby {WHEN}",
    "I'm drunk and I've got {C} tonight and I can hardly stand", "{C} is with me now and I think I might hurt them",
    "I'm going to take {C} and she'll never find us", "I threw the baby's bottle at the cot and it hit him",
    "I'm off my face and {C} is in the bath on their own", "I'm going to hit {C} if they don't shut up",
    "I've locked {C} in the car and walked off", "I squeezed the baby too hard to stop him crying",
]
STALKING = [
    "I followed {P} to work {WHEN}", "I've been checking {PP} Strava to see where {PS} runs",
    "I put an AirTag in {PP} car", "I asked {PP} mates where {PS}'s living now", "I know where {PP} new flat is and I sat outside it",
    "I keep ringing {P} from different numbers since {PS} blocked me", "I made a fake insta to keep an eye on {P}",
    "I check {PP} location on Life360 all day", "I got {PP} sister to tell me who {PS}'s seeing",
    "I drove past {PP} place about ten times {WHEN}", "I read all {PP} messages while {PS} was asleep",
    "I put a tracking app on {PP} phone", "I wait outside {PP} gym to see who {PS} leaves with",
    "I've been logging into {PP} email to see who {PS} talks to", "I turned up at {PP} work {WHEN} even though {PS} told me not to",
    "I got my mate to follow {P} home", "I know {PP} new address, I found it through {PP} parcel tracking",
    "I message {P} every hour even though {PS} said to stop",
]
STALKING_URGENT = [
    "I'm outside {PP} flat right now", "I'm parked across from {PP} work waiting for {P}",
    "I'm sat in the car outside {PP} mum's house now", "I'm at the end of {PP} road watching the door",
]
BREACH = [
    "there's a court order but I went round anyway", "I'm on bail and not meant to contact {P}. I texted {P} last night",
    "the non molestation order says I can't go near {P}. I spoke to {P} at the school gates {WHEN}",
    "I'm staying at {PP} even though my bail conditions say I can't", "I had the kids on my own even though it's meant to be supervised",
    "the court said no contact. I rang {P} {WHEN}", "I've been round {PP} house twice and I'm not meant to under the order",
    "my licence says I can't go in that area but I went to see {P}", "I'm not supposed to message {P} but I did {WHEN}",
    "bail says I can't go back to the house. I've been sleeping there all week",
    "I'm banned from contacting {P}. I sent {P} a letter through {PP} cousin",
    "I went to {PP} new place even with the restraining order", "we're meeting up in secret because of the injunction",
]
BREACH_URGENT = ["I'm going round {PP} now order or not", "I'm on my way to {PP} house, the court can do one"]
SEXUAL_URGENT = [
    "I'm not taking no for an answer tonight", "I had sex with {P} while {PS} was asleep",
    "{PS} was too drunk to say yes but I did it anyway", "{PS} said no but I carried on",
    "I forced myself on {P} {WHEN}", "I held {P} down and {PS} was crying the whole time",
    "I just take what I want in the bedroom, {PS} doesn't get a say", "{PS} kept saying stop and I didn't",
    "I made {P} have sex with me {WHEN}", "{PS} was out of it and I went ahead anyway",
]
SEXUAL_CONCERN = [
    "I sulk until {PS} gives in", "I keep on at {P} for sex till {PS} gives up", "I told {P} it's {PP} duty as my wife",
    "I go on and on until {PS} says yes just to shut me up", "I give {P} the silent treatment when {PS} won't sleep with me",
    "I said I'd go elsewhere if {PS} didn't put out", "I filmed us in bed without asking {P}",
    "I guilt {P} into it most nights", "I take the money off {P} if {PS} won't sleep with me",
]
SUBSTANCE = [
    "I'm back on the drink after six months", "I've been on the gear again {WHEN}", "I've had a bottle of vodka every night this week",
    "I had a line at the weekend", "I can't remember what happened, I was steaming", "I only hit {P} when I've had a drink",
    "I relapsed {WHEN}", "I've been smoking weed all day every day to cope", "I'm drinking from when I get up",
    "I was off my head on coke {WHEN}", "I blacked out {WHEN} and woke up in a cell", "I'm using again and hiding it from {P}",
    "I drank twelve cans and started smashing the place up", "I've been taking pills to get through the day",
    "I slipped and had a drink {WHEN}", "been on the sauce all weekend and I'm in a right state",
    "I lose my temper with {P} when I'm on the coke",
]

NEG = [
    # reassurance and the programme
    "I would never lay a finger on {P}", "I'm not going to hurt anyone, don't worry", "I'd never hit {C}",
    "I walked away before it got heated and took a time out", "I didn't shout, I went for a walk instead",
    "I'm not going to kill myself, I promise, just having a rough day", "I felt the anger coming and used the breathing",
    "the session on coercive control was hard to sit through", "we talked about strangulation in group {WHEN}",
    "my facilitator says I've come a long way", "I used to think shouting was normal, now I take time out",
    "I used to hit {P} years ago and I hate that I did, the course has changed me",
    "I've learnt that checking {PP} phone was controlling and I've stopped", "I did my homework on the cycle of abuse",
    "the video about the impact on kids really got to me", "I noticed my warning signs and left the room",
    "I apologised to {P} for raising my voice", "we had a calm talk about money and I listened",
    "my worker asked about the court order and I explained I've stuck to it", "I've been sober nine months now",
    "I'm going to my group tonight", "I told {P} I was feeling wound up and went to the gym",
    "the role play about jealousy was awkward", "I'm proud I didn't react when {PS} had a go at me",
    "I would never do anything to hurt {C}", "I'm not the man I was, I'm done with violence",
    "I don't drink anymore, just tea", "I'm not going round there, I know I'm not allowed",
    # idioms
    "I could murder a pint", "I'm killing it at work", "this traffic is killing me", "I'm dead tired",
    "I nearly died laughing at {C}", "my feet are killing me", "I'm gutted about the result",
    "I'm absolutely knackered", "that curry nearly blew my head off", "I'm dying for a brew",
    "{PS} will kill me if I forget the milk again", "I'm going to smash this interview {LATER}",
    "I'm shattered after that shift", "the kids are driving me up the wall but they're good really",
    "it's doing my head in but I'm fine", "I choked on my tea laughing", "I was gasping for a drink after the run",
    "I'll strangle the dog if it chews another shoe, joking obviously", "the boss is on my back again",
    "my phone's dead", "I stabbed a potato to check if it was done", "I knocked it out of the park with that presentation",
    "I'd kill for a day off", "it's a killer of a hill", "I'm going to hit the hay early",
    "I hit the gym {WHEN}", "I hit the road at six", "I smashed my PB on parkrun", "I'm cutting down on sugar",
    "cut the grass {WHEN}", "I shot round to the shop", "I'm over the moon with {C}",
    # sport and games
    "we battered them four nil", "he got knocked out in the third round, what a fight",
    "the ref wants shooting after that decision", "I killed it in the five a side", "I got a headshot on CoD {WHEN}",
    "I strangled the game with my tactics on FIFA", "my character got stabbed in the last level",
    "we got thrashed at darts", "I'm watching the boxing {LATER}", "I beat {C} at Mario Kart and they were fuming",
    "we slaughtered them at pool", "I smashed the boss fight on Elden Ring", "the match was a bloodbath",
    # films, books, news
    "watched a film where he stabs his wife, couldn't finish it", "listening to a true crime podcast about stalking",
    "the news about that murder was horrible", "reading a book about a man who kills his family",
    "we watched Line of Duty {WHEN}", "the soap had a domestic abuse storyline", "the documentary on knife crime was grim",
    # work, money and ordinary anger
    "I'm stressed to the eyeballs with work", "I was fuming at the ref", "I shouted at the telly",
    "I'm angry about the bills but I'm dealing with it", "I slammed my hand on the desk at work and felt daft",
    "I'm furious with the council", "the car's failed its MOT and I'm raging", "my manager is a nightmare",
    "I lost my rag with the self checkout", "I'm sick of the landlord", "I had a row with {P} about money but we sorted it",
    "we argued about whose turn it was to cook, then laughed about it", "I feel down today but I'm okay",
    "I'm a bit low but going for a walk with {C}", "I'm worried about {C}'s exams",
    # everyday life
    "took {C} to the park {WHEN}", "made {P} a cuppa and we watched telly", "{C} beat me at chess",
    "{C} is teething and nobody's slept", "I picked {C} up from school", "we had a barbecue at the weekend",
    "I'm cooking a roast {LATER}", "{C} fell off the bike and grazed a knee, they're fine", "I bathed the baby and put her down",
    "I fixed the shed door", "spoke to my solicitor about the court date", "contact centre visit went well, supervised as agreed",
    "checked the bus times on the app", "Strava says I ran 5k {WHEN}", "I shared my location with {P} so {PS} knows I'm safe on the drive",
    "{PS} is going out with {PP} mates {LATER} and I'm staying in with {C}", "I'm meeting {P} for coffee {LATER}",
    "{C} has a sleepover {LATER}", "I took my medication as prescribed", "I've got a doctor's appointment about my sleep",
    "I'm going to tell {P} how I feel {LATER}", "{PS} asked me to give {P} space and I have",
    "I had one pint at the wedding and went home", "I'm picking up the kids {LATER}",
    # more of the everyday and the hard-but-fine
    "I was gutted when {PS} said {PS} needed a break but I'm giving {P} space",
    "{PS} went out with {PP} friends and I was fine with it", "I felt jealous but I talked to {P} about it calmly",
    "I told {P} I was angry and then we both calmed down", "I'm seeing my counsellor {LATER}",
    "my dad used to batter my mum and I don't want to be like him", "I've had a terrible day at work, proper stressful",
    "I'm struggling with money but I've spoken to the bank", "I snapped at {C} and said sorry straight after",
    "I'm knackered from night shifts", "{C} had a tantrum in Tesco, we got through it", "I'm not allowed to drive yet after the op",
    "I'm not drinking this weekend, got the kids", "{PS} has the car today so I'm getting the bus",
    "I handed my phone to {P} so {PS} could look at the photos", "we went through the budget together",
    "I'm going to see the kids at my mum's as agreed {LATER}", "the court hearing got moved to next month",
    "I'm fuming about the bin collection", "I watched the darts and went to bed", "my knee is killing me after football",
    "the lads were ribbing me at work, all banter", "I cried at the end of the film", "I keep my tools in the van for work",
    "I use a Stanley knife every day at work", "I bought a new kitchen knife set for the flat",
    "we had a pillow fight with {C}, they loved it", "{C} choked on a grape but spat it out, scary", "I shot a video of {C}'s first steps",
    "I'm so tired I could die", "I'm dying to get home", "I'd murder a kebab right now", "the suspense is killing me",
    "{PS} said no to the holiday and that's fair enough", "I asked {P} if {PS} wanted to and {PS} said not tonight, so we watched a film",
    "I've been following the news about the election", "I follow Man United", "I tracked my parcel and it's coming {LATER}",
    "I checked in on {P} to see if {PS} got home safe, {PS} asked me to", "{PS} lives near {PP} mum now and the kids are settled",
    "I've done my safety plan with my worker", "I've kept to my bail conditions all month", "I'm glad the order is there, it keeps things calm",
    "I talked to my facilitator about the time I grabbed {P}, it was good to be honest", "I used to check {PP} phone, I don't now",
    "the group talked about jealousy and I recognised myself", "I wrote in my journal instead of texting {P}",
    "I'm raging but I'm not going to do anything, just needed to say it", "I need a minute to calm down, I'll message later",
    "I feel like screaming into a pillow", "I went for a run to burn off the anger", "I punched the bag at boxing {WHEN}",
    "the baby was sick all night, we're shattered", "I had a drink on my birthday and stopped at two", "I'm on the tablets the doctor gave me for my back",
    "gutted, lost at pool again", "{C} scored a goal and I was screaming on the sideline", "I'm proper stressed about the move",
    # keeping away and respecting boundaries: close in topic to stalking and breach, but the opposite
    "I deleted {PP} number so I can't ring {P} when I'm wound up", "I muted {P} on everything so I stop checking",
    "I unfollowed {P} on Instagram, it's healthier", "I gave {PP} key back and I'm keeping my distance",
    "I've not messaged {P} since {PS} asked me to stop", "I turned off location sharing, {PS} doesn't need me watching",
    "I blocked {PP} sister as well so I'm not tempted to ask about {P}", "I stayed away from {PP} street even though it's the quick way",
    "I wanted to text {P} but I wrote it in my journal instead", "I'm keeping to the no contact, it's hard but I'm doing it",
    "I let the solicitor handle it instead of contacting {P}", "{PS} blocked me and I'm respecting that",
    "I go the long way round so I don't pass {PP} work", "I asked my mate not to tell me anything about {P}",
    # plans for a calm talk, Time Out and what I'll say: the programme's own words
    "Let {P} finish before I answer", "I'll listen to {P} first and not interrupt", "I'll wait till {PS}'s done talking",
    "I'm going to say sorry to {P} and mean it", "I'll ask {P} how {PS} feels and just listen", "I'll keep my voice down {LATER}",
    "if it gets heated I'll take a Time Out", "I'll tell {P} I need twenty minutes and come back calm",
    "I'll sit down rather than stand over {P}", "I'm going to give {P} space to speak", "I'll let {P} have the last word",
    "I'll talk to {P} when the kids are in bed", "I'll start by saying I was wrong", "I'll count to ten before I reply to {P}",
    "I'll go for a walk and come back {LATER}", "I'll let {P} decide when we talk", "I'm not going to raise my voice",
    "I'll stop if {PS} says stop and we'll talk another time", "I'll ask if now's a good time before I start",
    "I'll take a breath and let {P} finish", "I'll hear {P} out without arguing back",
]

STYLE_PREFIX = ["", "", "", "ngl ", "honestly ", "tbh ", "to be fair ", "aye ", "look, ", "mate ", "right ",
                "so ", "I'll be honest, ", "not gonna lie ", "swear down "]
STYLE_SUFFIX = ["", "", "", " mate", " innit", " like", " tbh", " lol", "...", " x", " to be honest",
                " pal", " ffs", "!!", " man"]
TEXTING = [("you", "u"), ("tonight", "2nite"), ("because", "cos"), ("going to", "gonna"),
           ("tomorrow", "tmrw"), ("your", "ur"), ("want to", "wanna"), ("with", "wiv"), ("my", "me"),
           ("I'm", "im"), ("I'll", "ill"), ("don't", "dont"), ("can't", "cant")]


def _fill(rng: random.Random, template: str) -> str:
    obj, subj, poss = rng.choice(PARTNERS)
    text = template
    for slot, value in (("{PS}", subj), ("{PP}", poss), ("{P}", obj)):
        text = text.replace(slot, value)
    for slot, pool in (("{C}", CHILDREN), ("{O}", OTHERS), ("{WHEN}", WHEN), ("{LATER}", LATER),
                       ("{hit}", HIT), ("{hurt}", HURT)):
        while slot in text:
            text = text.replace(slot, rng.choice(pool), 1)
    text = re.sub(r"\b(he|she)'s\b", lambda m: m.group(0), text)
    return text[0].upper() + text[1:] if text else text


def _style(rng: random.Random, text: str) -> str:
    roll = rng.random()
    if roll < 0.3:
        text = text.lower()
        for a, b in TEXTING:
            if rng.random() < 0.6:
                text = re.sub(rf"\b{re.escape(a.lower())}\b", b, text)
        text = text.replace("'", "")
    elif roll < 0.5:
        text = text.replace("'", "")
    text = rng.choice(STYLE_PREFIX) + text + rng.choice(STYLE_SUFFIX)
    if rng.random() < 0.15:
        text = text.rstrip(".!") + "."
    return text


def build(seed: int = 9) -> list[dict[str, object]]:
    groups: list[tuple[str, list[str], bool, str | None, list[str]]] = [
        ("partner.past", PARTNER_PAST, True, "concern", ["partner_harm"]),
        ("partner.control", CONTROL, True, "concern", ["partner_harm"]),
        ("partner.intent", PARTNER_INTENT, True, "urgent", ["partner_harm"]),
        ("strangulation", STRANGLE, True, "urgent", ["strangulation", "partner_harm"]),
        ("weapon.partner", WEAPON_PARTNER, True, "urgent", ["weapon", "partner_harm"]),
        ("weapon.other", WEAPON_OTHER, True, "urgent", ["weapon", "harm_to_others"]),
        ("weapon.access", WEAPON_ACCESS, True, "concern", ["weapon"]),
        ("others.past", OTHERS_PAST, True, "concern", ["harm_to_others"]),
        ("others.intent", OTHERS_INTENT, True, "urgent", ["harm_to_others"]),
        ("self.urgent", SELF_URGENT, True, "urgent", ["self_harm"]),
        ("self.concern", SELF_CONCERN, True, "concern", ["self_harm"]),
        ("child.concern", CHILD_CONCERN, True, "concern", ["child_harm"]),
        ("child.urgent", CHILD_URGENT, True, "urgent", ["child_harm"]),
        ("stalking", STALKING, True, "concern", ["stalking"]),
        ("stalking.now", STALKING_URGENT, True, "urgent", ["stalking"]),
        ("breach", BREACH, True, "concern", ["breach"]),
        ("breach.now", BREACH_URGENT, True, "urgent", ["breach"]),
        ("sexual.urgent", SEXUAL_URGENT, True, "urgent", ["sexual_coercion"]),
        ("sexual.concern", SEXUAL_CONCERN, True, "concern", ["sexual_coercion"]),
        ("substance", SUBSTANCE, True, "concern", ["substance"]),
        ("negative", NEG, False, None, []),
    ]
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for name, templates, flag, severity, categories in groups:
        for number, template in enumerate(templates):
            # One generator per template: adding a template leaves every other row as it was.
            rng = random.Random(f"{seed}:{name}:{number}")
            extra = ["partner_harm"] if name == "substance" and "{P}" in template and "hit" in template \
                else []
            made = 0
            timeless = "{WHEN}" not in template and "{LATER}" not in template
            for _ in range(PER_TEMPLATE * 4):
                filled = _fill(rng, template)
                if timeless and rng.random() < 0.35:
                    # Times ("tonight", "when I get in") on safe rows as well as risky ones,
                    # so the layer does not learn that a time of day is itself a risk.
                    filled = f"{filled} {rng.choice(WHEN + LATER)}"
                text = _style(rng, filled)
                if text.lower() in seen:
                    continue
                seen.add(text.lower())
                rows.append({"text": text, "flag": flag, "severity": severity,
                             "categories": categories + extra,
                             "note": f"template {name}.{number}"})
                made += 1
                if made >= (PER_TEMPLATE * 2 if not flag else PER_TEMPLATE):
                    break
    return rows


def main() -> int:
    rows = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    positives = sum(1 for r in rows if r["flag"])
    print(f"{len(rows)} rows ({positives} risky, {len(rows) - positives} not) -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
