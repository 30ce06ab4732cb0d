"""Async unit of work: one transaction, explicit commit, rollback by default."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.appointments import Appointments, Feedback
from storage.crypto import EncryptionKeyError, FieldCipher
from storage.flags import Flags, Settings
from storage.outbox import Outbox
from storage.records import Journal, Reflections, TimeOuts
from storage.repositories import (
    AuditLog,
    CheckIns,
    Conversations,
    Facilitators,
    Invites,
    Participants,
    ProcessedUpdates,
    SkippedUpdates,
    StartAttempts,
)


class UnitOfWork:
    session: AsyncSession

    def __init__(self, session_factory: async_sessionmaker[AsyncSession],
                 cipher: FieldCipher | None) -> None:
        self._session_factory = session_factory
        self._cipher = cipher

    @property
    def cipher(self) -> FieldCipher:
        """The field cipher; admin commands that touch no free text may run without one."""
        if self._cipher is None:
            raise EncryptionKeyError("STEADY_ENCRYPTION_KEY is needed for this")
        return self._cipher

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.facilitators = Facilitators(self.session, self._cipher)
        self.participants = Participants(self.session)
        self.invites = Invites(self.session, self._cipher)
        self.conversations = Conversations(self.session)
        self.checkins = CheckIns(self.session)
        self.updates = ProcessedUpdates(self.session)
        self.start_attempts = StartAttempts(self.session)
        self.audit = AuditLog(self.session)
        self.skipped_updates = SkippedUpdates(self.session)
        self.outbox = Outbox(self.session)
        self.flags = Flags(self.session)
        self.settings = Settings(self.session)
        self.journal = Journal(self.session)
        self.reflections = Reflections(self.session)
        self.timeouts = TimeOuts(self.session)
        self.appointments = Appointments(self.session)
        self.feedback = Feedback(self.session)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.session.rollback()
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
