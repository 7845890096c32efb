"""Input limits shared by every request body: bounded strings, codes of plain ASCII, no control characters.

Every request Struct derives from :class:`Input` and types its string fields with the aliases below,
so msgspec refuses an over-long, empty or malformed value while decoding (Litestar answers 400 with
the field named) before any use case runs. The use cases keep their own domain checks (422).

Patterns spell digits as ``[0-9]`` (``\\d`` would admit Arabic-Indic and full-width digits) and are
ECMAScript-compatible so the OpenAPI document means the same in every language. Python's ``$``
also matches before a trailing newline, so :meth:`Input.__post_init__` refuses control characters
(C0, DEL, C1, U+2028/9) in every string field, which closes that gap and covers free text.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from floor.core.errors import ValidationError

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# Codes: an outside id (command, exception, wave, order reference): printable ASCII, no spaces.
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[!-~]+$",
                                 description="1-64 printable ASCII characters, no spaces")]
OptionalId = Annotated[str, msgspec.Meta(max_length=64, pattern=r"^[!-~]*$")]
Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[!-~]+$",
                                  description="SKU code: 1-40 printable ASCII characters")]
OptionalSku = Annotated[str, msgspec.Meta(max_length=40, pattern=r"^[!-~]*$")]
Location = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$",
                                       description="location code like W1-A03-C12")]
OptionalLocation = Annotated[str, msgspec.Meta(max_length=32, pattern=r"^[A-Za-z0-9-]*$")]
Warehouse = Annotated[str, msgspec.Meta(min_length=1, max_length=8, pattern=r"^[A-Z][A-Z0-9]*$",
                                        description="warehouse id: 1-8 upper-case letters/digits")]
Word = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[a-z_]+$",
                                   description="one of the listed values")]
ExternalId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[ -~]+$",
                                         description="the channel's order id: 1-64 printable ASCII")]
Badge = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Pin = Annotated[str, msgspec.Meta(min_length=4, max_length=8, pattern=r"^[0-9]+$",
                                  description="4-8 ASCII digits")]
Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
NewPassword = Annotated[str, msgspec.Meta(min_length=10, max_length=256, description="10-256 characters")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
ShortText = Annotated[str, msgspec.Meta(max_length=200, description="free text, at most 200 characters")]
LongText = Annotated[str, msgspec.Meta(max_length=500, description="free text, at most 500 characters")]


def control_character_in(value: str) -> bool:
    return _CONTROL.search(value) is not None


class ControlCharacterError(ValidationError, ValueError):
    """Decoding turns it into a 400 naming the field; a Struct built in code raises it as a 422."""


class Input(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Base of every request body: refuses control characters in any string field (and in lists of strings)."""

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, str):
                if _CONTROL.search(value):
                    raise ControlCharacterError(f"`{name}` must not contain control characters")
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, str) and _CONTROL.search(item):
                        raise ControlCharacterError(f"`{name}` must not contain control characters")
