"""People and machines that may talk to the floor, and how their secrets are checked.

Roles: ``picker`` (badge + PIN on a handheld), ``supervisor``, ``admin``, ``channel`` (order
intake integrations) and ``device`` (shelves, AGVs). Secrets are stored as salted PBKDF2 hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import os

import msgspec

ROLES = ("picker", "supervisor", "admin", "channel", "device")
_ITERATIONS = 20_000  # PINs are short: brute force is stopped by rate limits, not by this cost


def hash_secret(secret: str, *, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, _ITERATIONS)
    return f"pbkdf2${_ITERATIONS}${salt.hex()}${digest.hex()}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2":
        return False
    computed = hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(computed.hex(), digest)


class Picker(msgspec.Struct, frozen=True):
    picker_id: str
    warehouse: str
    badge: str
    name: str


class User(msgspec.Struct, frozen=True):
    username: str
    role: str
    warehouses: list[str]  # ["*"] = every warehouse
