"""AES-GCM encryption of every Temporal payload, so that workflow inputs (which carry the
source password) are ciphertext in Temporal's history, its database and its UI."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, PayloadCodec

from sourcesense.errors import ConfigError
from sourcesense.settings import Settings

ENCODING = b"binary/encrypted"
KEY_BYTES = 32


class EncryptionCodec(PayloadCodec):
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._key_id = hashlib.sha256(key).hexdigest()[:16].encode()

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decrypt(payload) for payload in payloads]

    def _encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, payload.SerializeToString(), None)
        metadata = {"encoding": ENCODING, "encryption-key-id": self._key_id}
        return Payload(metadata=metadata, data=nonce + sealed)

    def _decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        if payload.metadata.get("encryption-key-id") != self._key_id:
            raise ConfigError(
                "a Temporal payload was encrypted with another key: give every client and worker "
                "the same SOURCESENSE_SECRET_KEY"
            )
        plain = self._aead.decrypt(payload.data[:12], payload.data[12:], None)
        decoded = Payload()
        decoded.ParseFromString(plain)
        return decoded


def load_key(settings: Settings) -> bytes:
    """SOURCESENSE_SECRET_KEY, else data_dir/secret.key (created 0600 on first use)."""
    if settings.secret_key is not None:
        return _decode_key(settings.secret_key.get_secret_value(), "SOURCESENSE_SECRET_KEY")
    path = settings.data_dir / "secret.key"
    if not path.exists():
        _create_key_file(path)
    return _decode_key(path.read_text(encoding="ascii").strip(), str(path))


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")


def _decode_key(text: str, origin: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigError(f"{origin}: expected the base64 encoding of {KEY_BYTES} random bytes")
    return key


def data_converter(settings: Settings) -> DataConverter:
    return dataclasses.replace(
        DataConverter.default, payload_codec=EncryptionCodec(load_key(settings))
    )
