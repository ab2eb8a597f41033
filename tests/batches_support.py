"""Shared set-up of the batches tests: groups, cases, letters made directly (fast)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pdfplumber
from pypdf import PdfReader
from sqlalchemy import select

from marathon.cases.models import Case
from marathon.database import begin_write
from marathon.extensions import db
from marathon.letters.models import Letter

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))


def start_worker(app, *extra: str) -> subprocess.Popen:
    """``flask marathon worker`` on the app's queue, in its own process (as in production)."""
    from tests.services import REDIS_TEST_URL

    env = {
        **os.environ,
        "MARATHON_DATABASE_URL": app.config["DATABASE_URL"],
        "MARATHON_INSTANCE_PATH": app.instance_path,
        "MARATHON_STORAGE_DIR": app.config["STORAGE_DIR"],
        "MARATHON_REDIS_URL": REDIS_TEST_URL,
        "MARATHON_SECRET_KEY": "test-secret",
        "MARATHON_CASES_DIR": app.config["CASES_DIR"],
    }
    return subprocess.Popen(
        [FLASK, "--app", "app", "marathon", "worker", "--queues", app.config["JOBS_QUEUE"], *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(app.instance_path) / "worker.log", "ab"),
        start_new_session=True,
    )


def make_case(
    slug: str,
    person: str,
    *,
    authority: str,
    card_to: str,
    country: str = "MG",
    card_country: str = "FR",
    kinds: Iterable[str] = ("appeal", "postcard", "card", "solidarity_postcard"),
    languages: Iterable[str] = ("en", "fr"),
    position: int = 1,
    long_lines: bool = False,
) -> int:
    """A case of this edition with distinct destinations; returns its id.

    ``authority`` names the appeals' addressee and ``card_to`` the place cards go to: tests look
    for these names on every page to tell who a piece speaks to. The personal greeting names
    ``person``.
    """
    from flask import current_app

    first = person.split()[0]
    texts = {
        language: {
            "title": f"{person} title",
            "summary": "Summary.",
            "story": "Story.",
            "ask": "Ask.",
            "card_rules": "Rules.",
            "salutation": "Dear Sir or Madam,",
            "greeting": f"Dear {first},",
            "appeal_body": "I urge you to act.",
            "postcard_appeal": "I urge you to act now.",
            "card_message": "We stand with you.",
        }
        for language in languages
    }
    extra = (
        ["Building of the Ministry, Office 1201, twelfth floor, east wing"] if long_lines else []
    )
    begin_write()
    case = Case(
        edition=current_app.config["EDITION"],
        slug=slug,
        position=position,
        person=person,
        country=country,
        kinds=list(kinds),
        texts=texts,
        appeal_addressee={
            "title": "Minister",
            "name": authority,
            "address_lines": [*extra, "1 Palace Road", "Capital 101"],
            "country": country,
        },
        appeal_salutation={language: "Dear Minister," for language in languages},
        card_address={
            "name": card_to,
            "address_lines": [*extra, "10 Rue des Cartes", "75011 Paris"],
            "country": card_country,
        },
        sample_fields=[],
    )
    db.session.add(case)
    db.session.commit()
    return case.id


def cases() -> list[Case]:
    """The loaded cases, in catalogue order."""
    return list(db.session.scalars(select(Case).order_by(Case.position, Case.id)))


def make_letters(
    count: int,
    *,
    case_ids: Iterable[int],
    kind: str = "appeal",
    language: str = "fr",
    paper: str = "a4",
    group_id: int | None = None,
    event_id: int | None = None,
    status: str = "written",
    body_lines: int = 3,
) -> list[int]:
    """``count`` letters spread over ``case_ids`` (round robin); returns their ids."""
    case_ids = list(case_ids)
    begin_write()
    letters = []
    for index in range(count):
        code = uuid.uuid4().hex[:8].upper()
        letter = Letter(
            code=f"{code[:4]}-{code[4:]}",
            idempotency_key=uuid.uuid4().hex,
            private_token=uuid.uuid4().hex,
            case_id=case_ids[index % len(case_ids)],
            kind=kind,
            language=language,
            paper=paper,
            group_id=group_id,
            event_id=event_id,
            sender_name=f"Volunteer {index}",
            sender_town="Lyon",
            sender_country="France",
            personal_sentence="Je pense à vous.",
            body="\n\n".join(f"Paragraphe {n} de la lettre {index}." for n in range(body_lines)),
            status=status,
        )
        db.session.add(letter)
        letters.append(letter)
    db.session.commit()
    return [letter.id for letter in letters]


def letter_codes(ids: list[int]) -> list[str]:
    """The codes of letters ``ids``, in that order."""
    found = dict(db.session.execute(select(Letter.id, Letter.code).where(Letter.id.in_(ids))).all())
    return [found[letter_id] for letter_id in ids]


# --- reading a batch's files --------------------------------------------------------------------

MM = 72 / 25.4
SIZES = {"a4": (210 * MM, 297 * MM), "letter": (8.5 * 72, 11 * 72)}
CODE = re.compile(r"\b[0-9A-F]{4}-[0-9A-F]{4}\b")


def batch_files(app, batch) -> list[tuple[dict, bytes]]:
    """Each file of a finished batch (its ``Batch.files`` entry and bytes), in order."""
    from marathon.batches import service

    path = service.ready_file(batch)
    assert path is not None, batch.error
    assert Path(app.config["STORAGE_DIR"], batch.file_path) == path
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == [entry["name"] for entry in batch.files]
        return [(entry, archive.read(entry["name"])) for entry in batch.files]


def all_codes() -> list[str]:
    """Every letter's code."""
    return list(db.session.scalars(select(Letter.code)))


def codes_in(text: str, known: Iterable[str]) -> list[str]:
    """The codes of ``known`` that ``text`` shows, as printed (extraction may glue a code to a
    neighbour; a right-to-left card isolates its code, so it reads as on its label)."""
    return sorted(code for code in known if code in text)


def page_texts(data: bytes) -> list[str]:
    """The text of each page (pypdf: it reads the turned text of imposed postcards too)."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in points, read by pdfplumber."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [(float(page.width), float(page.height)) for page in pdf.pages]


def same_size(size: tuple[float, float], paper: str) -> bool:
    """Whether ``size`` (points) is the sheet ``paper`` (within half a point)."""
    expected = SIZES[paper]
    return abs(size[0] - expected[0]) < 0.5 and abs(size[1] - expected[1]) < 0.5


KICKER = re.compile(r"PRINT BATCH (\d+) · NO\. (\d+) OF (\d+) · FILE (\S+)", re.IGNORECASE)


def parse_cover(text: str) -> dict | None:
    """What a cover sheet says (None if the page is not a cover sheet)."""
    match = KICKER.search(text)
    if match is None:
        return None
    lines = [line.strip() for line in text.splitlines()]
    count_line = next(line for line in lines if re.match(r"^\d+ × ", line))
    count, label = count_line.split(" × ", 1)
    start = lines.index("SEND TO") + 1
    end = next(i for i, line in enumerate(lines) if line.startswith("Country:"))
    weight = re.search(r"about (\d+) g", text)
    postage = next((line for line in lines if line.startswith("Postage")), None)
    return {
        "number": int(match.group(2)),
        "of": int(match.group(3)),
        "file": match.group(4).lower(),
        "count": int(count),
        "label": label,
        "case": re.search(r"Case: (.+?) \(", text).group(1),
        "address": lines[start:end],
        "country": lines[end],
        "grams": int(weight.group(1)) if weight else None,
        "postage": postage,
        "text": text,
    }


def envelopes_of(data: bytes) -> list[tuple[dict, list[str]]]:
    """(cover, texts of the pages after it up to the next cover), in file order."""
    envelopes: list[tuple[dict, list[str]]] = []
    for index, text in enumerate(page_texts(data)):
        cover = parse_cover(text)
        if cover is not None:
            envelopes.append((cover, []))
            continue
        assert envelopes, f"page {index} comes before any cover sheet"
        envelopes[-1][1].append(text)
    return envelopes


def kind_of_label(label: str) -> str:
    """The kind name of a cover's (English) label, singular or plural."""
    from marathon.kinds import KINDS

    for name, kind in KINDS.items():
        if label in (str(kind.label), str(kind.plural)):
            return name
    raise AssertionError(f"unknown kind label {label!r}")


def expected_destination(case_id: int, kind: str, language: str = "en") -> list[str]:
    """The address lines a piece of ``kind`` of the case is sent to."""
    from marathon.batches.labels import address_lines
    from marathon.letters.content import case_destination

    return list(address_lines(case_destination(db.session.get(Case, case_id), kind, language)))
