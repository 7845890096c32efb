"""Signatures: published vectors, empty values, unicode, key order, raw bytes, tampering."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from floor.channels import signing
from floor.channels.signing import SignatureError

TOP_PARAMS = {"method": "taobao.item.seller.get", "app_key": "12345678", "session": "test",
              "timestamp": "2016-01-01 12:00:00", "format": "json", "v": "2.0", "sign_method": "md5",
              "fields": "num_iid,title,nick,price,num", "num_iid": "11223344"}


def test_top_md5_matches_the_platform_documented_example() -> None:
    # The worked example of Taobao's open-platform signing guide (secret "helloworld").
    assert signing.top_sign(TOP_PARAMS, "helloworld") == "66987CB115214E59E6EC978214934FB8"


def test_top_variants_sorting_empty_values_and_unicode() -> None:
    params = {**TOP_PARAMS, "sign_method": "hmac", "empty": "", "title": "红色茶杯 <&>"}
    shuffled = dict(reversed(list(params.items())))
    assert signing.top_sign(params, "s3cret-key", "hmac") == signing.top_sign(shuffled, "s3cret-key", "hmac")
    expected = hmac.new(b"s3cret-key", signing.top_string(params), hashlib.md5).hexdigest().upper()
    assert signing.top_sign(params, "s3cret-key", "hmac") == expected
    assert b"empty" not in signing.top_string(params)
    params["sign_method"] = "hmac-sha256"
    sha = signing.top_sign(params, "s3cret-key", "hmac-sha256")
    assert len(sha) == 64 and sha.isupper()
    params["sign"] = sha
    signing.top_verify(params, "s3cret-key")
    with pytest.raises(SignatureError):
        signing.top_verify({**params, "num_iid": "11223345"}, "s3cret-key")
    with pytest.raises(SignatureError):
        signing.top_sign(params, "x", "sha1")


def test_top_body_is_signed_and_app_key_checked() -> None:
    params = {"app_key": "12345678", "timestamp": "2026-12-03 10:00:00", "sign_method": "md5"}
    body = b'{"trade":{"tid":1}}'
    params["sign"] = signing.top_sign(params, "k" * 16, body=body)
    signing.top_verify(params, "k" * 16, body, app_key="12345678")
    with pytest.raises(SignatureError, match="sign does not match"):
        signing.top_verify(params, "k" * 16, body.replace(b"1", b"2"), app_key="12345678")
    with pytest.raises(SignatureError, match="app_key"):
        signing.top_verify(params, "k" * 16, body, app_key="87654321")


def test_shopify_is_base64_hmac_sha256_of_the_raw_bytes() -> None:
    body = b'{"id":1,"note":"caf\\u00e9"}'
    secret = "shpss_synthetic"
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    assert signing.shopify_sign(body, secret) == expected
    signing.shopify_verify(body, secret, expected)
    with pytest.raises(SignatureError):
        signing.shopify_verify(body + b" ", secret, expected)  # re-serialised JSON is a different body
    with pytest.raises(SignatureError, match="missing"):
        signing.shopify_verify(body, secret, None)


def test_douyin_push_and_api_signatures() -> None:
    body = b'[{"tag":"101","msg_id":"1","data":"{}"}]'
    sign = signing.douyin_push_sign(body, "7000001", "dy-secret")
    assert sign == hashlib.md5(b"7000001" + body + b"dy-secret").hexdigest()
    signing.douyin_push_verify(body, "7000001", "dy-secret", "7000001", sign)
    with pytest.raises(SignatureError, match="app-id"):
        signing.douyin_push_verify(body, "7000001", "dy-secret", "7000002", sign)
    with pytest.raises(SignatureError):
        signing.douyin_push_verify(body[:-1], "7000001", "dy-secret", "7000001", sign)
    pj = signing.douyin_param_json({"z": 1, "a": "<b>&", "name": "茶杯"})
    assert pj == '{"a":"<b>&","name":"茶杯","z":1}'  # sorted, compact, no HTML escaping
    text = f"dy-secretapp_key7000001methodorder.searchListparam_json{pj}timestamp1796277600v2dy-secret"
    assert signing.douyin_api_sign("7000001", "dy-secret", "order.searchList", pj, "1796277600", "md5") == \
        hashlib.md5(text.encode()).hexdigest()
    assert signing.douyin_api_sign("7000001", "dy-secret", "order.searchList", pj, "1796277600") == \
        hmac.new(b"dy-secret", text.encode(), hashlib.sha256).hexdigest()
