"""SQLAlchemy 2 models. Columns ending in ``_enc`` hold Fernet ciphertext, never plain text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


class Facilitator(Base):
    __tablename__ = "facilitator"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str | None] = mapped_column(String(100))  # legacy plain name; now name_enc
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    deactivated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Participant(Base):
    __tablename__ = "participant"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("facilitator.id"))
    alias: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # waiting|active|paused|completed|left
    start_date: Mapped[date | None] = mapped_column(Date)
    preferred_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    colour_words_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    checkin_time: Mapped[str | None] = mapped_column(String(5))  # "HH:MM" local
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # no free text
    plan_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    unreachable_since: Mapped[datetime | None]  # Telegram said 403: blocked the bot
    # The next moment the planner must look at this participant (indexed, so a planner tick
    # reads only the people due instead of scanning everyone). NULL: plan at the next tick.
    next_plan_at: Mapped[datetime | None] = mapped_column(index=True)
    consented_at: Mapped[datetime]
    created_at: Mapped[datetime]


class Invite(Base):
    __tablename__ = "invite"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)  # legacy: plain code
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitator.id"))
    alias: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))


class Conversation(Base):
    """Dialogue state per Telegram user, so a restart resumes the same step."""

    __tablename__ = "conversation"
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))
    flow: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[int] = mapped_column(Integer, default=0)
    data_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # may hold free text mid-flow
    phrase_memory: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The participant's previous free text, kept briefly so a risk split over two messages
    # can be screened together.
    recent_text_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    recent_text_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class CheckIn(Base):
    __tablename__ = "checkin"
    __table_args__ = (UniqueConstraint("participant_id", "ref", name="uq_checkin_participant_ref"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(64))
    colour: Mapped[str] = mapped_column(String(16))
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message waiting to be sent. The body is dropped once Telegram has accepted it."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    audience: Mapped[str] = mapped_column(String(16))  # participant | facilitator | team | stranger
    payload_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    not_before: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the worker holding the lease
    lease_until: Mapped[datetime | None] = mapped_column(index=True)
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(200))  # an error class, never text
    flag_id: Mapped[int | None] = mapped_column(Integer)  # set on safeguarding alerts
    # storage.outbox.PRIORITY_*: 0 safety replies and alerts, 1 replies, 2 proactive messages.
    priority: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # A proactive message that means nothing after this moment (an appointment reminder once
    # the appointment has begun) is dropped unsent if it is still queued then, e.g. after an
    # outage of the sender. NULL: always worth sending.
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # The claim walks due rows priority by priority in (not_before, id) order and stops at
    # its limit; it checks a chat's earlier active rows through the second (migration 0006).
    # Queued rows past their moment are one range of the third (migration 0008).
    __table_args__ = (
        Index("ix_outbox_claim", "status", "priority", "not_before", "id"),
        Index("ix_outbox_chat_queue", "chat_id", "status", "id"),
        Index("ix_outbox_expiry", "status", "expires_at"),
    )


class ProcessedUpdate(Base):
    """Telegram delivers at least once; an update id seen here is not handled again."""

    __tablename__ = "processed_update"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime]


class SkippedUpdate(Base):
    """An update that failed every retry and was skipped so the bot keeps answering others.

    Only ids, the update's kind and the error class: never its text.
    """

    __tablename__ = "skipped_update"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    error: Mapped[str] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer)
    skipped_at: Mapped[datetime]


class StartAttempt(Base):
    """Wrong invite codes per Telegram user: the only thing kept about strangers."""

    __tablename__ = "start_attempt"
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    window_started_at: Mapped[datetime]
    failures: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))  # participant:7 | facilitator:2 | admin
    action: Mapped[str] = mapped_column(String(64))
    participant_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # ids and codes, no text


class Flag(Base):
    """A safeguarding flag. Excerpts and evidence quote the participant, so are encrypted."""

    __tablename__ = "flag"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    severity: Mapped[str] = mapped_column(String(16))  # urgent | concern
    categories: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(16))  # message | urgent_help
    excerpts_enc: Mapped[bytes] = mapped_column(LargeBinary)  # JSON list of quoted messages
    evidence_enc: Mapped[bytes] = mapped_column(LargeBinary)  # JSON list of rule hits
    # open -> acknowledged | escalated -> closed
    status: Mapped[str] = mapped_column(String(16), index=True)
    message_count: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    last_message_at: Mapped[datetime]
    escalate_at: Mapped[datetime | None] = mapped_column(index=True)
    escalated_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))  # facilitator:3 | team:123
    closed_at: Mapped[datetime | None]
    close_note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)


class Setting(Base):
    """Programme-wide settings an admin sets from the CLI (e.g. the team chat)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class JournalEntry(Base):
    __tablename__ = "journal_entry"
    __table_args__ = (UniqueConstraint("participant_id", "ref", name="uq_journal_entry_ref"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    ref: Mapped[str] = mapped_column(String(64))
    text_enc: Mapped[bytes] = mapped_column(LargeBinary)
    week: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    shared_at: Mapped[datetime | None]


class Reflection(Base):
    """A Press Pause (or later, another structured reflection): answers, encrypted."""

    __tablename__ = "reflection"
    __table_args__ = (UniqueConstraint("participant_id", "ref", name="uq_reflection_ref"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    ref: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    answers_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    shared_at: Mapped[datetime | None]


class TimeOutSession(Base):
    __tablename__ = "timeout_session"
    __table_args__ = (UniqueConstraint("participant_id", "ref", name="uq_timeout_session_ref"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    ref: Mapped[str] = mapped_column(String(64))
    minutes: Mapped[int] = mapped_column(Integer)
    colour_before: Mapped[str | None] = mapped_column(String(16))
    colour_after: Mapped[str | None] = mapped_column(String(16))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class Appointment(Base):
    """A one-to-one session with the facilitator. Its reminders follow it when it moves."""

    __tablename__ = "appointment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    week: Mapped[int | None] = mapped_column(Integer)  # programme week the session covers
    status: Mapped[str] = mapped_column(String(16))  # scheduled|cancelled|attended|missed
    # The participant's answer to a reminder: attending | rearrange (None: no answer yet).
    response: Mapped[str | None] = mapped_column(String(16))
    responded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SessionFeedback(Base):
    """The programme's three feedback questions after a session (1-5 each), for evaluation."""

    __tablename__ = "session_feedback"
    __table_args__ = (UniqueConstraint("appointment_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment.id", ondelete="CASCADE"))
    clear_pace: Mapped[int | None] = mapped_column(Integer)  # clear and at the right pace
    useful: Mapped[int | None] = mapped_column(Integer)
    met_needs: Mapped[int | None] = mapped_column(Integer)
    comment_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
