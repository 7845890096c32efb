"""Configuration, read from the environment once (see README "Configuration").

:func:`Settings.from_env` is the only place the server reads ``os.environ``; everything else is
handed a :class:`Settings`. Secrets (``FLOOR_SECRET``) are never logged.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping

import msgspec

log = logging.getLogger("floor.settings")

DEFAULT_REDIS_URL = "redis://127.0.0.1:6390/0"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    redis_url: str = DEFAULT_REDIS_URL  # REDIS_URL: plain Redis or a Redis Cluster (docs/cluster.md)
    rq_redis_url: str = ""  # RQ_REDIS_URL: plain Redis for jobs ('' = REDIS_URL; needed with a cluster)
    secret: str = ""  # FLOOR_SECRET: signs tokens; random per process when unset (dev only)
    default_warehouse: str = "W1"  # FLOOR_DEFAULT_WAREHOUSE
    token_ttl_s: int = 12 * 3600  # FLOOR_TOKEN_TTL
    ticket_ttl_s: int = 30  # FLOOR_TICKET_TTL: WebSocket tickets (single use)
    log_level: str = "INFO"  # LOG_LEVEL
    cart_capacity: int = 30  # FLOOR_CART_CAPACITY: items per tour by default
    batch_seconds: float = 2.0  # FLOOR_BATCH_SECONDS: batching time budget
    inline_wave_max: int = 5  # FLOOR_INLINE_WAVE_MAX: larger waves are planned by a worker
    presence_ttl_s: int = 15  # FLOOR_PRESENCE_TTL: a socket's lease; renewed every third of it
    presence_grace_s: int = 300  # FLOOR_PRESENCE_GRACE: an absent picker keeps its task this long
    login_limit: int = 5  # FLOOR_LOGIN_LIMIT: failures per badge/user within the window
    login_address_limit: int = 50  # FLOOR_LOGIN_ADDRESS_LIMIT: failures per client address
    login_window_s: int = 300  # FLOOR_LOGIN_WINDOW
    max_body_bytes: int = 1_048_576  # FLOOR_MAX_BODY: request body limit (imports: 64 MiB)
    scan_ttl_s: int = 24 * 3600  # FLOOR_SCAN_TTL: how long a scan id's verdict is kept (offline replay window)
    ws_query_token: bool = True  # FLOOR_WS_QUERY_TOKEN=0: sockets refuse ?token= (tickets or the header only)
    carriers_file: str = ""  # FLOOR_CARRIERS: JSON file of carrier endpoints and secrets (docs/shipping.md)
    scan_pipeline: bool = True  # FLOOR_SCAN_PIPELINE=0: one round trip per scan (no auto-pipelining)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        secret = env.get("FLOOR_SECRET", "")
        if not secret:
            secret = secrets.token_hex(32)
            log.warning("FLOOR_SECRET is not set: using a random secret (tokens die with this process)")

        def number(name: str, default: float) -> float:
            text = env.get(name, "")
            try:
                return float(text) if text else default
            except ValueError:
                raise SystemExit(f"{name}={text!r} is not a number") from None

        return cls(
            redis_url=env.get("REDIS_URL", DEFAULT_REDIS_URL),
            rq_redis_url=env.get("RQ_REDIS_URL", ""),
            secret=secret,
            default_warehouse=env.get("FLOOR_DEFAULT_WAREHOUSE", "W1"),
            token_ttl_s=int(number("FLOOR_TOKEN_TTL", 12 * 3600)),
            ticket_ttl_s=int(number("FLOOR_TICKET_TTL", 30)),
            log_level=env.get("LOG_LEVEL", "INFO"),
            cart_capacity=int(number("FLOOR_CART_CAPACITY", 30)),
            batch_seconds=number("FLOOR_BATCH_SECONDS", 2.0),
            inline_wave_max=int(number("FLOOR_INLINE_WAVE_MAX", 5)),
            presence_ttl_s=int(number("FLOOR_PRESENCE_TTL", 15)),
            presence_grace_s=int(number("FLOOR_PRESENCE_GRACE", 300)),
            login_limit=int(number("FLOOR_LOGIN_LIMIT", 5)),
            login_address_limit=int(number("FLOOR_LOGIN_ADDRESS_LIMIT", 50)),
            login_window_s=int(number("FLOOR_LOGIN_WINDOW", 300)),
            max_body_bytes=int(number("FLOOR_MAX_BODY", 1_048_576)),
            scan_ttl_s=int(number("FLOOR_SCAN_TTL", 24 * 3600)),
            ws_query_token=env.get("FLOOR_WS_QUERY_TOKEN", "1").strip().lower() not in ("0", "false", "no", "off"),
            carriers_file=env.get("FLOOR_CARRIERS", ""),
            scan_pipeline=env.get("FLOOR_SCAN_PIPELINE", "1").strip().lower() not in ("0", "false", "no", "off"),
        )

    @property
    def jobs_redis_url(self) -> str:
        """The plain Redis for RQ: RQ_REDIS_URL, else REDIS_URL (which must then not be a cluster)."""
        if self.rq_redis_url:
            return self.rq_redis_url
        if "+cluster://" in self.redis_url:
            raise SystemExit("REDIS_URL is a Redis Cluster: set RQ_REDIS_URL to a plain Redis for the job queue")
        return self.redis_url
