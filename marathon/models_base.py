"""Small helpers shared by the models of every feature package."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator


class BigCount(TypeDecorator):
    """A 64-bit count, read back as ``int``: no sum of letters can overflow it.

    (PostgreSQL sums ``bigint`` as ``numeric``: without this, totals would come back as
    ``Decimal``. ``func.sum`` of a BigCount column is a BigCount too.)
    """

    impl = BigInteger
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> int | None:
        return None if value is None else int(value)
