"""`ask` as the command runs it: rank, apply fair load from the question log, log the question."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from .directory import Directory
from .fairness import WEEK_DAYS, WINDOW_DAYS, Load, fair_order
from .questionlog import LoggedQuestion, QuestionLog, now, suggestion_counts
from .search import Answer, RankingSettings

FAIR_SLACK = 20
"""Candidates ranked beyond `--limit`, so fair load can bring a close runner-up in."""


def ask(
    directory: Directory,
    question: str,
    *,
    limit: int = 5,
    include_unavailable: bool = False,
    settings: RankingSettings | None = None,
    log: QuestionLog | None = None,
    record: bool = True,
    clock: Callable[[], datetime] = now,
    warn: Callable[[str], None] = lambda message: None,
) -> Answer:
    """The people to ask about `question`. With a `log`, close calls go to whoever was suggested
    least lately, and (when `record` and the log is on) the question and the suggestions are
    logged; `warn` hears when the log cannot be written (the answer is given all the same)."""
    answer = directory.ranker(settings).ask(
        question, limit=limit + FAIR_SLACK, include_unavailable=include_unavailable
    )
    at = clock()
    results = list(answer.results)
    if log is not None:
        entries = log.entries(since=at - timedelta(days=WINDOW_DAYS))
        week = [e for e in entries if e.time >= at - timedelta(days=WEEK_DAYS)]
        results = fair_order(results, Load(suggestion_counts(entries), suggestion_counts(week)))
    results = results[:limit]
    if log is not None and record and log.enabled:
        try:
            log.append(LoggedQuestion(at, question, tuple(m.profile.id for m in results),
                                      tuple(m.score for m in results)))
        except OSError as exc:
            warn(f"Warning: the question was not logged ({log.path}: {exc.strerror}); "
                 "`expertfind log off` stops trying.")
    return answer._replace(results=tuple(results))
