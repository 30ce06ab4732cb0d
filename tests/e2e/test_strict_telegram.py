"""End to end against the fake's stricter Telegram behaviour: a facilitator who never
opened the bot cannot be messaged (403 "can't initiate conversation"), so an alert for
them goes to the team chat at once; sends that fail with 5xx, and getUpdates failures,
are retried without losing anything."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.config import Settings
from storage.uow import UnitOfWork
from tests.e2e.conftest import FACILITATOR_ID, Person, RunningBot, start_bot
from tests.e2e.fake_bot_api import FakeBotAPI

TEAM_CHAT = -100_4242
PARTICIPANT_ID = 8401


async def _set_team_chat(uow: UnitOfWork) -> None:
    await uow.settings.put("team_chat_id", str(TEAM_CHAT))
    await uow.commit()


async def _onboard(person: Person, invite_code: str) -> None:
    await person.through_consent(invite_code)
    person.say("Sam")
    ask_time = await person.next("When would you like a daily check-in?")
    person.tap(ask_time, "No daily check-in")
    await person.next("Done")
    await person.next()  # the menu


async def test_alert_to_a_facilitator_who_never_started_the_bot_escalates_at_once(
    fake: FakeBotAPI, settings: Settings, invite_code: str,
    person: Callable[..., Person],
    with_uow: Callable[[Callable[[UnitOfWork], Awaitable[None]]], Awaitable[None]],
) -> None:
    fake.add_user(FACILITATOR_ID, "Frankie", "frankie_facilitator", started=False)
    fake.add_group(TEAM_CHAT, "Invented duty team")
    await with_uow(_set_team_chat)
    running: RunningBot = await start_bot(settings, fake)
    try:
        sam = person(PARTICIPANT_ID, "Sam")
        await _onboard(sam, invite_code)
        sam.say("i've got a knife and i'm going to use it on her tonight")
        await sam.next("999")
        team = Person(fake, TEAM_CHAT)
        escalation = await team.next("knife")
        assert "Acknowledge" in str(escalation.get("reply_markup"))
        refused = [call for call in fake.failed_calls
                   if call[0] == "sendMessage" and call[1].get("chat_id") == FACILITATOR_ID]
        assert refused and all(call[2] == 403 for call in refused)
    finally:
        await running.stop()


async def test_server_errors_and_failed_polls_lose_no_reply(
    fake: FakeBotAPI, settings: Settings, invite_code: str, person: Callable[..., Person],
) -> None:
    running = await start_bot(settings, fake)
    try:
        sam = person(PARTICIPANT_ID, "Sam")
        fake.fail_next("getUpdates", 502, "Bad Gateway")
        fake.fail_next("sendMessage", 500, "Internal Server Error: restart")
        sam.say(f"/start {invite_code}")
        intro = await sam.next("Steady")
        assert [c[2] for c in fake.failed_calls] == [502, 500]
        assert "Continue" in str(intro.get("reply_markup"))
    finally:
        await running.stop()
