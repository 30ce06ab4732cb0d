"""Refuse to run with a key that cannot read this database.

After migrations the ``setting`` table holds ``key_check``: a Fernet token of a fixed
string, written with the first configured key. At every start we decrypt it; if that
fails, the configured keys are not the ones this database was written with, and running
would fail on the first existing participant's update instead of at start.
"""

from __future__ import annotations

from storage.crypto import EncryptionKeyError, FieldCipher
from storage.uow import UnitOfWork

KEY_CHECK = "key_check"
KEY_CHECK_TEXT = "steady key check"
WRONG_KEY_MESSAGE = ("STEADY_ENCRYPTION_KEY cannot read this database "
                     "(it was written with another key)")


class WrongEncryptionKey(EncryptionKeyError):
    """The configured keys cannot decrypt the database's key-check value."""


async def check_key(uow: UnitOfWork, cipher: FieldCipher) -> None:
    """Write the key-check value on first use; otherwise prove the keys can read it."""
    stored = await uow.settings.get(KEY_CHECK)
    if stored is None:
        await uow.settings.put(KEY_CHECK, cipher.encrypt(KEY_CHECK_TEXT).decode("ascii"))
        await uow.commit()
        return
    try:
        text = cipher.decrypt(stored.encode("ascii"))
    except (EncryptionKeyError, UnicodeEncodeError) as exc:
        raise WrongEncryptionKey(WRONG_KEY_MESSAGE) from exc
    if text != KEY_CHECK_TEXT:
        raise WrongEncryptionKey(WRONG_KEY_MESSAGE)
