"""The streaming PDF writer writes identical objects once, with a bounded memory of them."""

from __future__ import annotations

import io

import pytest
from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject

from marathon.batches import pdfstream


@pytest.fixture
def database() -> str:
    return "sqlite"  # no database involved


def _small(value: int) -> DictionaryObject:
    return DictionaryObject({NameObject("/N"): NumberObject(value)})


def _large(fill: bytes) -> StreamObject:
    stream = StreamObject()
    stream._data = fill * pdfstream.LARGE_OBJECT_BYTES
    return stream


def test_large_objects_are_written_once_however_far_apart():
    writer = pdfstream.PdfStreamWriter(io.BytesIO())
    font = writer.write_object(_large(b"F"))
    for value in range(pdfstream.SMALL_OBJECTS_REMEMBERED * 2):
        writer.write_object(_small(value))
    assert writer.write_object(_large(b"F")) == font


def test_small_objects_shared_by_every_letter_stay_remembered_and_the_index_stays_bounded():
    writer = pdfstream.PdfStreamWriter(io.BytesIO())
    shared = writer.write_object(_small(-1))
    first = writer.write_object(_small(0))
    for value in range(1, pdfstream.SMALL_OBJECTS_REMEMBERED * 3):
        writer.write_object(_small(value))  # one letter's own object: never seen again
        assert writer.write_object(_small(-1)) == shared  # used by every letter
    assert len(writer._seen_small) <= pdfstream.SMALL_OBJECTS_REMEMBERED
    # A small object not seen for a long while is forgotten and written again: a few bytes more.
    assert writer.write_object(_small(0)) != first
