"""Each platform's signature: functions that sign (the loopback stand-ins and tests use them) and
verify (the webhook route and the pull importer use them). Pure, constant-time comparisons.

- Shopify webhook: ``X-Shopify-Hmac-Sha256`` = base64(HMAC-SHA256(client secret, raw body)).
- Douyin push: header ``event-sign`` = hex MD5(app_key + raw body + app secret) (header ``app-id`` = app_key);
  a push with header ``sign-method: hmac-sha256`` is checked as hex HMAC-SHA256(secret, the same string).
- Douyin open API: ``app_key{ak}method{m}param_json{pj}timestamp{ts}v2`` wrapped in the secret:
  md5 -> MD5(secret+s+secret), hmac-sha256 -> HMAC-SHA256(secret, secret+s+secret); lower hex.
- TOP style (Taobao/Tmall, JD, PDD): every parameter but ``sign`` (empty values skipped), keys
  sorted, ``k1v1k2v2...``; md5 -> MD5(secret+s+secret), hmac -> HMAC-MD5(secret, s), hmac-sha256 ->
  HMAC-SHA256(secret, s); upper hex. A pushed body (Qimen style) is appended after the parameters.
- Own site: ``X-Floor-Signature`` = base64(HMAC-SHA256(shop secret, raw body)) (docs/channels.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

TOP_METHODS = ("md5", "hmac", "hmac-sha256")


class SignatureError(ValueError):
    """The request's signature is missing, malformed or wrong (the route answers 401)."""


def _equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


# -- Shopify (and our own site) ------------------------------------------------------------------

def shopify_sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_verify(body: bytes, secret: str, header: str | None) -> None:
    if not header:
        raise SignatureError("X-Shopify-Hmac-Sha256 is missing")
    if not _equal(header.strip(), shopify_sign(body, secret)):
        raise SignatureError("X-Shopify-Hmac-Sha256 does not match the body")


def own_site_sign(body: bytes, secret: str) -> str:
    return shopify_sign(body, secret)


def own_site_verify(body: bytes, secret: str, header: str | None) -> None:
    if not header:
        raise SignatureError("X-Floor-Signature is missing")
    if not _equal(header.strip(), own_site_sign(body, secret)):
        raise SignatureError("X-Floor-Signature does not match the body")


# -- Douyin --------------------------------------------------------------------------------------

def douyin_push_sign(body: bytes, app_key: str, secret: str, sign_method: str = "md5") -> str:
    """hex MD5(app_key + body + secret); with header ``sign-method: hmac-sha256`` the same string
    keyed HMAC-SHA256(secret, ...)."""
    text = app_key.encode() + body + secret.encode()
    if sign_method == "md5":
        return hashlib.md5(text).hexdigest()
    if sign_method == "hmac-sha256":
        return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()
    raise SignatureError(f"unknown Douyin sign-method '{sign_method[:20]}'")


def douyin_push_verify(body: bytes, app_key: str, secret: str, app_id: str | None, event_sign: str | None,
                       sign_method: str | None = None) -> None:
    if not event_sign:
        raise SignatureError("event-sign is missing")
    if app_id is not None and app_id != app_key:
        raise SignatureError("app-id is not this shop's app key")
    method = (sign_method or "md5").strip().lower()
    if not _equal(event_sign.strip().lower(), douyin_push_sign(body, app_key, secret, method)):
        raise SignatureError("event-sign does not match the body")


def douyin_param_json(params: Mapping[str, Any]) -> str:
    """Compact JSON, keys sorted, no HTML escaping (``<>&`` kept), non-ASCII kept as is."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def douyin_api_sign(app_key: str, secret: str, method: str, param_json: str, timestamp: str,
                    sign_method: str = "hmac-sha256") -> str:
    text = f"{secret}app_key{app_key}method{method}param_json{param_json}timestamp{timestamp}v2{secret}"
    if sign_method == "md5":
        return hashlib.md5(text.encode()).hexdigest()
    if sign_method == "hmac-sha256":
        return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    raise SignatureError(f"unknown Douyin sign_method '{sign_method[:20]}'")


def douyin_api_verify(params: Mapping[str, str], secret: str) -> None:
    for name in ("app_key", "method", "param_json", "timestamp", "sign"):
        if not params.get(name):
            raise SignatureError(f"{name} is missing")
    expected = douyin_api_sign(params["app_key"], secret, params["method"], params["param_json"],
                               params["timestamp"], params.get("sign_method") or "hmac-sha256")
    if not _equal(params["sign"].lower(), expected):
        raise SignatureError("sign does not match the parameters")


# -- TOP style: Taobao/Tmall, JD, Pinduoduo --------------------------------------------------------

def top_string(params: Mapping[str, Any], body: bytes = b"") -> bytes:
    parts = [f"{k}{v}" for k, v in sorted(params.items()) if k != "sign" and v is not None and v != ""]
    return "".join(parts).encode() + body


def top_sign(params: Mapping[str, Any], secret: str, sign_method: str = "md5", body: bytes = b"") -> str:
    text = top_string(params, body)
    key = secret.encode()
    if sign_method == "md5":
        return hashlib.md5(key + text + key).hexdigest().upper()
    if sign_method == "hmac":
        return hmac.new(key, text, hashlib.md5).hexdigest().upper()
    if sign_method == "hmac-sha256":
        return hmac.new(key, text, hashlib.sha256).hexdigest().upper()
    raise SignatureError(f"unknown sign_method '{str(sign_method)[:20]}' (known: {', '.join(TOP_METHODS)})")


def top_verify(params: Mapping[str, str], secret: str, body: bytes = b"", *, app_key: str = "") -> None:
    """``params`` carries ``sign`` and ``sign_method`` (default md5); ``app_key`` (when the shop has
    one) must match the request's ``app_key`` / ``client_id``."""
    sign = params.get("sign", "")
    if not sign:
        raise SignatureError("sign is missing")
    given_key = params.get("app_key") or params.get("client_id") or ""
    if app_key and given_key != app_key:
        raise SignatureError("app_key is not this shop's app key")
    expected = top_sign(params, secret, (params.get("sign_method") or "md5").lower(), body)
    if not _equal(sign.upper(), expected):
        raise SignatureError("sign does not match the parameters and body")
