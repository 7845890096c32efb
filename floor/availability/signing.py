"""Request signing of each platform's open API (what the stock push and shipment calls send).

Pure functions; the loopback stand-ins in the tests verify with the same formulas written from the
platforms' documentation (docs/routing.md, /work/shared/reference/research/oms-channels-routing-ledger.md 1.4):

- TOP (Taobao/Tmall) and JD: every parameter but ``sign``, empty values skipped, keys sorted,
  ``k1v1k2v2...``; MD5(secret + s + secret), upper-case hex.
- PDD: the same string over all parameters (``type``, ``client_id``, ``access_token``, ``timestamp`` ...).
- Douyin open API: ``app_key{ak}method{m}param_json{pj}timestamp{ts}v{v}`` wrapped in the secret,
  HMAC-SHA256 keyed with the secret, lower-case hex; ``param_json`` compact with sorted keys.
- Shopify Admin API: no signature, the ``X-Shopify-Access-Token`` header.
- Own site: base64 HMAC-SHA256 of the raw body in ``X-Floor-Signature``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def top_sign(params: dict[str, str], secret: str) -> str:
    text = "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign" and v != "")
    return hashlib.md5(f"{secret}{text}{secret}".encode()).hexdigest().upper()


def douyin_param_json(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def douyin_sign(app_key: str, method: str, param_json: str, timestamp: str, secret: str, v: str = "2") -> str:
    text = f"app_key{app_key}method{method}param_json{param_json}timestamp{timestamp}v{v}"
    return hmac.new(secret.encode(), f"{secret}{text}{secret}".encode(), hashlib.sha256).hexdigest()


def body_signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
