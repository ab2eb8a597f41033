"""Where the test suite finds PostgreSQL and Redis (real servers, never fakes)."""

from __future__ import annotations

import os

POSTGRES_ADMIN_URL = os.environ.get(
    "MARATHON_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("MARATHON_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
