"""Benchmark of print batches, beside the naive way and headless Chromium, in the same run.

    .venv/bin/python bench/batch.py [--letters 1000] [--big] [--json]

Builds, on a scratch SQLite database in a temporary directory (letters created directly):
- a batch of N appeal letters and one of N postcards, from letters not rendered yet (rendered by
  all cores) and from letters already rendered (the batch only assembles their PDFs);
- the naive way: one WeasyPrint call per letter (a fresh font configuration each time), then
  merged with pypdf's PdfWriter;
- headless Chromium (/usr/bin/chromium) printing the same letters as one HTML document;
- with --big, 10,000 pre-rendered letters, to show that peak memory does not grow with the batch.

Each measurement runs in its own process so that its peak RSS is its own; ``ru_maxrss`` of the
children (the render pool) is reported beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # marathon, and the tests' helpers (tests.batches_support)
CHROMIUM = "/usr/bin/chromium"


def _app(workdir: Path):
    from marathon import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(workdir),
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "STORAGE_DIR": str(workdir / "storage"),
            "JOBS_EAGER": True,
        }
    )


def _rss() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": round(own, 1), "peak_rss_children_mb": round(children, 1)}


def _letter_bytes(app, ids: list[int]) -> int:
    from sqlalchemy import select

    from marathon.extensions import db
    from marathon.letters.models import Letter

    storage = Path(app.config["STORAGE_DIR"])
    total = 0
    for start in range(0, len(ids), 500):
        rows = db.session.scalars(
            select(Letter.pdf_path).where(Letter.id.in_(ids[start : start + 500]))
        )
        total += sum((storage / path).stat().st_size for path in rows if path)
    return total


def phase_setup(workdir: Path, letters: int, big: int) -> dict:
    """Create the database: N letters, N postcards (not rendered)."""
    from marathon.cases.service import load_cases
    from marathon.extensions import db
    from tests.batches_support import cases, make_letters

    app = _app(workdir)
    with app.app_context():
        db.create_all()
        load_cases()
        case_ids = [case.id for case in cases()]
        make_letters(letters, case_ids=case_ids, kind="appeal", language="fr", body_lines=4)
        make_letters(letters, case_ids=case_ids, kind="postcard", language="fr", body_lines=2)
    return {}


def phase_batch(workdir: Path, product: str) -> dict:
    """Build one batch (eager: in this process and its render pool)."""
    from marathon.batches import service
    from marathon.extensions import db

    app = _app(workdir)
    with app.app_context():
        start = time.perf_counter()
        batch = service.start_batch(
            product, {"kind": "postcard" if product == "postcards" else "appeal"}, "a4"
        )
        elapsed = time.perf_counter() - start
        db.session.rollback()
        db.session.refresh(batch)
        assert batch.status == "done", batch.error
        count = len(batch.letter_ids)
        letters_bytes = _letter_bytes(app, batch.letter_ids)
        return {
            "letters": count,
            "seconds": round(elapsed, 2),
            "letters_per_s": round(count / elapsed, 1),
            "pages": batch.pages,
            "pages_per_s": round(batch.pages / elapsed, 1),
            "file_bytes": batch.file_size,
            "bytes_per_letter": round(batch.file_size / count),
            "letters_pdfs_bytes": letters_bytes,
            "file_vs_letters": round(batch.file_size / letters_bytes, 3),
            **_rss(),
        }


def _contents(app, kind: str):
    from sqlalchemy import select

    from marathon.extensions import db
    from marathon.letters.content import letter_content
    from marathon.letters.models import Letter

    ids = list(db.session.scalars(select(Letter.id).where(Letter.kind == kind).order_by(Letter.id)))
    for letter_id in ids:
        yield letter_content(db.session.get(Letter, letter_id))


def phase_naive(workdir: Path) -> dict:
    """One WeasyPrint call per letter, then merged with pypdf."""
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    from marathon.render.fetcher import SafeURLFetcher
    from marathon.render.letters import render_letter_html

    app = _app(workdir)
    with app.app_context():
        start = time.perf_counter()
        writer, count = PdfWriter(), 0
        for content in _contents(app, "appeal"):
            pdf = HTML(string=render_letter_html(content), url_fetcher=SafeURLFetcher()).write_pdf()
            writer.append(PdfReader(BytesIO(pdf)))
            count += 1
        out = workdir / "naive.pdf"
        writer.write(out)
        elapsed = time.perf_counter() - start
        pages = len(writer.pages)
        return {
            "letters": count,
            "seconds": round(elapsed, 2),
            "letters_per_s": round(count / elapsed, 1),
            "pages": pages,
            "pages_per_s": round(pages / elapsed, 1),
            "file_bytes": out.stat().st_size,
            "bytes_per_letter": round(out.stat().st_size / count),
            **_rss(),
        }


def phase_chromium(workdir: Path) -> dict:
    """Headless Chromium printing the same letters as one HTML document."""
    from marathon.render.letters import render_preview_html

    app = _app(workdir)
    with app.app_context():
        start = time.perf_counter()
        style, bodies, count = "", [], 0
        for content in _contents(app, "appeal"):
            html = render_preview_html(content)
            if not style:
                style = "\n".join(re.findall(r"<style[^>]*>.*?</style>", html, re.S))
            body = re.search(r"<body[^>]*>(.*)</body>", html, re.S)
            bodies.append(f'<div style="break-after: page">{body.group(1) if body else html}</div>')
            count += 1
        document = workdir / "all.html"
        document.write_text(
            f"<!doctype html><html><head><meta charset='utf-8'>{style}</head>"
            f"<body>{''.join(bodies)}</body></html>"
        )
        html_seconds = time.perf_counter() - start
        out = workdir / "chromium.pdf"
        chrome_start = time.perf_counter()
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                f"--user-data-dir={workdir / 'chromium-profile'}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={out}",
                document.as_uri(),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=1800,
        )
        chrome_seconds = time.perf_counter() - chrome_start
        from pypdf import PdfReader

        pages = len(PdfReader(out).pages)
        elapsed = html_seconds + chrome_seconds
        return {
            "letters": count,
            "seconds": round(elapsed, 2),
            "chromium_seconds": round(chrome_seconds, 2),
            "letters_per_s": round(count / elapsed, 1),
            "pages": pages,
            "pages_per_s": round(pages / elapsed, 1),
            "file_bytes": out.stat().st_size,
            "bytes_per_letter": round(out.stat().st_size / count),
            **_rss(),
        }


def phase_big(workdir: Path, count: int) -> dict:
    """``count`` pre-rendered letters (copies of the rendered PDFs, hard-linked) in one batch."""
    from sqlalchemy import select, update

    from marathon.extensions import db
    from marathon.letters.models import Letter
    from tests.batches_support import cases, make_letters

    app = _app(workdir)
    with app.app_context():
        rendered = list(
            db.session.execute(
                select(Letter.pdf_path, Letter.pdf_pages).where(
                    Letter.kind == "appeal", Letter.pdf_path.is_not(None)
                )
            )
        )
        ids = make_letters(
            count, case_ids=[case.id for case in cases()], kind="appeal", language="de"
        )
        storage = Path(app.config["STORAGE_DIR"])
        for index, letter_id in enumerate(ids):
            path, pages = rendered[index % len(rendered)]
            target = f"letters/big-{letter_id}.pdf"
            os.link(storage / path, storage / target)
            db.session.execute(
                update(Letter)
                .where(Letter.id == letter_id)
                .values(pdf_path=target, pdf_pages=pages)
            )
        db.session.commit()
    result = subprocess.run(
        [sys.executable, __file__, "--phase", "batch-de", "--workdir", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout)


def phase_batch_language(workdir: Path, language: str) -> dict:
    from marathon.batches import service
    from marathon.extensions import db

    app = _app(workdir)
    with app.app_context():
        start = time.perf_counter()
        batch = service.start_batch("letters", {"language": language}, "a4")
        elapsed = time.perf_counter() - start
        db.session.rollback()
        db.session.refresh(batch)
        count = len(batch.letter_ids)
        return {
            "letters": count,
            "seconds": round(elapsed, 2),
            "letters_per_s": round(count / elapsed, 1),
            "pages": batch.pages,
            "file_bytes": batch.file_size,
            "bytes_per_letter": round(batch.file_size / count),
            **_rss(),
        }


def _run_phase(workdir: Path, phase: str, *extra: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--workdir", str(workdir), *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--big", action="store_true", help="also 10,000 pre-rendered letters")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        workdir = Path(args.workdir)
        phases = {
            "setup": lambda: phase_setup(workdir, args.letters, 0),
            "letters": lambda: phase_batch(workdir, "letters"),
            "postcards": lambda: phase_batch(workdir, "postcards"),
            "naive": lambda: phase_naive(workdir),
            "chromium": lambda: phase_chromium(workdir),
            "big": lambda: phase_big(workdir, 10_000),
            "batch-de": lambda: phase_batch_language(workdir, "de"),
        }
        print(json.dumps(phases[args.phase]()))
        return

    workdir = Path(tempfile.mkdtemp(prefix="marathon-bench-"))
    try:
        results: dict = {"letters": args.letters, "cpus": os.cpu_count()}
        _run_phase(workdir, "setup", "--letters", str(args.letters))
        results["naive"] = _run_phase(workdir, "naive")
        results["letters_not_rendered"] = _run_phase(workdir, "letters")
        results["postcards_not_rendered"] = _run_phase(workdir, "postcards")
        # The same letters again: now every PDF exists, the batch only assembles.
        results["letters_pre_rendered"] = _run_phase(workdir, "letters")
        results["postcards_pre_rendered"] = _run_phase(workdir, "postcards")
        if Path(CHROMIUM).exists():
            results["chromium"] = _run_phase(workdir, "chromium")
        if args.big:
            results["letters_pre_rendered_10000"] = _run_phase(workdir, "big")
        naive = results["naive"]["letters_per_s"]
        results["speedup_not_rendered_vs_naive"] = round(
            results["letters_not_rendered"]["letters_per_s"] / naive, 2
        )
        if "chromium" in results:
            results["speedup_pre_rendered_vs_chromium"] = round(
                results["letters_pre_rendered"]["letters_per_s"]
                / results["chromium"]["letters_per_s"],
                2,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(results))
        return
    header = ("measure", "letters/s", "pages/s", "bytes/letter", "RSS MB", "children MB")
    widths = (28, 10, 9, 13, 8, 12)
    print(" ".join(f"{name:>{width}}" for name, width in zip(header, widths, strict=True)))
    for key, value in results.items():
        if isinstance(value, dict):
            print(
                f"{key:28} {value.get('letters_per_s', ''):>10} {value.get('pages_per_s', ''):>9} "
                f"{value.get('bytes_per_letter', ''):>13} {value.get('peak_rss_mb', ''):>8} "
                f"{value.get('peak_rss_children_mb', ''):>12}"
            )
        else:
            print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
