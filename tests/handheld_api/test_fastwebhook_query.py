"""The webhook fast path reads the query as Litestar's handler would (handheld_api/http/fastwebhook.py
query_params against litestar._parsers.parse_query_string): a TOP-style signature is checked over the
same parameters either way."""

from __future__ import annotations

import random

import pytest
from litestar._parsers import parse_query_string

from handheld_api.http.fastwebhook import query_params

CASES = [b"", b"a=1&b=2", b"app_key=&timestamp=2026-12-04+11%3A20%3A00&sign_method=md5&sign=0A1B", b"a",
         b"a=&=b&&c=%E4%B8%AD&d=%ZZ&e=1=2&f=+%2B+", "中=文&x=\xe4".encode(), b"a=1&a=2", b"%61=1;b=2",
         b"x=%e4%b8", b"k=\xff\xfe", b"&&&", b"=", b"+=+"]


@pytest.mark.parametrize("query", CASES)
def test_known_shapes_read_as_litestar_reads_them(query: bytes) -> None:
    assert query_params(query) == dict(parse_query_string(query))


def test_random_queries_read_as_litestar_reads_them() -> None:
    rng = random.Random(7)
    alphabet = b"ab=&%+2F;\xe4x0"
    for _ in range(5000):
        query = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert query_params(query) == dict(parse_query_string(query)), query
