"""Schemathesis against ``/api/v1/openapi.json``: whatever it sends, no 500, no off-schema answer.

The app is called in-process (WSGI) with the sample cases loaded, on SQLite and PostgreSQL.
Examples per operation are few so that the whole run stays well under a minute.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.services import REDIS_TEST_URL
from tests.settings import own_queue

MAX_EXAMPLES = 25
SLUGS = ["damisoa", "manahel-al-otaibi", "abdul-baqi-saeed-abdo"]
KINDS = ["appeal", "card", "postcard"]
LANGUAGES = ["fr", "en", "es", "ar"]
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


# No write limit (one client writes many letters on purpose); renders go to a queue of this
# test's own that no worker reads, as a web process in production leaves them.
pytestmark = pytest.mark.settings(
    own_queue("marathon-schemathesis-"), WRITE_RATE_LIMIT=100_000, API_WRITE_RATE_LIMIT=1_000_000
)


@pytest.fixture(autouse=True)
def _drop_queue(app: Any) -> Iterator[None]:
    """The test's own queue goes when the test ends."""
    yield
    from redis import Redis
    from rq import Queue

    queue = app.config["JOBS_QUEUE"]
    Queue(queue, connection=Redis.from_url(REDIS_TEST_URL)).delete(delete_jobs=True)


def _real_values(draw: Any, case: Any) -> Any:
    """Often swap in a real case, kind and language, so the paths past "not found" run too."""
    slug = draw(st.sampled_from([None, *SLUGS]))
    if slug is None:
        return case
    if case.path_parameters and "slug" in case.path_parameters:
        case.path_parameters["slug"] = slug
    if isinstance(case.body, dict):
        case.body["case"] = slug
        for name, values in (("kind", KINDS), ("language", LANGUAGES)):
            value = draw(st.sampled_from([None, *values]))
            if value is not None:
                case.body[name] = value
    return case


def test_api_answers_every_generated_request_within_its_schema(loaded_cases: Flask) -> None:
    # Operations are walked here rather than with ``schemathesis.pytest.from_fixture``, whose
    # lazy loader does not run under pytest 9; every test still runs on both databases.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", loaded_cases)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the OpenAPI document describes no operation"
    for operation in operations:

        @given(case=operation.as_strategy(), data=st.data())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any, data: Any) -> None:
            _real_values(data.draw, case).call_and_validate(checks=CHECKS)

        check()


@pytest.mark.parametrize("group_id", [987654, 2**63, -1, 0])
def test_letter_for_a_group_that_does_not_exist_is_a_clear_422(
    loaded_cases: Flask, group_id: int
) -> None:
    # Found by schemathesis: an unknown group id used to break the foreign key (a 500).
    response = loaded_cases.test_client().post(
        "/api/v1/letters",
        json={
            "case": "damisoa",
            "kind": "card",
            "language": "fr",
            "sender_name": "Ana",
            "group_id": group_id,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 422
    assert "group_id" in response.json["error"]["fields"]
