"""Carrier protocol data and signatures. Pure: request bodies, digests, push verification.

Invariant: every push is verified before it is parsed (``PushRejected`` otherwise), with the
carrier's own scheme: SF msgDigest = Base64(MD5(urlencode(msgData + timestamp + checkWord))), JD
HMAC-SHA256 hex of the body, Cainiao data_digest = Base64(MD5(body + secret)), the local carrier
HMAC-SHA256 hex. Comparisons are constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import quote_plus

import msgspec


class CarrierError(RuntimeError):
    """The carrier refused or failed (the caller keeps the shipment unlabelled and retries later)."""


class PushRejected(ValueError):
    """A push whose signature does not verify: answered 401, nothing applied."""


class Waybill(msgspec.Struct, frozen=True):
    number: str
    route: str = "zpl_self"  # zpl_self | platform_component
    print_data: str = ""  # platform_component: the encrypted data only the platform's client prints
    sort_code: str = ""


class RawEvent(msgspec.Struct, frozen=True):
    waybill: str
    event_ms: int
    code: str
    detail: str = ""
    place: str = ""


def java_urlencode(text: str) -> str:
    """``java.net.URLEncoder.encode(text, "UTF-8")``, which SF's reference code uses: space -> '+',
    '*' kept, '~' escaped (Python's quote_plus keeps '~')."""
    return quote_plus(text, safe="*").replace("~", "%7E")


def sf_digest(msg_data: str, timestamp: str, check_word: str) -> str:
    raw = java_urlencode(msg_data + timestamp + check_word).encode("utf-8")
    return base64.b64encode(hashlib.md5(raw).digest()).decode("ascii")  # noqa: S324 (the carrier's scheme)


def sf_request(partner_id: str, check_word: str, request_id: str, service_code: str, timestamp: str,
               msg_data: dict[str, Any]) -> dict[str, str]:
    """The form fields of an SF Fengqiao call."""
    body = json.dumps(msg_data, ensure_ascii=False, separators=(",", ":"))
    return {"partnerID": partner_id, "requestID": request_id, "serviceCode": service_code,
            "timestamp": timestamp, "msgDigest": sf_digest(body, timestamp, check_word), "msgData": body}


def hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def cainiao_digest(body: str, secret: str) -> str:
    return base64.b64encode(hashlib.md5((body + secret).encode("utf-8")).digest()).decode()  # noqa: S324


def verify(expected: str, given: str) -> None:
    if not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise PushRejected("signature does not verify")
