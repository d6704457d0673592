"""Fair load: experts' time is precious, so close calls go to whoever was asked least lately.

When people's scores are within `TOLERANCE` (5%) of the best score of their group, the one
suggested least in the question log over the last `WINDOW_DAYS` (30) goes first; ties keep the
ranking's order. Someone whose `max_questions_per_week` is reached (suggestions in the last 7
days) goes after everyone else. Deterministic for a given directory and log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from .search import Match

TOLERANCE = 0.05
WINDOW_DAYS = 30
WEEK_DAYS = 7


class Load(NamedTuple):
    """Suggestions per person id: over the fairness window, and over the last week."""

    recent: Mapping[str, int]
    this_week: Mapping[str, int]


def fair_order(matches: Sequence[Match], load: Load, *, tolerance: float = TOLERANCE) -> list[Match]:
    """`matches` (best first) reordered for fair load, ranks renumbered, moves explained."""
    groups: list[list[Match]] = []
    for match in matches:
        if groups and match.raw >= (1.0 - tolerance) * groups[-1][0].raw:
            groups[-1].append(match)
        else:
            groups.append([match])
    ordered = [
        m for group in groups
        for m in sorted(group, key=lambda m: load.recent.get(m.profile.id, 0))  # stable: ties keep order
    ]
    capped = [m for m in ordered if _at_cap(m, load)]
    ordered = [m for m in ordered if not _at_cap(m, load)] + capped
    original = {m.profile.id: m.rank for m in matches}
    result = []
    for rank, match in enumerate(ordered, start=1):
        before = original[match.profile.id]
        note = None
        if _at_cap(match, load):
            note = (f"moved down from {before}: reached the maximum of "
                    f"{match.profile.max_questions_per_week} questions a week")
        elif rank != before:
            times = _times(load.recent.get(match.profile.id, 0))
            if rank < before:
                note = (f"moved up from {before}: score within {tolerance:.0%} of a colleague's, and "
                        f"suggested {times} in the last {WINDOW_DAYS} days")
            else:
                note = (f"moved down from {before}: suggested {times} in the last {WINDOW_DAYS} days, "
                        f"more than a colleague within {tolerance:.0%}")
        result.append(match._replace(rank=rank, fair_load=note))
    return result


def _at_cap(match: Match, load: Load) -> bool:
    cap = match.profile.max_questions_per_week
    return cap is not None and load.this_week.get(match.profile.id, 0) >= cap


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"
