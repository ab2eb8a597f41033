"""The job runner: eager, in-process threads and RQ give the same batches; RQ dedupes job ids."""

from __future__ import annotations

import pytest

from marathon import jobs
from marathon.batches import printing, service
from marathon.extensions import db
from tests.batches_support import batch_files, cases, letter_codes, make_letters, page_texts
from tests.settings import own_queue

# Jobs run in a thread of this process (or, in TestWithRedis, on a queue of the test's own).
pytestmark = pytest.mark.settings(JOBS_EAGER=False)


def _pages_in_order(app, batch) -> list[str]:
    """The text of every page of every file of ``batch``, in print order."""
    return [text for _entry, data in batch_files(app, batch) for text in page_texts(data)]


def test_in_process_and_eager_batches_are_the_same(loaded_cases):
    with loaded_cases.app_context():
        ids = make_letters(3, case_ids=[case.id for case in cases()[:2]])
        background = service.start_batch("letters", {}, "a4")
        jobs.wait_for_jobs(timeout=120)
        db.session.rollback()  # end this session's read snapshot: the job wrote since
        db.session.refresh(background)
        assert background.status == "done", background.error
        loaded_cases.config["JOBS_EAGER"] = True
        eager = printing.reprint_batch(background)
        db.session.refresh(eager)
        assert eager.status == "done"
        assert eager.pages == background.pages
        first = _pages_in_order(loaded_cases, background)
        second = _pages_in_order(loaded_cases, eager)
        assert len(first) == len(second)
        for code in letter_codes(ids):
            assert [code in text for text in first] == [code in text for text in second]


def test_worker_command_refuses_without_redis(loaded_cases):
    result = loaded_cases.test_cli_runner().invoke(args=["marathon", "worker"])
    assert result.exit_code == 2
    assert "MARATHON_REDIS_URL" in result.output


@pytest.mark.settings(own_queue())
class TestWithRedis:
    def test_starting_the_same_batch_twice_gives_the_queued_one(self, loaded_cases):
        with loaded_cases.app_context():
            queue = jobs.rq_queue()
            try:
                make_letters(2, case_ids=[cases()[0].id])
                first = service.start_batch("letters", {"unprinted": True}, "a4")
                second = service.start_batch("letters", {"unprinted": "on"}, "a4")
                assert second.id == first.id
                assert first.status == "queued"
                assert queue.count == 1
                # Enqueueing the same job id again while it waits does nothing either.
                jobs.enqueue(service.BUILD_TASK, first.id, job_id=service.job_id_for(first.id))
                assert queue.count == 1
                other = service.start_batch("letters", {}, "a4")
                assert other.id != first.id and queue.count == 2
            finally:
                queue.empty()
                queue.delete(delete_jobs=True)

    def test_jobs_take_ids_only(self, loaded_cases):
        with loaded_cases.app_context(), pytest.raises(TypeError):
            jobs.enqueue(service.BUILD_TASK, "batch name")
