"""Reading JSON sent by clients (the API, report files) without letting its shape hurt us.

Python's parser fails with ``RecursionError`` on deeply nested arrays (a few kilobytes of ``[``)
and with ``ValueError`` on an integer of thousands of digits: both would be a 500. Here every
failure is a :class:`JSONInputError` with a message for the sender, and documents nested deeper
than :data:`MAX_DEPTH` are refused (ours are two or three levels deep).
"""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l

MAX_DEPTH = 32

INVALID_MESSAGE = _l("The body is not valid JSON.")
NESTED_MESSAGE = _l(
    "The JSON is nested too deeply: at most %(depth)s levels of objects and arrays.",
    depth=MAX_DEPTH,
)
NUMBER_MESSAGE = _l("The JSON holds a number with too many digits.")


class JSONInputError(ValueError):
    """JSON that cannot be read; ``message`` (translated, lazily) says why."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def parse_json(raw: bytes | str) -> Any:
    """The document in ``raw``, or :class:`JSONInputError` (invalid, too deep, huge numbers)."""
    try:
        document = json.loads(raw)
    except RecursionError:
        raise JSONInputError(NESTED_MESSAGE) from None
    except json.JSONDecodeError:
        raise JSONInputError(INVALID_MESSAGE) from None
    except UnicodeDecodeError:
        raise JSONInputError(INVALID_MESSAGE) from None
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        raise JSONInputError(NUMBER_MESSAGE) from None
    if _deeper_than(document, MAX_DEPTH):
        raise JSONInputError(NESTED_MESSAGE)
    return document


def _deeper_than(document: Any, limit: int) -> bool:
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, whose ``loads`` fails only with ``ValueError`` (a 400, not a 500)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return parse_json(s) if not kwargs else super().loads(s, **kwargs)
        except RecursionError:
            raise JSONInputError(NESTED_MESSAGE) from None
