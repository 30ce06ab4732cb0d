"""A facilitator's /caseload and /flags in Telegram: their own participants only (checked
by the update's user id), the newest concern first, every participant shown audited, and
never in a group chat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from dialogues.events import Kind
from storage.models import AuditEntry, Participant
from tests.integration.conftest import (
    FACILITATOR_ID,
    InboundFactory,
    RecordingChannel,
    User,
    UserFactory,
    onboard,
    say,
    seed_facilitator,
    seed_invite,
)
from tests.integration.test_safeguarding import TEAM_CHAT, URGENT_TEXT, set_team_chat

OTHER_FACILITATOR = 7002
ALEX, BEA, CAL = 8701, 8702, 8703


async def people(app: App, invite_code: str, user: UserFactory) -> tuple[User, User, User]:
    """Alex (p-017) and Cal (p-019) are Robin's; Bea (p-018) is another facilitator's."""
    await seed_facilitator(app, OTHER_FACILITATOR, "Kit Facilitator")
    alex, bea, cal = user(ALEX), user(BEA), user(CAL)
    await onboard(alex, invite_code)
    await onboard(bea, await seed_invite(app, OTHER_FACILITATOR, alias="p-018"))
    await onboard(cal, await seed_invite(app, alias="p-019"))
    return alex, bea, cal


async def audits(app: App, action: str) -> list[tuple[str, int | None, dict[str, str]]]:
    async with app.uow() as uow:
        rows = await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [(row.actor, row.participant_id, dict(row.detail)) for row in rows]


async def test_a_caseload_lists_only_ones_own_participants_newest_concern_first(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock) -> None:
    _, bea, cal = await people(app, invite_code, user)
    await cal.type(URGENT_TEXT)
    await bea.type(URGENT_TEXT)
    clock.advance(timedelta(days=1))

    [listing] = user(FACILITATOR_ID).mine(await user(FACILITATOR_ID).type("/caseload"))

    lines = listing.splitlines()
    assert lines[0] == say(app, "facilitator.caseload.header", count="2")
    assert lines[1].startswith("• p-019: active") and "Open flags: 1." in lines[1]
    assert lines[2].startswith("• p-017: active") and "No open flags." in lines[2]
    assert "p-018" not in listing
    [kit_listing] = user(OTHER_FACILITATOR).mine(await user(OTHER_FACILITATOR).type("/caseload"))
    assert "p-018" in kit_listing and "p-017" not in kit_listing and "p-019" not in kit_listing


async def test_every_participant_shown_in_a_caseload_is_audited(
        app: App, invite_code: str, user: UserFactory) -> None:
    await people(app, invite_code, user)
    await user(FACILITATOR_ID).type("/caseload")

    async with app.uow() as uow:
        ids = {p.alias: p.id for p in await uow.session.scalars(
            select(Participant))}
    assert sorted(await audits(app, "caseload.viewed"), key=lambda a: a[1] or 0) == [
        ("facilitator:1", ids["p-017"], {}), ("facilitator:1", ids["p-019"], {})]


async def test_flags_lists_ones_own_live_flags_with_their_buttons_and_audits_them(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel) -> None:
    alex, bea, _ = await people(app, invite_code, user)
    await alex.type(URGENT_TEXT)
    await bea.type(URGENT_TEXT)
    robin = user(FACILITATOR_ID)

    turn = await robin.type("/flags")

    [item] = robin.mine(turn)
    assert item.startswith("URGENT flag #1 for p-017, not yet acknowledged")
    assert channel.labels(FACILITATOR_ID) == ["Acknowledge", "Close with note"]
    assert [a[2] for a in await audits(app, "flag.listed")] == [{"flag_id": "1"}]
    press = await robin.press("Acknowledge")  # the listed buttons work like the alert's
    assert press.result.callback_answer == "Acknowledged. Thank you."
    assert user(OTHER_FACILITATOR).mine(await user(OTHER_FACILITATOR).type("/flags"))[0] \
        .startswith("URGENT flag #2 for p-018")


async def test_with_no_live_flags_flags_says_so(
        app: App, invite_code: str, user: UserFactory) -> None:
    await people(app, invite_code, user)
    robin = user(FACILITATOR_ID)
    assert robin.mine(await robin.type("/flags")) == [say(app, "facilitator.flags.none")]


async def test_a_caseload_is_never_shown_in_a_group(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel,
        make_inbound: InboundFactory) -> None:
    await people(app, invite_code, user)
    await set_team_chat(app)
    before = len(channel.sent)
    await app.engine.handle(make_inbound(FACILITATOR_ID, Kind.COMMAND, "/caseload",
                                         chat_id=TEAM_CHAT))
    await app.sender.dispatch_due()
    assert not any("p-017" in sent.text for sent in channel.sent[before:])
    assert await audits(app, "caseload.viewed") == []


async def test_someone_who_is_not_a_facilitator_gets_no_caseload(
        app: App, invite_code: str, user: UserFactory) -> None:
    alex, _, _ = await people(app, invite_code, user)
    turn = await alex.type("/caseload")
    assert not any("p-019" in text for text in alex.mine(turn))
    assert await audits(app, "caseload.viewed") == []


async def participant_row(app: App, alias: str) -> Participant:
    async with app.uow() as uow:
        [row] = list(await uow.session.scalars(select(Participant).where(
            Participant.alias == alias)))
        uow.session.expunge(row)
        return row


async def test_status_changes_ones_own_participant_cancels_what_was_planned_and_audits(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock) -> None:
    await people(app, invite_code, user)
    await app.planner.plan()  # check-in prompts and the like, queued ahead
    robin = user(FACILITATOR_ID)

    reply = robin.mine(await robin.type("/status p-019 paused"))

    assert reply == [say(app, "facilitator.status.done", alias="p-019", status="paused")]
    cal = await participant_row(app, "p-019")
    assert cal.status == "paused" and cal.next_plan_at is None
    async with app.uow() as uow:
        planned = [r for r in await uow.outbox.all()
                   if r.chat_id == CAL and r.status == "pending" and r.not_before > clock.now()]
    assert planned == []
    assert [(a[0], a[2]) for a in await audits(app, "participant.status")] == [
        ("facilitator:1", {"from": "active", "to": "paused"})]


async def test_week_sets_the_programme_week_from_today(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock) -> None:
    await people(app, invite_code, user)
    robin = user(FACILITATOR_ID)

    reply = robin.mine(await robin.type("/week p-017 5"))

    assert reply == [say(app, "facilitator.week.done", alias="p-017", week="5")]
    alex = await participant_row(app, "p-017")
    assert alex.start_date == clock.now().date() - timedelta(weeks=4)
    assert robin.mine(await robin.type("/caseload"))[0].splitlines()[1].startswith(
        "• p-017: active, week 5.")


@pytest.mark.parametrize("command", [
    "/status p-018 paused",  # another facilitator's participant: as if there were none
    "/week p-018 3",
    "/status p-404 paused",
])
async def test_status_and_week_never_reach_someone_elses_participant(
        app: App, invite_code: str, user: UserFactory, command: str) -> None:
    await people(app, invite_code, user)
    robin = user(FACILITATOR_ID)
    alias = command.split()[1]

    reply = robin.mine(await robin.type(command))

    assert reply == [say(app, "facilitator.no_such_participant", alias=alias)]
    if alias == "p-018":
        bea = await participant_row(app, "p-018")
        assert (bea.status, bea.start_date) == ("active", None)
    assert await audits(app, "participant.status") == []
    assert await audits(app, "participant.week") == []


@pytest.mark.parametrize(("command", "usage"), [
    ("/status", "facilitator.status.usage"), ("/status p-017", "facilitator.status.usage"),
    ("/status p-017 left", "facilitator.status.usage"),
    ("/status p-017 waiting", "facilitator.status.usage"),
    ("/week p-017 0", "facilitator.week.usage"), ("/week p-017 23", "facilitator.week.usage"),
    ("/week p-017 ５", "facilitator.week.usage"), ("/week p-017 five", "facilitator.week.usage"),
    ("/week p-017 5 6", "facilitator.week.usage"),
])
async def test_a_malformed_status_or_week_says_how_and_changes_nothing(
        app: App, invite_code: str, user: UserFactory, command: str, usage: str) -> None:
    await people(app, invite_code, user)
    robin = user(FACILITATOR_ID)
    before = await participant_row(app, "p-017")

    assert robin.mine(await robin.type(command)) == [say(app, usage)]

    after = await participant_row(app, "p-017")
    assert (after.status, after.start_date) == (before.status, before.start_date)
