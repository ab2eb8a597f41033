"""The board half of ``bench/tally.py``: fill the database with letters, time board.json."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from load_support import percentile, request


def bulk_letters(app, world: dict, count: int) -> float:
    """Insert ``count`` letters (half for the event) and their tally rows, in one SQL statement."""
    from sqlalchemy import DateTime, bindparam, select, text

    from marathon.cases.models import Case
    from marathon.clock import today_local
    from marathon.database import begin_write
    from marathon.extensions import db
    from marathon.tally.service import add_to_tally

    began = time.perf_counter()
    with app.app_context():
        cases = list(db.session.execute(select(Case.id, Case.edition).order_by(Case.id)))
        pick = " ".join(f"WHEN {i} THEN {case_id}" for i, (case_id, _e) in enumerate(cases))
        postgres = db.engine.dialect.name == "postgresql"
        series = (
            "generate_series(1, :count) AS s(g)"
            if postgres
            else "(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s "
            "WHERE g < :count) SELECT g FROM s) AS s"
        )
        token = "md5(g::text || :run)" if postgres else "lower(hex(randomblob(16)))"
        statement = text(
            "INSERT INTO letter (code, idempotency_key, private_token, case_id, kind, language,"
            " paper, event_id, group_id, sender_name, share_first_name, display_name, status,"
            " created_at) "
            f"SELECT 'B' || g, 'bulk:' || :run || ':' || g, {token},"
            f" CASE g % {len(cases)} {pick} END, 'appeal', 'fr', 'a4',"
            " CASE WHEN g % 2 = 0 THEN :event END, CASE WHEN g % 2 = 0 THEN :grp END,"
            " 'Bulk Writer', true, 'Bulk', 'written', :now "
            f"FROM {series}"
        ).bindparams(bindparam("now", type_=DateTime(timezone=True)))
        begin_write()
        db.session.execute(
            statement,
            {
                "count": count,
                "run": world["run"],
                "event": world["event_id"],
                "grp": world["group_id"],
                "now": datetime.now(UTC),
            },
        )
        tally: dict[tuple, int] = {}
        for g in range(1, count + 1):
            case_id, edition = cases[g % len(cases)]
            key = (edition, case_id, world["event_id"] if g % 2 == 0 else None)
            tally[key] = tally.get(key, 0) + 1
        for (edition, case_id, event_id), quantity in tally.items():
            add_to_tally(
                edition=edition,
                case_id=case_id,
                kind="appeal",
                language="fr",
                channel="online",
                day=today_local(),
                quantity=quantity,
                event_id=event_id,
                group_id=world["group_id"] if event_id else None,
            )
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
    return time.perf_counter() - began


def measure_board(port: int, code: str, samples: int) -> dict:
    path = f"/events/{code}/board.json"
    full, conditional = [], []
    status, headers, body = request(port, "GET", path)
    etag = headers.get("ETag")
    total = json.loads(body)["total"]
    for _ in range(samples):
        began = time.perf_counter()
        request(port, "GET", path)
        full.append(time.perf_counter() - began)
        began = time.perf_counter()
        status, _h, _b = request(port, "GET", path, headers={"If-None-Match": etag})
        conditional.append(time.perf_counter() - began)
        assert status == 304, status
    return {
        "board_total": total,
        "full_p50_ms": round(percentile(full, 0.5) * 1000, 1),
        "full_p95_ms": round(percentile(full, 0.95) * 1000, 1),
        "not_modified_p50_ms": round(percentile(conditional, 0.5) * 1000, 1),
        "not_modified_p95_ms": round(percentile(conditional, 0.95) * 1000, 1),
    }
