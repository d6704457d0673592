"""Speed at the size of a whole organisation, measured as a user runs expertfind.

    python benchmarks/scale.py --quick            # 1k and 5k people, 3 runs each (< 2 minutes)
    python benchmarks/scale.py                    # 1k, 10k and 100k people, 5 runs each
    python benchmarks/scale.py --sizes 1000,5000  # other sizes

For each size a deterministic synthetic directory is generated (about 8 skills with levels,
3 interests and 10 contributions of title + tags + about 80 words per person, Dutch and English
vocabulary with a long tail of rare terms) and written as JSON Lines. Then, each time in a fresh
process exactly as a user runs it, and as the median of several runs:

- `expertfind import FILE` into an empty directory (seconds, people per second, peak memory of
  the import and the second process that reads words with it, together);
- the same import again, with nothing changed: as a user runs it (expertfind remembers the last
  import, so the same export into an unchanged directory is known unchanged without a merge), and
  with that memory removed first (every record read, validated and merged: `merged s`);
- `expertfind ask QUESTION` for 10 different questions (short skills, phrases, long questions);
- `expertfind ask QUESTION --json` with stdout to a file;
- the floor, in the same run and interleaved with the asks: a fresh `python -c "import typer, rich"`
  — nothing that imports those can start faster.

Every time is also given divided by the floor: ratios hold on a noisy machine, absolute times don't.
An import is timed once per 3 runs (`--runs 3`: once), the rest as often as `--runs` says; before
each timed run, what the runs before wrote is flushed to disk (`os.sync`), so that no run pays
for the writing of another.

Python's compiled-module cache is on for every process (in a cache folder of the run, warmed up
before anything is timed), as it is for an installed package: a machine that sets
PYTHONDONTWRITEBYTECODE would otherwise compile expertfind's modules from source on every run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

QUESTIONS = (
    "crowdfunding",
    "kennismanagement",
    "python",
    "working out loud",
    "wie weet iets van intervisie?",
    "MOOC moderatie",
    "who can help me with data visualisation in R",
    "leiderschapsprogramma voor teamleiders",
    "hoe organiseer ik een hackathon met open data en burgers",
    "personal knowledge management",
)
TOPICS = (
    "crowdfunding", "kennismanagement", "working out loud", "intervisie", "MOOC moderatie",
    "leiderschap", "python", "data visualisatie", "R", "open data", "hackathon", "storytelling",
    "coaching", "facilitatie", "begroting", "wetgeving", "AVG", "informatiebeveiliging",
    "e-learning", "social learning", "personal knowledge management", "communitymanagement",
    "projectmanagement", "scrum", "design thinking", "verandermanagement", "participatie",
    "grondwater", "klimaatadaptatie", "data-analyse", "machine learning", "Java", "JavaScript",
    "SQL", "podcasts", "gamification", "learning design", "blended learning", "feedback geven",
    "omgevingswet",
)
WORDS = (
    "we", "hebben", "samen", "geleerd", "hoe", "team", "project", "collega", "kennis", "delen",
    "ervaring", "praktijk", "organisatie", "beleid", "ministerie", "onderzoek", "methode",
    "workshop", "sessie", "groep", "vraag", "antwoord", "resultaat", "aanpak", "netwerk", "leren",
    "the", "we", "learned", "how", "share", "knowledge", "practice", "community", "results",
    "approach", "meeting", "session", "questions", "experience", "colleagues", "program",
)
KINDS = ("blog", "talk", "workshop", "answer", "publication", "course", "project")
TEAMS = ("Communicatie", "Financiën", "HR", "Juridische Zaken", "Academie", "Digitale Werkplek",
         "Kennis & Informatie", "Open Overheid", "Toezicht", "Water en Bodem")
FIRST = ("Sanne", "Bram", "Eva", "Daan", "Fatima", "Mila", "Noor", "Pieter", "Lotte", "Sara",
         "Özlem", "Zoë", "Ruben", "Emma", "Thomas", "Anouk", "Joost", "Iris", "Kees", "Milan")
LAST = ("de Vries", "Jansen", "Mulder", "Visser", "El Amrani", "Dekker", "Hendriks", "Smit",
        "Bakker", "Yılmaz", "Çelik", "van Leeuwen", "de Boer", "Schouten", "Meijer", "Peters")


def rare_word(rng: random.Random) -> str:
    """A long tail of rare terms: Zipf-like over syllable combinations."""
    syllables = ("ka", "ro", "mi", "ne", "lo", "tu", "ve", "sa", "di", "po", "ge", "ba", "ri", "fu")
    length = 2 + min(int(rng.paretovariate(1.5)), 4)
    return "".join(rng.choice(syllables) for _ in range(length))


def person(number: int, rng: random.Random) -> dict[str, object]:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {number}"
    topics = rng.sample(TOPICS, 8)
    contributions = []
    for c in range(10):
        topic = rng.choice(topics)
        words = [rng.choice(WORDS) for _ in range(70)] + [rare_word(rng) for _ in range(6)]
        words += topic.split() * 2
        rng.shuffle(words)
        contributions.append({
            "kind": rng.choice(KINDS),
            "title": f"{topic.capitalize()} in de praktijk, deel {c + 1}",
            "date": f"{rng.randint(2018, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "tags": [topic, rng.choice(TOPICS)],
            "text": " ".join(words),
        })
    return {
        "id": f"p{number}",
        "name": name,
        "email": f"p{number}@example.org",
        "team": rng.choice(TEAMS),
        "skills": [{"name": t, "level": rng.randint(1, 5)} for t in topics],
        "interests": rng.sample(TOPICS, 3),
        "contributions": contributions,
    }


def generate(size: int, path: Path) -> None:
    rng = random.Random(size)
    with path.open("w", encoding="utf-8") as handle:
        for number in range(size):
            handle.write(json.dumps(person(number, rng), ensure_ascii=False) + "\n")


TIME = "/usr/bin/time"
PYCACHE = Path(tempfile.gettempdir()) / "expertfind-scale-pycache"


def run(args: list[str], *, db: Path | None = None, stdout: Path | None = None,
        all_processes: bool = False) -> tuple[float, float]:
    """Seconds and peak memory (MiB, from GNU time when the machine has it) of one fresh process.
    With `all_processes` (an import reads words in a second process), the peak is the most the
    process and its children held together (with the files in memory they have open), sampled
    every 20 ms from /proc (Linux), or GNU time's figure for the process alone if that is higher."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPYCACHEPREFIX": str(PYCACHE)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if db is not None:
        env["EXPERTFIND_DB"] = str(db)
    measured = [TIME, "-f", "%M", *args] if Path(TIME).exists() else args
    out = stdout.open("wb") if stdout else subprocess.DEVNULL
    if hasattr(os, "sync"):
        # What the run before wrote (a directory of 100,000 people and its index: 1.6 GB; the
        # generated export: 800 MB) goes to disk now, not while this one is timed: left to the
        # kernel, writing 1.6 GB back made an import of 100,000 people take 71.5 s instead of 56.0.
        os.sync()
    started = time.perf_counter()
    together = 0
    try:
        with subprocess.Popen(measured, env=env, stdout=out, stderr=subprocess.PIPE) as process:
            if all_processes:
                sampler = threading.Thread(target=lambda: sample(process), daemon=True)
                sampler.start()
            _, errors = process.communicate(timeout=3600)
            if all_processes:
                sampler.join()
                together = SAMPLED.pop(process.pid, 0)
    finally:
        if stdout:
            out.close()  # type: ignore[union-attr]
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{errors.decode()[-2000:]}")
    lines = errors.decode().strip().splitlines()
    alone = int(lines[-1]) if measured is not args and lines and lines[-1].isdigit() else 0
    return seconds, max(alone, together) / 1024


SAMPLED: dict[int, int] = {}
"""The highest summed RSS (KiB) seen of each sampled process tree, by the root's process id."""


def sample(process: subprocess.Popen[bytes]) -> None:
    """Note in SAMPLED the most memory `process` and its descendants hold at once, until it ends."""
    peak = 0
    while process.poll() is None:
        tree = _tree(process.pid)
        peak = max(peak, sum(map(_rss_kib, tree)) + _memory_files_kib(tree))
        time.sleep(0.02)
    SAMPLED[process.pid] = peak


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(grandchild for child in children for grandchild in _tree(int(child)))]


def _memory_files_kib(pids: list[int]) -> int:
    """What the files in memory that `pids` have open hold (a big import's checker answers into
    one: memory that no process's RSS counts), each file once."""
    sizes = {}
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = f"/proc/{pid}/fd/{fd}"
                if os.readlink(link).startswith("/memfd:"):
                    status = os.stat(link)
                    # Closed and reused meanwhile, the descriptor may stand for another file
                    # (once the import's directory file: 1.3 GB counted as memory).
                    if status.st_dev == MEMORY_FILES_DEVICE:
                        sizes[status.st_ino] = status.st_blocks * 512  # the pages it holds
        except OSError:
            continue
    return sum(sizes.values()) // 1024


def _memory_files_device() -> int | None:
    """The device number of files in memory (Linux: all are on one internal file system)."""
    if not hasattr(os, "memfd_create"):
        return None
    fd = os.memfd_create("expertfind-benchmark-probe")
    try:
        return os.fstat(fd).st_dev
    finally:
        os.close(fd)


MEMORY_FILES_DEVICE = _memory_files_device()


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


EXPERTFIND = [sys.executable, "-m", "expertfind"]
FLOOR = [sys.executable, "-c", "import typer, rich"]


def measure(size: int, runs: int, folder: Path) -> dict[str, float]:
    source = folder / f"people-{size}.jsonl"
    if not source.exists():
        generate(size, source)
    run(FLOOR)  # warm-up: fills the compiled-module cache
    run([*EXPERTFIND, "--help"])
    floors = [run(FLOOR)[0] for _ in range(runs)]
    imports = [run([*EXPERTFIND, "import", str(source)], db=folder / f"import-{size}-{attempt}" / "d.json",
                   all_processes=True)
               for attempt in range(max(1, runs // 3))]
    db = folder / f"import-{size}-0" / "d.json"
    remembered = db.with_name(db.name + ".last-import")
    merged_again = []
    for _ in range(max(1, runs // 3)):
        remembered.unlink(missing_ok=True)  # forget the last import: read and merge everything
        merged_again.append(run([*EXPERTFIND, "import", str(source)], db=db)[0])
    again = statistics.median(run([*EXPERTFIND, "import", str(source)], db=db)[0]
                              for _ in range(max(1, runs // 3)))
    asks, asks_json, ask_peaks = [], [], []
    for question in QUESTIONS:
        floors += [run(FLOOR)[0] for _ in range(runs)]  # interleaved: the same machine state
        timed = [run([*EXPERTFIND, "ask", question, "--no-log"], db=db) for _ in range(runs)]
        asks.append(statistics.median(t for t, _ in timed))
        ask_peaks.append(max(p for _, p in timed))
        asks_json.append(statistics.median(
            run([*EXPERTFIND, "ask", question, "--json", "--no-log"], db=db,
                stdout=folder / "answer.json")[0] for _ in range(runs)))
    import_time = statistics.median(t for t, _ in imports)
    return {
        "people": size, "floor": statistics.median(floors), "import": import_time,
        "people_per_second": size / import_time,
        "import_peak_mib": max(p for _, p in imports), "reimport": again,
        "reimport_merged": statistics.median(merged_again),
        "ask": statistics.median(asks), "ask_slowest": max(asks),
        "ask_json": statistics.median(asks_json), "ask_peak_mib": max(ask_peaks),
        "file_mib": db.stat().st_size / 2**20,
        "index_mib": db.with_name(db.name + ".index").stat().st_size / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k and 5k people, 3 runs (< 2 minutes)")
    parser.add_argument("--sizes", help="comma-separated directory sizes")
    parser.add_argument("--runs", type=int, help="runs per measurement (median)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (
        [1000, 5000] if args.quick else [1000, 10000, 100000])
    runs = args.runs or (3 if args.quick else 5)
    results = []
    with tempfile.TemporaryDirectory(prefix="expertfind-scale-") as tmp:
        for size in sizes:
            results.append(measure(size, runs, Path(tmp)))
            print(f"measured {size:,} people", file=sys.stderr)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    header = (f"{'people':>8} {'floor s':>8} {'import s':>9} {'people/s':>9} {'imp MiB':>8} "
              f"{'re-imp s':>9} {'merged s':>9} {'ask s':>7} {'ask/floor':>10} {'slowest/floor':>14} "
              f"{'json/floor':>11} "
              f"{'ask MiB':>8} {'file MiB':>9} {'index MiB':>10}")
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r['people']:>8,} {r['floor']:>8.3f} {r['import']:>9.2f} {r['people_per_second']:>9,.0f} "
              f"{r['import_peak_mib']:>8.0f} {r['reimport']:>9.2f} {r['reimport_merged']:>9.2f} "
              f"{r['ask']:>7.3f} "
              f"{r['ask'] / r['floor']:>10.1f} {r['ask_slowest'] / r['floor']:>14.1f} "
              f"{r['ask_json'] / r['floor']:>11.1f} {r['ask_peak_mib']:>8.0f} {r['file_mib']:>9.1f} "
              f"{r['index_mib']:>10.1f}")


if __name__ == "__main__":
    main()
