"""Field encryption for free text at rest (Fernet; several keys allow rotation)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class EncryptionKeyError(ValueError):
    """The configured key is missing or not a Fernet key."""


class FieldCipher:
    """Encrypts with the first key; decrypts with any, so old keys can be rotated out."""

    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise EncryptionKeyError("STEADY_ENCRYPTION_KEY is empty")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in parts])
            self._hash_keys = [_derive_hash_key(k) for k in parts]
        except (ValueError, TypeError) as exc:
            raise EncryptionKeyError(
                "STEADY_ENCRYPTION_KEY must be one or more comma-separated Fernet keys "
                "(make one with: steady keygen)"
            ) from exc

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, text: str) -> bytes:
        return self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except InvalidToken as exc:
            raise EncryptionKeyError("stored data cannot be decrypted with these keys") from exc

    def keyed_hash(self, value: str) -> str:
        """HMAC-SHA256 (hex) under a key derived from the first encryption key.

        For values that must be looked up but never read back, such as invite codes: a copy
        of the database without the key cannot turn a hash back into a usable code.
        """
        return self.keyed_hashes(value)[0]

    def keyed_hashes(self, value: str) -> list[str]:
        """The keyed hash of ``value`` under every configured key, the first key's first."""
        data = value.encode("utf-8")
        return [hmac.new(key, data, hashlib.sha256).hexdigest() for key in self._hash_keys]

    def encrypt_json(self, value: Any) -> bytes:
        return self.encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def decrypt_json(self, token: bytes | None, default: Any = None) -> Any:
        return default if token is None else json.loads(self.decrypt(token))


def _derive_hash_key(fernet_key: str) -> bytes:
    """A separate key for hashing, so the Fernet key itself is never used as an HMAC key."""
    return hmac.new(fernet_key.encode(), b"steady keyed hash v1", hashlib.sha256).digest()
