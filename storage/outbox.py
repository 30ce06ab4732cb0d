"""The outbox: messages are written in the same transaction as the state that caused them,
and a sender delivers them afterwards, in order per chat.

A row is eligible when it is due and no earlier due row for the same chat is still pending
or being sent, so one slow or retrying message holds back the ones after it in that chat
only. Rows are claimed (status ``sending``) in their own short transaction with
``FOR UPDATE SKIP LOCKED`` so several workers can share one PostgreSQL database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import (
    BindParameter,
    Integer,
    Select,
    bindparam,
    delete,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import OutboxMessage

ACTIVE = ("pending", "sending")
OUTDATED_PER_ROUND = 500  # bounded, so one round's UPDATE stays small; the next takes more
# Who goes first when many rows are due: safety replies and facilitator/team alerts, then
# replies to what the person just did, then proactive messages (reminders, nudges).
PRIORITY_SAFETY = 0
PRIORITY_REPLY = 1
PRIORITY_PROACTIVE = 2
PRIORITIES = (PRIORITY_SAFETY, PRIORITY_REPLY, PRIORITY_PROACTIVE)  # the claim's walk order


@dataclass(frozen=True)
class ClaimedRow:
    """What a sender needs of a row it claimed (plain values: no ORM object to track)."""

    id: int
    chat_id: int
    audience: str
    priority: int
    payload_enc: bytes | None


@cache
def _claim_query() -> Select[int, int, str, int, bytes | None]:
    """One priority's claimable rows, built once: building it (``with_for_update`` in
    particular) cost more than running it against an index."""
    now: BindParameter[datetime] = bindparam("now")
    earlier = aliased(OutboxMessage)
    held_back = exists().where(
        earlier.chat_id == OutboxMessage.chat_id,
        earlier.status.in_(ACTIVE),
        earlier.id < OutboxMessage.id,
        earlier.not_before <= now,
    )
    return (
        select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.audience,
               OutboxMessage.priority, OutboxMessage.payload_enc)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.priority == bindparam("priority"),
            OutboxMessage.not_before <= now,
            or_(OutboxMessage.retry_at.is_(None), OutboxMessage.retry_at <= now),
            # Past its moment: never sent, even before the sweep drops it.
            or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now),
            ~held_back,
        )
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True, of=OutboxMessage)
    )


class Outbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(self, *, chat_id: int, audience: str, payload: bytes, now: datetime,
                      not_before: datetime | None = None, key: str | None = None,
                      flag_id: int | None = None, priority: int = PRIORITY_REPLY,
                      expires_at: datetime | None = None) -> bool:
        """Add a message; with a key already used, do nothing and return False.
        ``expires_at``: drop it unsent if it is still queued then."""
        if priority not in PRIORITIES:  # a row of another priority would never be claimed
            raise ValueError(f"unknown outbox priority {priority!r}")
        if key is not None:
            found = await self.session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
            )
            if found is not None:
                return False
        self.session.add(OutboxMessage(
            chat_id=chat_id, audience=audience, payload_enc=payload, idempotency_key=key,
            not_before=not_before or now, status="pending", attempts=0, created_at=now,
            flag_id=flag_id, priority=priority, expires_at=expires_at,
        ))
        await self.session.flush()
        return True

    async def claim_due(self, now: datetime, limit: int = 50, *, worker: str | None = None,
                        lease: timedelta = timedelta(seconds=30)) -> list[ClaimedRow]:
        """Mark the first due message of each chat as being sent by ``worker`` (holding it
        until ``now + lease``) and return them: safety rows first, then replies, then
        proactive messages, each in (not_before, id) order.

        Priority orders chats, never the rows within one chat: a chat's rows still go in
        the order they were written (a safety reply after a reminder in the same chat waits
        for that reminder), because a person must read a conversation in the order it was
        said. Only a chat's first active row is a candidate, so an alert for the facilitator
        overtakes other chats' backlog but not a message already ahead of it in its own chat.

        One query per priority, each an index range (``ix_outbox_claim``) read in order and
        stopped at the limit, so a large backlog, due or not, is never read whole.
        """
        rows: list[ClaimedRow] = []
        for priority in PRIORITIES:
            if len(rows) >= limit:
                break
            rows += await self._claim_level(now, priority, limit - len(rows))
        if rows:  # one UPDATE for the round, not one per row; the loaded rows follow it
            await self.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([row.id for row in rows]))
                .values(status="sending", claimed_at=now, claimed_by=worker,
                        lease_until=now + lease)
                .execution_options(synchronize_session=False))
        return rows

    async def _claim_level(self, now: datetime, priority: int,
                           limit: int) -> list[ClaimedRow]:
        params = {"now": now, "priority": priority, "limit": limit}
        result = await self.session.execute(_claim_query(), params)
        return [ClaimedRow(row_id, chat_id, audience, level, payload)
                for row_id, chat_id, audience, level, payload in result]

    async def more_due_in(self, now: datetime, chat_ids: set[int]) -> bool:
        """Whether any of these chats has another pending row due now (behind the one just
        claimed): only then can a next claim round find something in them."""
        if not chat_ids:
            return False
        found = await self.session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.chat_id.in_(chat_ids),
                OutboxMessage.status == "pending",
                OutboxMessage.not_before <= now,
                or_(OutboxMessage.retry_at.is_(None), OutboxMessage.retry_at <= now),
            ).limit(1))
        return found is not None

    async def drop_outdated(self, now: datetime) -> list[int]:
        """End, unsent, the queued rows whose ``expires_at`` has passed; return their ids.

        They become ``failed`` with the error ``expired`` (no failure hook: nothing went
        wrong with the chat), so housekeeping forgets them like other failed rows."""
        outdated = list(await self.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status == "pending",
                                           OutboxMessage.expires_at <= now)
            .limit(OUTDATED_PER_ROUND)))
        if outdated:
            await self.session.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_(outdated))
                .values(status="failed", last_error="expired"))
        return outdated

    async def release_expired(self, now: datetime) -> int:
        """Give back rows whose sender stopped renewing its lease (delivery is at least
        once: the one message it was sending may go twice)."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "sending",
                   or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now))
            .values(status="pending", claimed_at=None, claimed_by=None, lease_until=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def release_stale_claims(self, now: datetime, older_than: timedelta) -> None:
        """Give back rows claimed before ``now - older_than`` whatever their lease."""
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "sending",
                   OutboxMessage.claimed_at < now - older_than)
            .values(status="pending", claimed_at=None, claimed_by=None, lease_until=None)
        )

    async def renew(self, worker: str, until: datetime) -> int:
        """Extend the lease of every row this worker is still sending."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "sending", OutboxMessage.claimed_by == worker)
            .values(lease_until=until))
        return int(getattr(result, "rowcount", 0) or 0)

    async def claimed_by_host(self, host: str) -> list[tuple[int, str]]:
        """(id, worker) of rows being sent by workers on this host."""
        escaped = host.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = await self.session.execute(
            select(OutboxMessage.id, OutboxMessage.claimed_by).where(
                OutboxMessage.status == "sending",
                OutboxMessage.claimed_by.like(f"{escaped}:%", escape="\\"))
            .order_by(OutboxMessage.id))
        return [(row_id, worker) for row_id, worker in rows if worker is not None]

    async def release_claims_of(self, worker: str) -> int:
        """Give back every row a (dead) worker was sending."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "sending", OutboxMessage.claimed_by == worker)
            .values(status="pending", claimed_at=None, claimed_by=None, lease_until=None))
        return int(getattr(result, "rowcount", 0) or 0)

    async def release(self, row_id: int) -> None:
        """Put a claimed row back to pending (its sender stopped before an answer)."""
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.status == "sending")
            .values(status="pending", claimed_at=None, claimed_by=None, lease_until=None))

    async def mark_sent(self, row_id: int, message_id: int | None, now: datetime) -> None:
        await self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(
                status="sent", sent_at=now, telegram_message_id=message_id, payload_enc=None,
                claimed_by=None, lease_until=None)
        )

    async def space_chat(self, chat_id: int, until: datetime) -> None:
        """Hold this chat's unsent rows until ``until`` (Telegram's spacing per chat)."""
        await self.session.execute(
            update(OutboxMessage).where(
                OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending",
                or_(OutboxMessage.retry_at.is_(None), OutboxMessage.retry_at < until))
            .values(retry_at=until))

    async def defer(self, row_id: int, until: datetime) -> None:
        """Give a claimed row back until ``until`` (its sending slot): not an attempt."""
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.status == "sending")
            .values(status="pending", retry_at=until, claimed_at=None, claimed_by=None,
                    lease_until=None))

    async def mark_retry(self, row_id: int, at: datetime, error: str) -> None:
        await self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(
                status="pending", retry_at=at, claimed_at=None, claimed_by=None,
                lease_until=None, last_error=error[:200],
                attempts=OutboxMessage.attempts + 1)
        )

    async def mark_failed(self, row_id: int, error: str) -> None:
        await self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(
                status="failed", claimed_at=None, claimed_by=None, lease_until=None,
                payload_enc=None, last_error=error[:200],
                attempts=OutboxMessage.attempts + 1)
        )

    async def cancel_pending(self, chat_id: int, key_prefix: str) -> int:
        """Delete this chat's unsent rows whose idempotency key starts with the prefix."""
        escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        result = await self.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending",
                OutboxMessage.idempotency_key.like(f"{escaped}%", escape="\\")))
        return int(getattr(result, "rowcount", 0) or 0)

    async def cancel_scheduled(self, chat_id: int, now: datetime) -> int:
        """Delete this chat's rows planned for later (replies due now still go out)."""
        result = await self.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending",
                OutboxMessage.not_before > now))
        return int(getattr(result, "rowcount", 0) or 0)

    async def forget_chat(self, chat_id: int, now: datetime) -> int:
        """Delete what this chat was never sent: failed rows and rows planned for later.

        Replies due now (the goodbye, a safety answer in the same turn) still go out; a row
        being sent right now is left to its sender.
        """
        result = await self.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.chat_id == chat_id,
                or_(OutboxMessage.status == "failed",
                    (OutboxMessage.status == "pending") & (OutboxMessage.not_before > now))))
        return int(getattr(result, "rowcount", 0) or 0)

    async def forget_failed_before(self, cutoff: datetime) -> int:
        """Drop records of messages that were never delivered (their text is gone too)."""
        result = await self.session.execute(
            delete(OutboxMessage).where(OutboxMessage.status == "failed",
                                        OutboxMessage.created_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    async def forget_sent_before(self, cutoff: datetime) -> int:
        """Drop delivery records of sent messages (their text is already gone)."""
        result = await self.session.execute(
            delete(OutboxMessage).where(OutboxMessage.status == "sent",
                                        OutboxMessage.sent_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    async def get(self, row_id: int) -> OutboxMessage | None:
        return await self.session.get(OutboxMessage, row_id)

    async def by_key(self, key: str) -> OutboxMessage | None:
        return await self.session.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        )

    async def all(self) -> list[OutboxMessage]:
        return list(await self.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
