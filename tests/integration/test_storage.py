"""Storage on a real database: the Alembic schema, encryption at rest, UTC datetimes, and the
outbox's ordering and idempotency rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.crypto import EncryptionKeyError, FieldCipher
from storage.database import make_engine, make_session_factory
from storage.migrate import downgrade, upgrade
from storage.models import Base, Facilitator, Participant
from storage.uow import UnitOfWork

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Db:
    engine: AsyncEngine
    cipher: FieldCipher

    def uow(self, cipher: FieldCipher | None = None) -> UnitOfWork:
        return UnitOfWork(make_session_factory(self.engine), cipher or self.cipher)


@pytest.fixture
async def raw_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db(raw_engine: AsyncEngine) -> Db:
    await upgrade(raw_engine)
    return Db(raw_engine, FieldCipher(Fernet.generate_key().decode()))


def _table_names(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


# --- schema ------------------------------------------------------------------------------


@pytest.mark.empty_database
async def test_upgrade_creates_every_model_table(raw_engine: AsyncEngine) -> None:
    async with raw_engine.connect() as conn:
        assert await conn.run_sync(_table_names) == set()

    await upgrade(raw_engine)

    async with raw_engine.connect() as conn:
        tables = await conn.run_sync(_table_names)
        version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    assert version is not None


async def test_upgrade_twice_is_harmless(db: Db) -> None:
    await upgrade(db.engine)
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_table_names) == set(Base.metadata.tables) | {
            "alembic_version"}


async def test_models_match_the_migrations(db: Db) -> None:
    def _diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as conn:
        differences = await conn.run_sync(_diff)
    assert differences == []


async def test_downgrade_to_base_removes_every_table(db: Db) -> None:
    await downgrade(db.engine, "base")
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_table_names) <= {"alembic_version"}
        # ... and the schema can be built again from nothing.
    await upgrade(db.engine)
    async with db.engine.connect() as conn:
        assert set(Base.metadata.tables) <= await conn.run_sync(_table_names)


# --- encryption ----------------------------------------------------------------------------


def test_field_cipher_round_trip_hides_the_text() -> None:
    cipher = FieldCipher(Fernet.generate_key().decode())
    token = cipher.encrypt("Bramble café ☕")
    assert b"Bramble" not in token
    assert cipher.decrypt(token) == "Bramble café ☕"
    assert cipher.decrypt_json(cipher.encrypt_json({"a": ["é", 1]})) == {"a": ["é", 1]}
    assert cipher.decrypt_json(None, {"empty": True}) == {"empty": True}


@pytest.mark.parametrize("keys", ["", " , ", "not-a-fernet-key"])
def test_field_cipher_rejects_bad_keys(keys: str) -> None:
    with pytest.raises(EncryptionKeyError):
        FieldCipher(keys)


def test_field_cipher_fails_clearly_with_the_wrong_key() -> None:
    token = FieldCipher(Fernet.generate_key().decode()).encrypt("secret words")
    with pytest.raises(EncryptionKeyError):
        FieldCipher(Fernet.generate_key().decode()).decrypt(token)


async def test_key_rotation_reads_old_rows_and_writes_with_the_new_key(db: Db) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    old, rotated = FieldCipher(old_key), FieldCipher(f"{new_key},{old_key}")
    async with db.uow(old) as uow:
        facilitator = await uow.facilitators.add(6001, "Fac", T0)
        await uow.participants.add(Participant(
            telegram_user_id=6002, chat_id=6002, facilitator_id=facilitator.id, alias="p-1",
            status="active", preferred_name_enc=old.encrypt("Quillon"), timezone="Europe/London",
            consented_at=T0, created_at=T0))
        await uow.commit()

    async with db.uow(rotated) as uow:
        participant = await uow.participants.by_telegram_id(6002)
        assert participant is not None and participant.preferred_name_enc is not None
        assert uow.cipher.decrypt(participant.preferred_name_enc) == "Quillon"
        participant.preferred_name_enc = uow.cipher.encrypt("Quillon")
        await uow.commit()

    async with db.uow(FieldCipher(new_key)) as uow:
        participant = await uow.participants.by_telegram_id(6002)
        assert participant is not None and participant.preferred_name_enc is not None
        token = participant.preferred_name_enc
    assert FieldCipher(new_key).decrypt(token) == "Quillon"
    with pytest.raises(EncryptionKeyError):
        old.decrypt(token)


# --- datetimes ---------------------------------------------------------------------------


async def test_datetimes_come_back_aware_and_in_utc(db: Db) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    written = datetime(2026, 6, 1, 14, 45, 30, tzinfo=india)
    async with db.uow() as uow:
        await uow.facilitators.add(6101, "Fac", written)
        await uow.commit()
    async with db.uow() as uow:
        facilitator = await uow.facilitators.by_telegram_id(6101)
        assert facilitator is not None
        read = facilitator.created_at
    assert read.tzinfo is not None
    assert read.utcoffset() == timedelta(0)
    assert read == written
    assert (read.hour, read.minute) == (9, 15)


async def test_naive_datetimes_are_refused(db: Db) -> None:
    async with db.uow() as uow:
        uow.session.add(Facilitator(telegram_user_id=6201, name="Fac",
                                    created_at=datetime(2026, 6, 1, 12, 0)))
        with pytest.raises(StatementError, match="naive datetime"):
            await uow.session.flush()


async def test_dates_round_trip(db: Db) -> None:
    async with db.uow() as uow:
        facilitator = await uow.facilitators.add(6301, "Fac", T0)
        await uow.invites.add("code-date", facilitator.id, "p-2", date(2026, 12, 1), T0,
                              timedelta(days=14))
        await uow.commit()
    async with db.uow() as uow:
        invite = await uow.invites.by_code("code-date")
        assert invite is not None
        assert invite.start_date == date(2026, 12, 1)
        assert invite.expires_at == T0 + timedelta(days=14)


# --- outbox ------------------------------------------------------------------------------


async def _enqueue(db: Db, chat_id: int, label: str, *, now: datetime = T0,
                   not_before: datetime | None = None, key: str | None = None) -> bool:
    async with db.uow() as uow:
        queued = await uow.outbox.enqueue(
            chat_id=chat_id, audience="participant", payload=uow.cipher.encrypt_json(
                {"text": label, "buttons": []}), now=now, not_before=not_before, key=key)
        await uow.commit()
    return queued


async def _claim(db: Db, now: datetime) -> list[str]:
    """Claim due rows; return their texts."""
    async with db.uow() as uow:
        rows = await uow.outbox.claim_due(now)
        texts = [uow.cipher.decrypt_json(row.payload_enc)["text"] for row in rows]
        await uow.commit()
    return texts


@dataclass(frozen=True)
class RowView:
    """An outbox row read inside its session (rows expire when the unit of work ends)."""

    id: int
    status: str
    attempts: int
    last_error: str | None
    claimed_at: datetime | None


async def _row(db: Db, label: str) -> RowView:
    async with db.uow() as uow:
        for row in await uow.outbox.all():
            if row.payload_enc and uow.cipher.decrypt_json(row.payload_enc)["text"] == label:
                return RowView(row.id, row.status, row.attempts, row.last_error, row.claimed_at)
    raise LookupError(label)


async def _sent(db: Db, label: str) -> None:
    row = await _row(db, label)
    async with db.uow() as uow:
        await uow.outbox.mark_sent(row.id, 1, T0)
        await uow.commit()


async def test_claim_due_returns_only_the_first_row_per_chat(db: Db) -> None:
    for label in ("a1", "a2", "a3"):
        await _enqueue(db, 100, label)
    await _enqueue(db, 200, "b1")
    await _enqueue(db, 200, "b2")

    assert await _claim(db, T0) == ["a1", "b1"]
    # Claimed rows are being sent: they hold back their chats, and are not claimed twice.
    assert await _claim(db, T0) == []

    await _sent(db, "a1")
    assert await _claim(db, T0) == ["a2"]
    await _sent(db, "b1")
    await _sent(db, "a2")
    assert await _claim(db, T0) == ["a3", "b2"]


async def test_a_row_waiting_to_retry_holds_back_its_own_chat_only(db: Db) -> None:
    await _enqueue(db, 100, "a1")
    await _enqueue(db, 100, "a2")
    await _enqueue(db, 200, "b1")
    assert await _claim(db, T0) == ["a1", "b1"]
    a1 = await _row(db, "a1")
    async with db.uow() as uow:
        await uow.outbox.mark_retry(a1.id, T0 + timedelta(seconds=30), "RetryLater")
        await uow.commit()
    await _enqueue(db, 200, "b2")
    await _sent(db, "b1")

    assert await _claim(db, T0 + timedelta(seconds=29)) == ["b2"]
    assert await _claim(db, T0 + timedelta(seconds=30)) == ["a1"]
    a1 = await _row(db, "a1")
    assert (a1.attempts, a1.last_error) == (1, "RetryLater")


async def test_a_future_row_does_not_block_an_earlier_due_row_created_later(db: Db) -> None:
    await _enqueue(db, 100, "tomorrow", not_before=T0 + timedelta(days=1))
    await _enqueue(db, 100, "now")

    assert await _claim(db, T0) == ["now"]
    await _sent(db, "now")
    assert await _claim(db, T0 + timedelta(hours=23)) == []
    assert await _claim(db, T0 + timedelta(days=1)) == ["tomorrow"]


async def test_failed_rows_do_not_hold_back_the_chat(db: Db) -> None:
    await _enqueue(db, 100, "a1")
    await _enqueue(db, 100, "a2")
    assert await _claim(db, T0) == ["a1"]
    async with db.uow() as uow:
        await uow.outbox.mark_failed((await _row(db, "a1")).id, "Rejected")
        await uow.commit()
    assert await _claim(db, T0) == ["a2"]


async def test_an_idempotency_key_queues_a_message_once(db: Db) -> None:
    assert await _enqueue(db, 100, "first", key="checkin:1:2026-03-02") is True
    assert await _enqueue(db, 100, "second", key="checkin:1:2026-03-02") is False
    assert await _enqueue(db, 100, "other day", key="checkin:1:2026-03-03") is True
    async with db.uow() as uow:
        rows = await uow.outbox.all()
        texts = [uow.cipher.decrypt_json(r.payload_enc)["text"] for r in rows]
        by_key = await uow.outbox.by_key("checkin:1:2026-03-02")
        assert by_key is not None and by_key.id == rows[0].id
    assert texts == ["first", "other day"]


async def test_release_stale_claims_gives_back_only_old_claims(db: Db) -> None:
    await _enqueue(db, 100, "old")
    await _enqueue(db, 200, "fresh")
    assert await _claim(db, T0) == ["old", "fresh"]
    fresh = await _row(db, "fresh")
    async with db.uow() as uow:
        # "fresh" was claimed four minutes later than "old".
        row = await uow.outbox.get(fresh.id)
        assert row is not None
        row.claimed_at = T0 + timedelta(minutes=4)
        await uow.commit()

    async with db.uow() as uow:
        await uow.outbox.release_stale_claims(T0 + timedelta(minutes=6), timedelta(minutes=5))
        await uow.commit()

    old, fresh = await _row(db, "old"), await _row(db, "fresh")
    assert (old.status, old.claimed_at) == ("pending", None)
    assert fresh.status == "sending"
    assert await _claim(db, T0 + timedelta(minutes=6)) == ["old"]

