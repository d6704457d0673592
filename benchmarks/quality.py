"""Ranking quality: expertfind against two reference rankers, on one benchmark directory.

    python benchmarks/quality.py ../shared/data/stackexchange/dev
    python benchmarks/quality.py benchmarks/data/bilingual

DIR holds `profiles.json` (the import format) and `queries.jsonl` (`{"id", "query",
"relevant": [person ids]}`). The directory is imported through the library into a temporary
store, every query is asked, and MRR, Hit@1/5/10 and nDCG@10 are printed overall and per id
prefix (the part of a query id before `:`), for expertfind and the reference rankers, all
computed in the same run.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference import DocumentCentricBM25, WholeProfileBM25  # noqa: E402

from expertfind.directory import Directory  # noqa: E402
from expertfind.models import Profile  # noqa: E402
from expertfind.search import Ranker, RankingSettings  # noqa: E402
from expertfind.store import TinyDBStore  # noqa: E402

METRICS = ("MRR", "Hit@1", "Hit@3", "Hit@5", "Hit@10", "nDCG@10")


def load_queries(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_people(folder: Path) -> list[Profile]:
    """Import `profiles.json` through the library, as a user's `expertfind import` would."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Directory(TinyDBStore(Path(tmp) / "directory.json"))
        directory.import_files([folder / "profiles.json"])
        return directory.people()


def measure(ranked: Sequence[str], relevant: Sequence[str]) -> dict[str, float]:
    wanted = set(relevant)
    ranks = [n for n, person in enumerate(ranked, start=1) if person in wanted]
    first = ranks[0] if ranks else math.inf
    dcg = sum(1 / math.log2(r + 1) for r in ranks if r <= 10)
    ideal = sum(1 / math.log2(r + 1) for r in range(1, min(len(wanted), 10) + 1))
    return {
        "MRR": 0.0 if first == math.inf else 1 / first,
        "Hit@1": float(first <= 1),
        "Hit@3": float(first <= 3),
        "Hit@5": float(first <= 5),
        "Hit@10": float(first <= 10),
        "nDCG@10": dcg / ideal if ideal else 0.0,
    }


def evaluate(
    rank: Callable[[str], list[str]], queries: Sequence[dict[str, object]]
) -> dict[str, dict[str, float]]:
    """Mean metrics per query-id prefix and overall (`all`), with the query count in `n`."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for query in queries:
        figures = measure(rank(str(query["query"])), list(query["relevant"]))  # type: ignore[arg-type]
        prefix = str(query["id"]).split(":")[0] if ":" in str(query["id"]) else "all"
        for group in {"all", prefix}:
            sums[group]["n"] += 1
            for name, value in figures.items():
                sums[group][name] += value
    return {
        group: {"n": totals["n"], **{m: totals[m] / totals["n"] for m in METRICS}}
        for group, totals in sums.items()
    }


def expertfind_ranker(people: Sequence[Profile], settings: RankingSettings | None = None
                      ) -> Callable[[str], list[str]]:
    ranker = Ranker(people, settings=settings)

    def rank(question: str) -> list[str]:
        answer = ranker.ask(question, limit=len(people), include_unavailable=True)
        return [match.profile.id for match in answer.results]

    return rank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    people = load_people(args.folder)
    queries = load_queries(args.folder / "queries.jsonl")
    rankers: dict[str, Callable[[str], list[str]]] = {
        "expertfind": expertfind_ranker(people),
        WholeProfileBM25.name: WholeProfileBM25(people).rank,
        DocumentCentricBM25.name: DocumentCentricBM25(people).rank,
    }
    results = {}
    for name, rank in rankers.items():
        started = time.perf_counter()
        results[name] = evaluate(rank, queries)
        results[name]["all"]["seconds"] = time.perf_counter() - started
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{args.folder}: {len(people)} people, {len(queries)} queries")
    groups = sorted(results["expertfind"], key=lambda g: (g != "all", g))
    header = f"{'ranker':<24} {'subset':<18} {'n':>4} " + " ".join(f"{m:>8}" for m in METRICS)
    print(header)
    print("-" * len(header))
    for group in groups:
        for name, figures in results.items():
            row = figures[group]
            print(f"{name:<24} {group:<18} {int(row['n']):>4} "
                  + " ".join(f"{row[m]:>8.3f}" for m in METRICS))
    base = results[DocumentCentricBM25.name]["all"]["MRR"]
    ours = results["expertfind"]["all"]["MRR"]
    print(f"\nexpertfind MRR / document-centric MRR = {ours / base:.2f}" if base else "")


if __name__ == "__main__":
    main()
