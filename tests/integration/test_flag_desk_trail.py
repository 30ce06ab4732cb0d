"""More of the flag desk's rules, pinned against the mutants that survived the 2026-12-04
mutation run of ``bot/flags.py``: whose participant every audit row names, what an
acknowledgement posts and where, who may press in which chat, and that a worse message
never moves an escalation later."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from dialogues.events import Kind
from storage.models import OutboxMessage, Participant
from storage.outbox import PRIORITY_SAFETY
from tests.integration.conftest import (
    FACILITATOR_ID,
    InboundFactory,
    RecordingChannel,
    User,
    UserFactory,
    onboard,
    say,
    seed_invite,
)
from tests.integration.test_flag_desk_rules import (
    audit,
    escalate_to_team,
    escalated_with_a_duty_member,
    naive,
    participant_db_id,
    the_flag,
)
from tests.integration.test_safeguarding import (
    CONCERN_TEXT,
    DUTY_MEMBER,
    PARTICIPANT,
    TEAM_CHAT,
    URGENT_TEXT,
    set_team_chat,
)

OTHER_GROUP = -100777


@pytest.fixture
async def participant(app: App, invite_code: str, user: UserFactory) -> User:
    person = user(PARTICIPANT)
    await onboard(person, invite_code)
    return person


async def test_acknowledging_and_escalating_are_audited_as_the_participants_by_their_actor(
        app: App, participant: User, clock: FakeClock, user: UserFactory) -> None:
    await set_team_chat(app)
    await participant.type(URGENT_TEXT)
    await escalate_to_team(app, clock)
    await user(FACILITATOR_ID).press("Acknowledge")
    who = await participant_db_id(app)

    [escalated] = await audit(app, "flag.escalated")
    [acknowledged] = await audit(app, "flag.acknowledged")
    assert (escalated.actor, escalated.participant_id) == ("system", who)
    assert (acknowledged.actor, acknowledged.participant_id) == ("facilitator:1", who)


async def test_a_blocked_escalation_is_audited_as_the_systems_for_the_participant(
        app: App, participant: User, clock: FakeClock) -> None:
    await participant.type(URGENT_TEXT)
    clock.advance(timedelta(minutes=16))
    assert await app.escalate() == 0  # no team chat
    [blocked] = await audit(app, "flag.escalation_blocked")
    assert (blocked.actor, blocked.participant_id) == ("system", await participant_db_id(app))


async def test_the_acknowledgement_notices_name_the_flag_go_first_and_to_the_right_audiences(
        app: App, participant: User, clock: FakeClock, user: UserFactory) -> None:
    await set_team_chat(app)
    await participant.type(URGENT_TEXT)
    await escalate_to_team(app, clock)
    flag = await the_flag(app)
    await user(FACILITATOR_ID).press("Acknowledge")

    async with app.uow() as uow:
        rows = list(await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.flag_id.is_(None),
                                        OutboxMessage.chat_id.in_([FACILITATOR_ID, TEAM_CHAT]))
            .order_by(OutboxMessage.id)))
        notices = [(r.chat_id, r.audience, r.priority) for r in rows][-2:]
    assert notices == [(FACILITATOR_ID, "facilitator", PRIORITY_SAFETY),
                       (TEAM_CHAT, "team", PRIORITY_SAFETY)]
    expected = say(app, "flag.acknowledged", flag_id=str(flag.id),
                   by=say(app, "flag.by_facilitator"))
    assert user(FACILITATOR_ID).channel.to(TEAM_CHAT)[-1].text == expected


async def test_a_duty_member_may_not_act_from_any_other_group(
        app: App, participant: User, clock: FakeClock, channel: RecordingChannel,
        make_inbound: InboundFactory) -> None:
    await escalated_with_a_duty_member(app, participant, clock)
    data = channel.callback_data(TEAM_CHAT, "Acknowledge")

    result = await app.engine.handle(
        make_inbound(DUTY_MEMBER, Kind.BUTTON, data, chat_id=OTHER_GROUP))

    assert result.callback_answer == say(app, "flag.not_yours")
    assert (await the_flag(app)).acknowledged_at is None
    [refused] = await audit(app, "flag.press_refused")
    assert refused.detail["chat"] == "team"  # pressed in a group, not a private chat


async def test_a_press_on_a_flag_that_does_not_exist_is_an_expired_button(
        app: App, participant: User, user: UserFactory) -> None:
    turn = await user(FACILITATOR_ID).press_data("f:ack:999")
    assert turn.result.callback_answer == say(app, "common.expired_button")


async def test_each_due_flag_counts_once_in_an_escalation_round(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock,
        participant: User) -> None:
    await set_team_chat(app)
    other = user(PARTICIPANT + 1)
    await onboard(other, await seed_invite(app, alias="p-031"))
    await participant.type(URGENT_TEXT)
    await other.type(URGENT_TEXT)
    clock.advance(timedelta(minutes=16))
    assert await app.escalate() == 2


async def test_an_unassigned_participants_disclosure_reaches_the_team_and_they_are_told(
        app: App, participant: User, channel: RecordingChannel) -> None:
    await set_team_chat(app)
    async with app.uow() as uow:
        row = await uow.session.get(Participant, await participant_db_id(app))
        assert row is not None
        row.facilitator_id = None
        await uow.commit()

    turn = await participant.type(URGENT_TEXT)

    assert any(URGENT_TEXT in sent.text for sent in channel.to(TEAM_CHAT))
    # The reply says someone was told (an alert row exists), and goes before the alert.
    mine = [n for n, sent in enumerate(turn.sent) if sent.chat_id == PARTICIPANT]
    team = [n for n, sent in enumerate(turn.sent) if sent.chat_id == TEAM_CHAT]
    assert mine and team and mine[0] < team[0]
    assert turn.sent[mine[0]].text in [say(app, "safety.urgent_strangulation")]


async def test_a_worse_message_never_moves_a_due_escalation_later(
        app: App, participant: User, clock: FakeClock) -> None:
    await participant.type(CONCERN_TEXT)
    flag = await the_flag(app)
    async with app.uow() as uow:  # its alert could not be delivered: due now
        await app.flags.escalate_now(uow, flag.id, clock.now())
        await uow.commit()
    clock.advance(timedelta(minutes=1))
    assert await app.escalate() == 0  # no team chat: tried again in 15 minutes
    retry_at = (await the_flag(app)).escalate_at
    assert naive(retry_at) == naive(clock.now() + timedelta(minutes=15))

    clock.advance(timedelta(minutes=1))
    await participant.type(URGENT_TEXT)  # worse, grouped: its own deadline is later

    after = await the_flag(app)
    assert after.severity == "urgent"
    assert naive(after.escalate_at) == naive(retry_at)



async def test_a_facilitator_who_has_left_cannot_acknowledge_even_if_still_assigned(
        app: App, participant: User, clock: FakeClock, user: UserFactory) -> None:
    await participant.type(URGENT_TEXT)
    async with app.uow() as uow:  # left, though a row still names them (deactivation unassigns)
        facilitator = await uow.facilitators.by_telegram_id(FACILITATOR_ID)
        assert facilitator is not None
        facilitator.deactivated_at = clock.now()
        await uow.commit()

    turn = await user(FACILITATOR_ID).press("Acknowledge")

    assert turn.result.callback_answer == say(app, "flag.not_yours")
    assert (await the_flag(app)).acknowledged_at is None


async def test_an_alert_names_the_participant_and_is_a_safety_row(
        app: App, participant: User, channel: RecordingChannel) -> None:
    await participant.type(URGENT_TEXT)
    [alert] = [s for s in channel.to(FACILITATOR_ID) if "flag #" in s.text]
    assert alert.text.splitlines()[0] == "URGENT safeguarding flag #1 for p-017"
    async with app.uow() as uow:
        rows = [(r.chat_id, r.audience, r.priority) for r in await uow.outbox.all()
                if r.flag_id is not None]
    assert rows == [(FACILITATOR_ID, "facilitator", PRIORITY_SAFETY)]


async def test_a_follow_up_alert_counts_the_messages_and_says_why(
        app: App, participant: User, channel: RecordingChannel, user: UserFactory) -> None:
    await participant.type(CONCERN_TEXT)
    await participant.type(URGENT_TEXT)  # worse, grouped under the same flag
    update = channel.to(FACILITATOR_ID)[-1].text
    assert update.splitlines()[0] == "Flag #1 for p-017 is now URGENT (2 messages)."
    assert update.splitlines()[1].startswith("Why it was flagged: talks of")


async def test_a_button_press_alert_says_what_the_person_chose_and_a_typed_one_why(
        app: App, participant: User, channel: RecordingChannel) -> None:
    await participant.drive("Menu")
    await participant.drive("Urgent help")
    await participant.drive("I'm not safe")
    [pressed] = [s for s in channel.to(FACILITATOR_ID) if "flag #" in s.text]
    assert "Why it was flagged: the participant used the Urgent help button" in pressed.text


async def test_a_typed_alert_says_which_kind_of_risk_not_the_button(
        app: App, participant: User, channel: RecordingChannel) -> None:
    await participant.type(URGENT_TEXT)
    [alert] = [s for s in channel.to(FACILITATOR_ID) if "flag #" in s.text]
    assert "Urgent help button" not in alert.text
    assert "Why it was flagged: talks of" in alert.text


async def test_a_flags_evidence_records_rule_category_severity_and_match(
        app: App, participant: User) -> None:
    await participant.type(URGENT_TEXT)
    async with app.uow() as uow:
        [flag] = await uow.flags.listing()
        stored = uow.cipher.decrypt_json(flag.evidence_enc, [])
    assert stored and all(set(item) == {"rule", "category", "severity", "matched"}
                          for item in stored)
    assert any(item["category"] == "strangulation" and item["severity"] == "urgent"
               for item in stored)


async def test_a_press_is_audited_as_the_participants_flag_by_who_pressed(
        app: App, participant: User, user: UserFactory) -> None:
    await participant.type(URGENT_TEXT)
    await user(FACILITATOR_ID).press("Acknowledge")
    [press] = await audit(app, "flag.press.ack")
    assert (press.actor, press.participant_id, press.detail) == (
        "facilitator:1", await participant_db_id(app), {"flag_id": "1"})
