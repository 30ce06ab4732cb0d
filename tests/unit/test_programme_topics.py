"""programme.yaml covers what Appendix E of the programme report lists for each week.

Each row names words that must appear somewhere in the week's text (what the session is
about, the reflection prompt or the practice task), so a later edit cannot quietly drop a
topic the report asks for.
"""

from __future__ import annotations

import pytest

from content.loader import load_content

WEEKS = {week.week: week for week in load_content().programme.weeks}

TOPICS = [
    (1, "needs and adjustments: literacy", ("reading or writing",)),
    (1, "needs and adjustments: neurodiversity", ("ADHD", "autism", "dyslexia")),
    (1, "needs and adjustments: language", ("language",)),
    (1, "current circumstances", ("your life now", "money", "work", "family", "home")),
    (6, "entitlement", ("entitled",)),
    (7, "a stereotypes goal in the plan", ("goal to your plan", "men or women")),
    (8, "gender norms about emotion", ("men and women", "feelings")),
    (9, "gender norms about emotion", ("men show anger",)),
    (10, "gender norms about communication", ("men and women should talk",)),
    (11, "kindness and compassion", ("kindness and compassion",)),
    (14, "manipulation", ("manipulation",)),
    (14, "saying no respectfully", ("saying no respectfully", "hearing no")),
    (15, "mental wellbeing", ("mental wellbeing", "mental health")),
    (16, "impact on victims", ("what it does to the person watched", "fear")),
    (19, "explaining slow-down strategies so they are not used to punish",
     ("explained to a partner", "never be used to punish", "Time Out")),
]


def week_text(number: int) -> str:
    week = WEEKS[number]
    return " ".join((week.about, week.reflection_prompt, week.practice_task))


@pytest.mark.parametrize(("week", "topic", "words"), TOPICS,
                         ids=[f"week{w}-{t}" for w, t, _ in TOPICS])
def test_the_week_covers_the_topic_appendix_e_lists(week: int, topic: str,
                                                    words: tuple[str, ...]) -> None:
    text = week_text(week)
    missing = [word for word in words if word.lower() not in text.lower()]

    assert missing == [], f"week {week} ({topic}) lacks {missing}"


def test_week_one_suggests_voice_typing_rather_than_a_voice_note() -> None:
    # The bot reads typed messages only, so the practice task points to the phone's dictation.
    task = WEEKS[1].practice_task

    assert "voice typing" in task and "voice note" not in task


def test_week_nineteen_leaves_telling_a_partner_to_the_facilitator() -> None:
    assert "Your facilitator decides whether and how your partner is told" in WEEKS[19].about
