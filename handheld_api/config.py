"""Configuration from environment variables (see README "Configuration")."""

from __future__ import annotations

import logging
import os
import secrets

import msgspec

log = logging.getLogger("floor.config")


class Settings(msgspec.Struct, frozen=True):
    redis_url: str
    secret: str
    default_warehouse: str
    token_ttl_s: int
    log_level: str

    @classmethod
    def from_env(cls) -> Settings:
        secret = os.environ.get("FLOOR_SECRET", "")
        if not secret:
            secret = secrets.token_hex(32)
            log.warning("FLOOR_SECRET is not set: using a random secret (tokens die with this process)")
        return cls(
            redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6390/0"),
            secret=secret,
            default_warehouse=os.environ.get("FLOOR_DEFAULT_WAREHOUSE", "W1"),
            token_ttl_s=int(os.environ.get("FLOOR_TOKEN_TTL", str(12 * 3600))),
            log_level=os.environ.get("LOG_LEVEL", "INFO"),
        )
