"""Secret links (unsubscribe, manage an alert) that the database alone cannot make
or accept: the token is an HMAC of a random nonce under ``SECRET_KEY``, never
stored; rows keep the nonce (to put the link in the next e-mail) and the token's
SHA-256 (to find the row from a link). Used by the guichet's alerts and the
consultation's notification settings."""

from __future__ import annotations

import hashlib
import secrets

from django.utils.crypto import salted_hmac


def new_nonce() -> str:
    return secrets.token_hex(16)


def make_token(salt: str, nonce: str) -> str:
    """The link's secret for ``nonce`` (64 hexadecimal characters)."""
    return salted_hmac(salt, nonce, algorithm="sha256").hexdigest()


def hash_token(token: str) -> str:
    """What is stored and looked up: the token's SHA-256."""
    return hashlib.sha256((token or "").encode()).hexdigest()
