"""Benchmark of print batches, beside pdfunite, the naive way and headless Chromium, in one run.

    .venv/bin/python bench/batch.py [--letters 1000] [--naive-every 5] [--big] [--json]

Builds, on a scratch SQLite database in a temporary directory, the sample cases (cases/, by the
loader) and N letters as volunteers write them: every case, every kind it offers, every language
it offers that kind in, with varied names, towns and personal sentences (seeded: every run
writes the same letters). Then, each in its own process:
- the naive way: one WeasyPrint call per letter (a fresh font configuration each time; every
  n-th letter, the same mix), then merged with pypdf's PdfWriter;
- the batch of all N letters, from letters not rendered yet (rendered by all cores), then again
  from letters already rendered (the batch only assembles their PDFs: covers, imposed cards and
  postcards, contents sheet, ZIP);
- poppler's pdfunite merging the same pre-rendered PDFs, in the batch's order, right after;
  then the batch's PDF writer alone doing exactly that (no covers, contents or imposition);
- headless Chromium (/usr/bin/chromium) printing the appeal letters as one HTML document;
- with --big, 10,000 more pre-rendered letters (hard links to rendered PDFs of the same kind) in
  one batch and through pdfunite: peak memory must not grow with the batch.

``pre_rendered_vs_pdfunite`` is the pre-rendered batch's letters/s over pdfunite's (target
>= 0.7), ``bytes_vs_pdfunite`` its ZIP's bytes over pdfunite's file (target <= 0.65); the
machine is shared, so compare ratios within one run and take the median of several runs.
``writer_vs_pdfunite`` and ``writer_bytes_vs_pdfunite`` compare the writer alone.
Each measurement runs in its own process so that its peak RSS is its own; ``ru_maxrss`` of the
children (the render pool, pdfunite) is reported beside it.
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
PDFUNITE = "/usr/bin/pdfunite"  # Debian poppler-utils
BIG = 10_000


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


# --- letters as volunteers write them --------------------------------------------------------
# A seeded generator makes every run write the same letters. Names, towns and sentences vary as
# at a real marathon: each letter's words differ, so each letter's font subsets differ too (the
# near-copies this bench wrote before shared them, and gave the batch an easy 6.7 KB a letter).

FIRST_NAMES = {
    "fr": [
        "Marie",
        "Jean",
        "Camille",
        "Léa",
        "Hugo",
        "Chloé",
        "Nathalie",
        "François",
        "Inès",
        "Théo",
        "Zoé",
        "Benoît",
        "Élodie",
        "Mathis",
        "Amélie",
        "Jérôme",
        "Océane",
        "Gaëlle",
    ],
    "en": [
        "Emily",
        "James",
        "Olivia",
        "Noah",
        "Grace",
        "Oliver",
        "Hannah",
        "William",
        "Chloe",
        "Samuel",
        "Ruth",
        "Daniel",
        "Megan",
        "Thomas",
        "Fiona",
        "Patrick",
    ],
    "es": [
        "Lucía",
        "Mateo",
        "Sofía",
        "Javier",
        "Martina",
        "Álvaro",
        "Carmen",
        "Pablo",
        "Inés",
        "Andrés",
        "Núria",
        "Íñigo",
        "Paula",
        "Sergio",
    ],
    "ar": ["سارة", "يوسف", "ليلى", "كريم", "مريم", "عمر", "نادية", "سليم", "هدى", "رامي"],
}
LAST_NAMES = {
    "fr": [
        "Dupont",
        "Martin",
        "Lefèvre",
        "Bernard",
        "Moreau",
        "Girard",
        "Rousseau",
        "Fournier",
        "Mercier",
        "Lambert",
        "Bonnet",
        "François",
        "Chevalier",
        "Garnier",
        "Faure",
        "Nguyen",
    ],
    "en": [
        "Smith",
        "Taylor",
        "Brown",
        "O'Connor",
        "Walsh",
        "Hughes",
        "Clarke",
        "Murphy",
        "Patel",
        "Wright",
        "Kelly",
        "Evans",
    ],
    "es": [
        "García",
        "Fernández",
        "López",
        "Martínez",
        "Sánchez",
        "Pérez",
        "Gómez",
        "Ruiz",
        "Díaz",
        "Muñoz",
        "Álvarez",
        "Romero",
    ],
    "ar": ["الهاشمي", "بن علي", "منصور", "العمري", "حداد", "خليل", "الزين", "صالح"],
}
TOWNS = [
    ("Lyon", "France"),
    ("Marseille", "France"),
    ("Rennes", "France"),
    ("Saint-Étienne", "France"),
    ("Besançon", "France"),
    ("Aix-en-Provence", "France"),
    ("Villeurbanne", "France"),
    ("Clermont-Ferrand", "France"),
    ("Nîmes", "France"),
    ("Quimper", "France"),
    ("Évry", "France"),
    ("Grenoble", "France"),
    ("Lille", "France"),
    ("Montreuil", "France"),
    ("Brest", "France"),
    ("Bruxelles", "Belgique"),
    ("Liège", "Belgique"),
    ("Genève", "Suisse"),
    ("Québec", "Canada"),
    ("Montréal", "Canada"),
    ("", ""),
]
SENTENCES = {
    "fr": [
        "Je vous écris depuis {town}, où notre groupe se mobilise chaque année.",
        "Étudiante à {town}, je suis cette situation avec beaucoup d'inquiétude.",
        "Enseignant à la retraite, je pense souvent à {person}.",
        "Je suis mère de trois enfants et cette histoire m'a bouleversée.",
        "Nous sommes nombreux, à {town}, à attendre une réponse de votre part.",
        "Je m'appelle {first} et j'ai appris la situation de {person} lors du marathon.",
        "Infirmière depuis vingt ans, je sais ce que veut dire l'accès aux soins.",
        "Toute ma famille se joint à moi pour vous écrire.",
    ],
    "en": [
        "I am writing from {town}, where our group meets every December.",
        "As a student, I have followed the situation of {person} closely.",
        "I am a retired teacher and I think of {person} often.",
        "My name is {first}; I learned about {person} at our local marathon.",
        "Many of us are waiting for your answer.",
        "I am a nurse, and I know what access to care means for a family.",
    ],
    "es": [
        "Le escribo desde {town}, donde nuestro grupo se reúne cada diciembre.",
        "Soy estudiante y sigo con preocupación la situación de {person}.",
        "Me llamo {first} y conocí el caso de {person} en el maratón de cartas.",
        "Soy maestra jubilada y pienso a menudo en {person}.",
        "Toda mi familia se une a esta carta.",
    ],
    "ar": [
        "أكتب إليكم من {town}، حيث تلتقي مجموعتنا كل عام.",
        "اسمي {first}، وعرفت قصة {person} خلال ماراثون الرسائل.",
        "أنا معلمة متقاعدة وأفكر في {person} كثيرًا.",
        "تنضم إليّ عائلتي كلها في هذه الرسالة.",
    ],
}
ADDED_PARAGRAPHS = {
    "fr": "Je compte sur vous et je resterai attentif·ve à la suite donnée à cette lettre.",
    "en": "I count on you, and I will follow what becomes of this letter.",
    "es": "Cuento con usted y estaré atento/a a la respuesta a esta carta.",
    "ar": "أعوّل عليكم، وسأتابع ما يترتب على هذه الرسالة.",
}


def volunteer_letters(count: int, seed: int = 2025, group_id: int | None = None) -> list[int]:
    """``count`` letters as volunteers write them; returns their ids.

    Every loaded case, every kind it offers and every language it offers that kind in, in
    turn (the mix of a real marathon); each letter has its own name, town, personal sentence
    and, now and then, a paragraph of the volunteer's own in the suggested text.
    """
    import random
    import uuid

    from sqlalchemy import select

    from marathon.cases.models import Case
    from marathon.database import begin_write
    from marathon.extensions import db
    from marathon.letters.content import default_body_for
    from marathon.letters.models import Letter
    from marathon.letters.service import offered_languages

    rng = random.Random(seed)
    cases = list(db.session.scalars(select(Case).where(Case.active).order_by(Case.position)))
    combos = [
        (case, kind, language)
        for case in cases
        for kind in case.kinds
        for language in offered_languages(case, kind)
    ]
    bodies = {
        (case.id, kind, language): default_body_for(case, kind, language)
        for case, kind, language in combos
    }
    begin_write()
    letters = []
    for index in range(count):
        case, kind, language = combos[index % len(combos)]
        names = language if language in FIRST_NAMES else "fr"
        first = rng.choice(FIRST_NAMES[names])
        town, country = rng.choice(TOWNS)
        sentence = rng.choice(SENTENCES[names]).format(
            town=town or "chez moi", person=case.person, first=first
        )
        body = bodies[(case.id, kind, language)]
        if kind == "appeal" and rng.random() < 0.3:
            body += "\n\n" + ADDED_PARAGRAPHS[names]
        code = uuid.UUID(int=rng.getrandbits(128)).hex[:8].upper()
        letters.append(
            Letter(
                code=f"{code[:4]}-{code[4:]}",
                idempotency_key=uuid.UUID(int=rng.getrandbits(128)).hex,
                private_token=uuid.UUID(int=rng.getrandbits(128)).hex,
                case_id=case.id,
                kind=kind,
                language=language,
                paper="a4",
                group_id=group_id,
                sender_name=f"{first} {rng.choice(LAST_NAMES[names])}",
                sender_town=town,
                sender_country=country,
                personal_sentence=sentence,
                body=body,
                status="written",
            )
        )
    db.session.add_all(letters)
    db.session.commit()
    return [letter.id for letter in letters]


def phase_setup(workdir: Path, letters: int) -> dict:
    """Create the database: the sample cases (by the loader), N letters (not rendered)."""
    from marathon.cases.service import load_cases
    from marathon.extensions import db

    app = _app(workdir)
    with app.app_context():
        db.create_all()
        load_cases()
        volunteer_letters(letters)
    return {}


def _batch_result(app, batch, elapsed: float) -> dict:
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
        "rendered_bytes_per_letter": round(letters_bytes / count),
        "file_vs_letters": round(batch.file_size / letters_bytes, 3),
        **_rss(),
    }


def phase_batch(workdir: Path, filters: dict) -> dict:
    """Build one batch of every kind (eager: in this process and its render pool)."""
    from marathon.batches import service
    from marathon.extensions import db

    app = _app(workdir)
    with app.app_context():
        start = time.perf_counter()
        batch = service.start_batch("letters", filters, "a4")
        elapsed = time.perf_counter() - start
        db.session.rollback()
        db.session.refresh(batch)
        assert batch.status == "done", batch.error
        return _batch_result(app, batch, elapsed)


def _batch_pdfs(app, filters: dict) -> list[Path]:
    """The PDFs of the letters a batch with ``filters`` holds, in the batch's order."""
    from marathon.batches import service
    from marathon.extensions import db
    from marathon.letters.models import Letter

    query = service.letters_query("letters", "a4", filters).with_only_columns(Letter.pdf_path)
    storage = Path(app.config["STORAGE_DIR"])
    paths = list(db.session.scalars(query))
    assert all(paths), "every letter is rendered"
    return [storage / path for path in paths]


def phase_pdfunite(workdir: Path, filters: dict) -> dict:
    """poppler's pdfunite merging the same pre-rendered letters, in the batch's order."""
    app = _app(workdir)
    with app.app_context():
        paths = _batch_pdfs(app, filters)
    out = workdir / "pdfunite.pdf"
    # GNU time reports pdfunite's own peak memory (ru_maxrss of a child forked from this
    # process would count this process's memory too).
    rss_file = workdir / "pdfunite.rss"
    timed = (
        ["/usr/bin/time", "-f", "%M", "-o", str(rss_file)] if Path("/usr/bin/time").exists() else []
    )
    start = time.perf_counter()
    subprocess.run([*timed, PDFUNITE, *map(str, paths), str(out)], check=True, timeout=1800)
    elapsed = time.perf_counter() - start
    rss = _rss()
    if timed:
        rss["peak_rss_children_mb"] = round(int(rss_file.read_text().split()[-1]) / 1024, 1)
    count = len(paths)
    size = out.stat().st_size
    pages = int(
        re.search(
            rb"Pages:\s+(\d+)", subprocess.run(["pdfinfo", out], capture_output=True).stdout
        ).group(1)
    )
    out.unlink()
    return {
        "letters": count,
        "seconds": round(elapsed, 2),
        "letters_per_s": round(count / elapsed, 1),
        "pages": pages,
        "pages_per_s": round(pages / elapsed, 1),
        "file_bytes": size,
        "bytes_per_letter": round(size / count),
        **rss,
    }


def phase_writer(workdir: Path, filters: dict) -> dict:
    """The batch's PDF writer alone merging the same pre-rendered letters, in the same order,
    into one file: pdfunite's work exactly (no covers, contents sheet or imposition)."""
    from marathon.batches.pdfstream import PdfStreamWriter

    app = _app(workdir)
    with app.app_context():
        paths = _batch_pdfs(app, filters)
    out = workdir / "writer.pdf"
    start = time.perf_counter()
    with open(out, "wb") as output:
        writer = PdfStreamWriter(output)
        for path in paths:
            writer.add_pdf(str(path))
        pages = writer.close()
    elapsed = time.perf_counter() - start
    count = len(paths)
    size = out.stat().st_size
    out.unlink()
    return {
        "letters": count,
        "seconds": round(elapsed, 2),
        "letters_per_s": round(count / elapsed, 1),
        "pages": pages,
        "pages_per_s": round(pages / elapsed, 1),
        "file_bytes": size,
        "bytes_per_letter": round(size / count),
        **_rss(),
    }


def _contents(app, every: int = 1, kind: str | None = None):
    from sqlalchemy import select

    from marathon.extensions import db
    from marathon.letters.content import letter_content
    from marathon.letters.models import Letter

    query = select(Letter.id).where(Letter.group_id.is_(None)).order_by(Letter.id)
    if kind is not None:
        query = query.where(Letter.kind == kind)
    ids = list(db.session.scalars(query))[::every]
    for letter_id in ids:
        yield letter_content(db.session.get(Letter, letter_id))


def phase_naive(workdir: Path, every: int) -> dict:
    """One WeasyPrint call per letter (every ``every``-th letter: the same mix), then merged
    with pypdf."""
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    from marathon.render.fetcher import SafeURLFetcher
    from marathon.render.letters import render_letter_html

    app = _app(workdir)
    with app.app_context():
        start = time.perf_counter()
        writer, count = PdfWriter(), 0
        for content in _contents(app, every):
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
    """Headless Chromium printing the appeal letters as one HTML document (one page size and
    one stylesheet per document: the other kinds are left out)."""
    from marathon.render.letters import render_preview_html

    app = _app(workdir)
    with app.app_context():
        start = time.perf_counter()
        style, bodies, count = "", [], 0
        for content in _contents(app, kind="appeal"):
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
        info = subprocess.run(["pdfinfo", out], capture_output=True, check=True).stdout
        pages = int(re.search(rb"Pages:\s+(\d+)", info).group(1))
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


def phase_big_setup(workdir: Path, count: int) -> dict:
    """``count`` more letters (another seed: other words) in a group of their own, each given
    the PDF of a rendered letter of the same kind (hard links): pre-rendered, ready to merge."""
    from collections import defaultdict

    from sqlalchemy import select, update

    from marathon.events.models import Group
    from marathon.extensions import db
    from marathon.letters.models import Letter

    app = _app(workdir)
    with app.app_context():
        rendered: dict[str, list] = defaultdict(list)
        for kind, path, pages in db.session.execute(
            select(Letter.kind, Letter.pdf_path, Letter.pdf_pages).where(
                Letter.pdf_path.is_not(None)
            )
        ):
            rendered[kind].append((path, pages))
        group = Group(name="big", town="big")
        db.session.add(group)
        db.session.commit()
        group_id = group.id
        ids = volunteer_letters(count, seed=10_000, group_id=group_id)
        storage = Path(app.config["STORAGE_DIR"])
        kinds = {
            letter_id: kind
            for letter_id, kind in db.session.execute(
                select(Letter.id, Letter.kind).where(Letter.group_id == group_id)
            )
        }
        for index, letter_id in enumerate(ids):
            choices = rendered[kinds[letter_id]]
            path, pages = choices[index % len(choices)]
            target = f"letters/big-{letter_id}.pdf"
            os.link(storage / path, storage / target)
            db.session.execute(
                update(Letter)
                .where(Letter.id == letter_id)
                .values(pdf_path=target, pdf_pages=pages)
            )
        db.session.commit()
    return {"group_id": group_id}


def _run_phase(workdir: Path, phase: str, *extra: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--workdir", str(workdir), *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3) if denominator else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument(
        "--naive-every", type=int, default=5, help="the naive way renders every n-th letter"
    )
    parser.add_argument("--big", action="store_true", help="also 10,000 pre-rendered letters")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--filters", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        workdir = Path(args.workdir)
        filters = json.loads(args.filters)
        phases = {
            "setup": lambda: phase_setup(workdir, args.letters),
            "letters": lambda: phase_batch(workdir, filters),
            "pdfunite": lambda: phase_pdfunite(workdir, filters),
            "writer": lambda: phase_writer(workdir, filters),
            "naive": lambda: phase_naive(workdir, args.naive_every),
            "chromium": lambda: phase_chromium(workdir),
            "big-setup": lambda: phase_big_setup(workdir, BIG),
        }
        print(json.dumps(phases[args.phase]()))
        return

    workdir = Path(tempfile.mkdtemp(prefix="marathon-bench-"))
    try:
        results: dict = {"letters": args.letters, "cpus": os.cpu_count()}
        _run_phase(workdir, "setup", "--letters", str(args.letters))
        results["naive"] = _run_phase(workdir, "naive", "--naive-every", str(args.naive_every))
        results["letters_not_rendered"] = _run_phase(workdir, "letters")
        # The same letters again: now every PDF exists, the batch only assembles; pdfunite
        # merges the same PDFs right after, on the same warm files.
        results["letters_pre_rendered"] = _run_phase(workdir, "letters")
        results["pdfunite"] = _run_phase(workdir, "pdfunite")
        results["writer_only"] = _run_phase(workdir, "writer")
        if Path(CHROMIUM).exists():
            results["chromium_appeals"] = _run_phase(workdir, "chromium")
        if args.big:
            group = _run_phase(workdir, "big-setup")["group_id"]
            filters = json.dumps({"group_id": group})
            results["pre_rendered_10000"] = _run_phase(workdir, "letters", "--filters", filters)
            results["pdfunite_10000"] = _run_phase(workdir, "pdfunite", "--filters", filters)
        pre, unite = results["letters_pre_rendered"], results["pdfunite"]
        results["rendered_bytes_per_letter"] = pre["rendered_bytes_per_letter"]
        results["pre_rendered_vs_pdfunite"] = _ratio(pre["letters_per_s"], unite["letters_per_s"])
        results["bytes_vs_pdfunite"] = _ratio(pre["file_bytes"], unite["file_bytes"])
        writer = results["writer_only"]
        results["writer_vs_pdfunite"] = _ratio(writer["letters_per_s"], unite["letters_per_s"])
        results["writer_bytes_vs_pdfunite"] = _ratio(writer["file_bytes"], unite["file_bytes"])
        results["speedup_not_rendered_vs_naive"] = _ratio(
            results["letters_not_rendered"]["letters_per_s"], results["naive"]["letters_per_s"]
        )
        if "chromium_appeals" in results:
            results["speedup_pre_rendered_vs_chromium"] = _ratio(
                pre["letters_per_s"], results["chromium_appeals"]["letters_per_s"]
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(results))
        return
    print_table(results)


def print_table(results: dict) -> None:
    """The results as a table, then the ratios and the targets."""
    header = ("measure", "letters", "seconds", "letters/s", "bytes", "bytes/letter", "RSS MB")
    widths = (28, 8, 8, 10, 11, 13, 8)
    print(" ".join(f"{name:>{width}}" for name, width in zip(header, widths, strict=True)))
    for key, value in results.items():
        if isinstance(value, dict):
            rss = value.get("peak_rss_mb", "")
            if value.get("peak_rss_children_mb"):
                rss = f"{rss}+{value['peak_rss_children_mb']}"  # and its children (pool, tool)
            print(
                f"{key:28} {value.get('letters', ''):>8} {value.get('seconds', ''):>8} "
                f"{value.get('letters_per_s', ''):>10} {value.get('file_bytes', ''):>11} "
                f"{value.get('bytes_per_letter', ''):>13} {rss:>8}"
            )
    print()
    for key, value in results.items():
        if not isinstance(value, dict):
            print(f"{key:34} {value}")
    print(
        f"\nThe batch of pre-rendered letters against pdfunite: "
        f"{results['pre_rendered_vs_pdfunite']}x its letters/s (target >= 0.7), "
        f"{results['bytes_vs_pdfunite']}x its bytes (target <= 0.65); the writer alone: "
        f"{results['writer_vs_pdfunite']}x and {results['writer_bytes_vs_pdfunite']}x."
    )


if __name__ == "__main__":
    main()
