"""The outbox repository, one query at a time: which rows each call touches, which it leaves,
what it clears, and the count it returns. Every test builds rows in each state next to the
ones that should change, so a widened or narrowed condition shows (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta

from bot.app import App
from bot.sender import _pid_alive
from storage.models import OutboxMessage

CHAT, OTHER = 5101, 5102
ME, PEER = "hostA:100:aaaa", "hostA:200:bbbb"


def naive(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=None) if moment is not None else None


async def add(app: App, *, chat: int = CHAT, status: str = "pending", key: str | None = None,
              not_before: timedelta = timedelta(), claimed_ago: timedelta | None = None,
              worker: str | None = None, lease_left: timedelta | None = None,
              created_ago: timedelta = timedelta(), sent_ago: timedelta | None = None,
              retry_in: timedelta | None = None) -> int:
    now = app.clock.now()
    async with app.uow() as uow:
        row = OutboxMessage(
            chat_id=chat, audience="participant", payload_enc=b"x", idempotency_key=key,
            not_before=now + not_before, status=status, attempts=0, created_at=now - created_ago,
            claimed_at=now - claimed_ago if claimed_ago is not None else None,
            claimed_by=worker,
            lease_until=now + lease_left if lease_left is not None else None,
            sent_at=now - sent_ago if sent_ago is not None else None,
            retry_at=now + retry_in if retry_in is not None else None)
        uow.session.add(row)
        await uow.session.flush()
        row_id = row.id
        await uow.commit()
    return row_id


async def rows(app: App) -> dict[int, OutboxMessage]:
    async with app.uow() as uow:
        found = await uow.outbox.all()
        for row in found:
            uow.session.expunge(row)
        return {row.id: row for row in found}


def released(row: OutboxMessage) -> bool:
    return (row.status, row.claimed_at, row.claimed_by, row.lease_until) == (
        "pending", None, None, None)


# --- giving claims back -------------------------------------------------------------------

async def test_release_claims_of_gives_back_only_that_workers_rows_in_flight(app: App) -> None:
    mine = [await add(app, status="sending", claimed_ago=timedelta(seconds=5), worker=ME,
                      lease_left=timedelta(seconds=25)) for _ in range(2)]
    peer = await add(app, status="sending", claimed_ago=timedelta(seconds=5), worker=PEER,
                     lease_left=timedelta(seconds=25))
    failed = await add(app, status="failed", worker=ME)

    async with app.uow() as uow:
        count = await uow.outbox.release_claims_of(ME)
        await uow.commit()

    assert count == 2
    after = await rows(app)
    assert all(released(after[i]) for i in mine)
    assert after[peer].status == "sending" and after[peer].claimed_by == PEER
    assert after[failed].status == "failed"


async def test_release_expired_takes_rows_whose_lease_ran_out_or_never_was(app: App) -> None:
    expired = await add(app, status="sending", claimed_ago=timedelta(minutes=1), worker=PEER,
                        lease_left=-timedelta(seconds=1))
    no_lease = await add(app, chat=OTHER, status="sending", claimed_ago=timedelta(minutes=1))
    live = await add(app, chat=OTHER + 1, status="sending", claimed_ago=timedelta(seconds=1),
                     worker=ME, lease_left=timedelta(seconds=29))
    pending = await add(app, chat=OTHER + 2, lease_left=-timedelta(seconds=1))

    async with app.uow() as uow:
        count = await uow.outbox.release_expired(app.clock.now())
        await uow.commit()

    assert count == 2
    after = await rows(app)
    assert released(after[expired]) and released(after[no_lease])
    assert after[live].status == "sending" and after[live].claimed_by == ME
    assert after[pending].status == "pending"


async def test_release_stale_claims_takes_claims_older_than_the_limit_only(app: App) -> None:
    limit = timedelta(minutes=5)
    stale = await add(app, status="sending", claimed_ago=limit + timedelta(seconds=1),
                      worker=PEER, lease_left=timedelta(minutes=1))
    edge = await add(app, chat=OTHER, status="sending", claimed_ago=limit, worker=PEER,
                     lease_left=timedelta(minutes=1))
    sent = await add(app, chat=OTHER + 1, status="sent", claimed_ago=limit * 2,
                     sent_ago=limit)

    async with app.uow() as uow:
        await uow.outbox.release_stale_claims(app.clock.now(), limit)
        await uow.commit()

    after = await rows(app)
    assert released(after[stale])
    assert after[edge].status == "sending" and after[edge].claimed_by == PEER
    assert after[sent].status == "sent"


async def test_renew_extends_only_this_workers_rows_in_flight(app: App) -> None:
    mine = await add(app, status="sending", claimed_ago=timedelta(seconds=20), worker=ME,
                     lease_left=timedelta(seconds=10))
    peer = await add(app, chat=OTHER, status="sending", claimed_ago=timedelta(seconds=20),
                     worker=PEER, lease_left=timedelta(seconds=10))
    done = await add(app, chat=OTHER + 1, status="failed", worker=ME,
                     lease_left=timedelta(seconds=10))
    until = app.clock.now() + timedelta(seconds=30)

    async with app.uow() as uow:
        count = await uow.outbox.renew(ME, until)
        await uow.commit()

    assert count == 1
    after = await rows(app)
    assert naive(after[mine].lease_until) == naive(until)
    assert naive(after[peer].lease_until) == naive(app.clock.now() + timedelta(seconds=10))
    assert naive(after[done].lease_until) == naive(app.clock.now() + timedelta(seconds=10))


async def test_claimed_by_host_matches_the_host_literally(app: App) -> None:
    mine = await add(app, status="sending", worker="my_host:10:aa")
    await add(app, chat=OTHER, status="sending", worker="myXhost:11:bb")  # "_" is no wildcard
    await add(app, chat=OTHER + 1, status="pending", worker="my_host:12:cc")

    async with app.uow() as uow:
        found = await uow.outbox.claimed_by_host("my_host")

    assert found == [(mine, "my_host:10:aa")]


def test_a_live_process_is_alive_and_a_finished_one_is_not() -> None:
    assert _pid_alive(os.getpid()) is True
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert _pid_alive(proc.pid) is False


# --- claiming -----------------------------------------------------------------------------

async def test_claim_due_takes_the_first_due_row_of_each_chat_and_records_the_lease(
        app: App) -> None:
    first = await add(app)
    second = await add(app)  # held back behind the first
    later_first = await add(app, chat=OTHER, not_before=timedelta(minutes=5))
    other_due = await add(app, chat=OTHER)  # a future row does not hold a due one back
    retrying = await add(app, chat=OTHER + 1, retry_in=timedelta(seconds=30))
    now = app.clock.now()

    async with app.uow() as uow:
        claimed = [r.id for r in await uow.outbox.claim_due(now, worker=ME,
                                                            lease=timedelta(seconds=30))]
        await uow.commit()

    assert claimed == [first, other_due]
    after = await rows(app)
    assert (after[first].status, after[first].claimed_by) == ("sending", ME)
    assert naive(after[first].claimed_at) == naive(now)
    assert naive(after[first].lease_until) == naive(now + timedelta(seconds=30))
    assert after[second].status == after[later_first].status == "pending"
    assert after[retrying].status == "pending"


async def test_claim_due_respects_its_limit(app: App) -> None:
    ids = [await add(app, chat=CHAT + n) for n in range(3)]
    async with app.uow() as uow:
        claimed = [r.id for r in await uow.outbox.claim_due(app.clock.now(), limit=2)]
        await uow.commit()
    assert claimed == ids[:2]


# --- outcomes -----------------------------------------------------------------------------

async def test_mark_retry_and_failed_count_the_attempt_and_keep_only_200_characters(
        app: App) -> None:
    retry = await add(app, status="sending", worker=ME, lease_left=timedelta(seconds=5))
    failed = await add(app, chat=OTHER, status="sending", worker=ME,
                       lease_left=timedelta(seconds=5))
    at = app.clock.now() + timedelta(seconds=7)
    async with app.uow() as uow:
        await uow.outbox.mark_retry(retry, at, "E" * 300)
        await uow.outbox.mark_failed(failed, "F" * 300)
        await uow.commit()

    after = await rows(app)
    r, f = after[retry], after[failed]
    assert released(r) and naive(r.retry_at) == naive(at) and r.attempts == 1
    assert r.last_error == "E" * 200 and r.payload_enc == b"x"
    assert (f.status, f.claimed_by, f.lease_until, f.payload_enc) == ("failed", None, None, None)
    assert f.attempts == 1 and f.last_error == "F" * 200


async def test_mark_sent_drops_the_text_and_the_claim(app: App) -> None:
    row = await add(app, status="sending", worker=ME, lease_left=timedelta(seconds=5))
    async with app.uow() as uow:
        await uow.outbox.mark_sent(row, 77, app.clock.now())
        await uow.commit()
    sent = (await rows(app))[row]
    assert (sent.status, sent.telegram_message_id, sent.payload_enc) == ("sent", 77, None)
    assert (sent.claimed_by, sent.lease_until) == (None, None)
    assert naive(sent.sent_at) == naive(app.clock.now())


# --- cancelling and forgetting ------------------------------------------------------------

async def test_cancel_scheduled_deletes_only_this_chats_later_rows(app: App) -> None:
    later = await add(app, not_before=timedelta(hours=1))
    due_now = await add(app)
    sending_later = await add(app, status="sending", not_before=timedelta(hours=1))
    other = await add(app, chat=OTHER, not_before=timedelta(hours=1))

    async with app.uow() as uow:
        count = await uow.outbox.cancel_scheduled(CHAT, app.clock.now())
        await uow.commit()

    assert count == 1
    assert set(await rows(app)) == {due_now, sending_later, other}
    assert later not in await rows(app)


async def test_forget_chat_deletes_failed_and_later_rows_and_keeps_what_is_due_now(
        app: App) -> None:
    failed = await add(app, status="failed")
    later = await add(app, not_before=timedelta(minutes=1))
    due_now = await add(app)
    sending = await add(app, status="sending", not_before=timedelta(minutes=1))
    sent = await add(app, status="sent", not_before=timedelta(minutes=1))
    other_failed = await add(app, chat=OTHER, status="failed")

    async with app.uow() as uow:
        count = await uow.outbox.forget_chat(CHAT, app.clock.now())
        await uow.commit()

    assert count == 2
    kept = set(await rows(app))
    assert kept == {due_now, sending, sent, other_failed}
    assert failed not in kept and later not in kept


async def test_cancel_pending_matches_the_key_prefix_literally(app: App) -> None:
    hit = await add(app, key="to:1:a")
    await add(app, key="toX1:b")  # "_" or "%" in a prefix must not act as a wildcard
    await add(app, key="to:1:sent", status="sent")
    await add(app, chat=OTHER, key="to:1:other")
    async with app.uow() as uow:
        count = await uow.outbox.cancel_pending(CHAT, "to:1")
        await uow.commit()
    assert count == 1
    assert hit not in await rows(app)
    async with app.uow() as uow:
        assert await uow.outbox.cancel_pending(CHAT, "to_1") == 0
        assert await uow.outbox.cancel_pending(CHAT, "%") == 0


async def test_housekeeping_queries_drop_only_old_failed_or_old_sent_rows(app: App) -> None:
    day = timedelta(days=1)
    old_failed = await add(app, status="failed", created_ago=31 * day)
    new_failed = await add(app, status="failed", created_ago=29 * day)
    old_sent = await add(app, status="sent", sent_ago=8 * day, created_ago=31 * day)
    new_sent = await add(app, status="sent", sent_ago=6 * day)
    pending_old = await add(app, chat=OTHER, created_ago=40 * day)
    now = app.clock.now()

    async with app.uow() as uow:
        assert await uow.outbox.forget_failed_before(now - 30 * day) == 1
        assert await uow.outbox.forget_sent_before(now - 7 * day) == 1
        await uow.commit()

    assert set(await rows(app)) == {new_failed, new_sent, pending_old}
    assert old_failed not in await rows(app) and old_sent not in await rows(app)


async def test_housekeeping_keeps_a_row_exactly_at_the_cutoff(app: App) -> None:
    day = timedelta(days=1)
    at_cutoff_sent = await add(app, status="sent", sent_ago=7 * day)
    at_cutoff_failed = await add(app, status="failed", created_ago=30 * day)
    now = app.clock.now()
    async with app.uow() as uow:
        assert await uow.outbox.forget_sent_before(now - 7 * day) == 0
        assert await uow.outbox.forget_failed_before(now - 30 * day) == 0
        await uow.commit()
    assert set(await rows(app)) == {at_cutoff_sent, at_cutoff_failed}


async def test_every_delete_and_release_reports_zero_when_nothing_matched(app: App) -> None:
    now = app.clock.now()
    await add(app, status="sent", sent_ago=timedelta(minutes=1))
    async with app.uow() as uow:
        outbox = uow.outbox
        assert await outbox.release_expired(now) == 0
        assert await outbox.release_claims_of(ME) == 0
        assert await outbox.renew(ME, now) == 0
        assert await outbox.cancel_pending(CHAT, "nothing:") == 0
        assert await outbox.cancel_scheduled(CHAT, now) == 0
        assert await outbox.forget_chat(CHAT, now) == 0
        assert await outbox.forget_failed_before(now) == 0
        assert await outbox.forget_sent_before(now - timedelta(hours=1)) == 0
