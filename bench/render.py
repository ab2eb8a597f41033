"""Benchmark: how fast and how lean one letter and one postcard render, warm and naive.

    .venv/bin/python bench/render.py [--renders N] [--memory-renders M] [--naive-renders K] [--json]

Prints the first render's time (fonts loaded, stylesheets parsed), the median and p95 of a warm
appeal letter and a warm postcard over N renders, the resident memory after 100 and after M
renders (flat memory: no growth per letter), the peak RSS, and beside them "the naive way"
measured in the same run: a fresh FontConfiguration and stylesheets fetched and parsed for every
render, as an app that just calls ``HTML(string=...).write_pdf()`` would do.

Needs no database: the letters are built by hand; the postcard's picture is a placeholder SVG in a
temporary cases folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLACEHOLDER_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="1480" height="1050">
<rect width="1480" height="1050" fill="#5b6b7a"/><circle cx="740" cy="420" r="180" fill="#ccd"/>
<rect x="480" y="640" width="520" height="400" rx="200" fill="#ccd"/></svg>"""


def rss_mb() -> float:
    """Current resident set size, in MiB (Linux /proc)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def sample_contents(photo: Path):
    from marathon.render.content import Addressee, LetterContent
    from marathon.render.letters import default_body

    addressee = Addressee(
        title="Monsieur le Président de la République",
        name="Andry Rajoelina",
        address_lines=("Palais d'État d'Iavoloha", "BP 955", "Antananarivo 101"),
        country="Madagascar",
        is_sample=True,
    )
    common = dict(
        language="fr",
        paper="a4",
        code="ABCD-1234",
        written_on=date(2025, 12, 6),
        case_slug="damisoa",
        case_edition=2025,
        person="Damisoa",
        country_name="Madagascar",
        sender_name="Marie Dupont",
        sender_town="Lyon",
        sender_country="France",
        personal_sentence="Je pense à vous depuis Lyon, avec toute ma solidarité.",
        addressee=addressee,
        photo_path=str(photo),
        photo_alt="Damisoa",
    )
    appeal = (
        "Je vous demande de garantir à Damisoa et à sa communauté l'accès à l'eau, à la "
        "nourriture et à un logement décent, et de les protéger des effets de la sécheresse."
    )
    letter = LetterContent(
        kind="appeal",
        body=default_body("appeal", "fr", person="Damisoa", case_text=appeal),
        **common,
    )
    postcard = LetterContent(
        kind="postcard",
        body=default_body("postcard", "fr", person="Damisoa", case_text=appeal),
        **common,
    )
    return letter, postcard


def timed(function, *args) -> float:
    """Wall-clock milliseconds of one call."""
    start = time.perf_counter()
    function(*args)
    return (time.perf_counter() - start) * 1000


def timed_both(function, *args) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds of one call (CPU time stays fair on a busy machine)."""
    start, cpu_start = time.perf_counter(), time.process_time()
    function(*args)
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu_start) * 1000


def naive_pdf(content) -> bytes:
    """What a naive app does: a fresh font configuration, stylesheets fetched and parsed again."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from marathon.render.fetcher import SafeURLFetcher
    from marathon.render.letters import render_letter_html

    return HTML(string=render_letter_html(content), url_fetcher=SafeURLFetcher()).write_pdf(
        font_config=FontConfiguration()
    )


def run(renders: int, memory_renders: int, naive_renders: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="marathon-bench-"))
    photo = tmp / "cases" / "2025" / "damisoa" / "photo.svg"
    photo.parent.mkdir(parents=True)
    photo.write_text(PLACEHOLDER_SVG)
    os.environ["MARATHON_CASES_DIR"] = str(tmp / "cases")

    import_start = time.perf_counter()
    from marathon.render.letters import render_letter_pdf

    import_ms = (time.perf_counter() - import_start) * 1000
    letter, postcard = sample_contents(photo)

    first_ms = timed(render_letter_pdf, letter)
    first_postcard_ms = timed(render_letter_pdf, postcard)
    for _ in range(3):
        render_letter_pdf(letter)
    letter_wall, letter_cpu = zip(
        *(timed_both(render_letter_pdf, letter) for _ in range(renders)), strict=True
    )
    postcard_wall, postcard_cpu = zip(
        *(timed_both(render_letter_pdf, postcard) for _ in range(renders)), strict=True
    )
    letter_ms, postcard_ms = list(letter_wall), list(postcard_wall)

    done = 2 * renders + 5
    rss_at: dict[int, float] = {}
    for count in range(1, memory_renders + 1):
        render_letter_pdf(letter if count % 4 else postcard)
        if count in (100, memory_renders):
            rss_at[count] = rss_mb()
    done += memory_renders
    warm_peak = peak_rss_mb()

    naive_letter_wall, naive_letter_cpu = zip(
        *(timed_both(naive_pdf, letter) for _ in range(naive_renders)), strict=True
    )
    naive_postcard_wall, naive_postcard_cpu = zip(
        *(timed_both(naive_pdf, postcard) for _ in range(naive_renders)), strict=True
    )
    naive_letter_ms, naive_postcard_ms = list(naive_letter_wall), list(naive_postcard_wall)
    naive_rss = rss_mb()

    return {
        "import_ms": round(import_ms, 1),
        "first_letter_ms": round(first_ms, 1),
        "first_postcard_ms": round(first_postcard_ms, 1),
        "renders": renders,
        "letter_median_ms": round(statistics.median(letter_ms), 1),
        "letter_p95_ms": round(percentile(letter_ms, 0.95), 1),
        "postcard_median_ms": round(statistics.median(postcard_ms), 1),
        "postcard_p95_ms": round(percentile(postcard_ms, 0.95), 1),
        "letter_cpu_median_ms": round(statistics.median(letter_cpu), 1),
        "postcard_cpu_median_ms": round(statistics.median(postcard_cpu), 1),
        "naive_letter_cpu_median_ms": round(statistics.median(naive_letter_cpu), 1),
        "naive_postcard_cpu_median_ms": round(statistics.median(naive_postcard_cpu), 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "naive_renders": naive_renders,
        "naive_letter_median_ms": round(statistics.median(naive_letter_ms), 1),
        "naive_letter_p95_ms": round(percentile(naive_letter_ms, 0.95), 1),
        "naive_postcard_median_ms": round(statistics.median(naive_postcard_ms), 1),
        "naive_postcard_p95_ms": round(percentile(naive_postcard_ms, 0.95), 1),
        "memory_renders": memory_renders,
        "rss_after_100_mib": round(rss_at.get(100, 0.0), 1),
        f"rss_after_{memory_renders}_mib": round(rss_at.get(memory_renders, 0.0), 1),
        "rss_growth_mib": round(rss_at.get(memory_renders, 0.0) - rss_at.get(100, 0.0), 1),
        "peak_rss_warm_mib": round(warm_peak, 1),
        "rss_after_naive_mib": round(naive_rss, 1),
        "peak_rss_mib": round(peak_rss_mb(), 1),
        "total_renders": done + 2 * naive_renders,
        "target_letter_median_ms": 60,
    }


def print_table(figures: dict) -> None:
    m = figures["memory_renders"]
    rows = [
        ("measure", "warm (cached fonts + CSS)", "naive (fresh each time)"),
        ("first letter (cold)", f"{figures['first_letter_ms']} ms", ""),
        ("first postcard", f"{figures['first_postcard_ms']} ms", ""),
        (
            "letter median / p95",
            f"{figures['letter_median_ms']} / {figures['letter_p95_ms']} ms",
            f"{figures['naive_letter_median_ms']} / {figures['naive_letter_p95_ms']} ms",
        ),
        (
            "postcard median / p95",
            f"{figures['postcard_median_ms']} / {figures['postcard_p95_ms']} ms",
            f"{figures['naive_postcard_median_ms']} / {figures['naive_postcard_p95_ms']} ms",
        ),
        (
            "letter / postcard CPU median",
            f"{figures['letter_cpu_median_ms']} / {figures['postcard_cpu_median_ms']} ms",
            f"{figures['naive_letter_cpu_median_ms']} / "
            f"{figures['naive_postcard_cpu_median_ms']} ms",
        ),
        ("RSS after 100 renders", f"{figures['rss_after_100_mib']} MiB", ""),
        (f"RSS after {m} renders", f"{figures[f'rss_after_{m}_mib']} MiB", ""),
        ("RSS growth 100 -> " + str(m), f"{figures['rss_growth_mib']} MiB", ""),
        ("peak RSS", f"{figures['peak_rss_warm_mib']} MiB", f"{figures['peak_rss_mib']} MiB"),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    line = "+".join("-" * (w + 2) for w in widths)
    print(
        f"Render benchmark: {figures['renders']} warm renders each, "
        f"{figures['naive_renders']} naive, target letter median <= "
        f"{figures['target_letter_median_ms']} ms"
    )
    for index, row in enumerate(rows):
        print(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
        if index == 0:
            print(line)
    verdict = "OK" if figures["letter_median_ms"] <= figures["target_letter_median_ms"] else "SLOW"
    print(
        f"warm letter vs target: {verdict} (load average {figures['load_average_1min']} on "
        f"{figures['cpus']} CPUs: on a busy machine the CPU-time row is the fair figure)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200, help="warm renders per kind")
    parser.add_argument("--memory-renders", type=int, default=1000, help="renders for RSS")
    parser.add_argument("--naive-renders", type=int, default=None, help="default: min(N, 30)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    renders = max(1, args.renders)
    memory_renders = max(100, args.memory_renders)
    naive = max(1, args.naive_renders if args.naive_renders is not None else min(renders, 30))
    figures = run(renders, memory_renders, naive)
    if args.json:
        print(json.dumps(figures))
    else:
        print_table(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
