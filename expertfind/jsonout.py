"""JSON for scripts: the shapes of `ask --json` (see CONTRACT.md) and the one way JSON is printed.

Free of Rich, so a command that prints JSON never loads the terminal renderer."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .search import Answer, Evidence, Match


def print_json(data: Any) -> None:
    """JSON on stdout: the same bytes whether or not stdout is a terminal."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def evidence_json(evidence: Evidence, *, explain: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"source": evidence.source}
    if evidence.kind:
        data["kind"] = evidence.kind
    data["text"] = evidence.text
    if evidence.level is not None:
        data["level"] = evidence.level
    if evidence.date:
        data["date"] = evidence.date
    if evidence.url:
        data["url"] = evidence.url
    data["score"] = evidence.score
    if explain:
        data["points"] = round(evidence.points, 4)
        data["matches"] = [
            {"query": hit.concept, "term": hit.term, "how": hit.how, "points": round(hit.points, 4)}
            for hit in evidence.hits
        ]
    return data


def match_json(match: Match, *, explain: bool) -> dict[str, Any]:
    person = match.profile
    data: dict[str, Any] = {
        "rank": match.rank,
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "title": person.title,
        "team": person.team,
        "score": match.score,
        "evidence": [evidence_json(e, explain=explain) for e in match.evidence],
    }
    if not person.available:
        data["available"] = False
    if explain:
        data["explanation"] = {
            "evidence_matched": match.evidence_count,
            "evidence_sum": round(match.summed, 4),
            "coverage": round(match.coverage, 4),
            "raw_score": round(match.raw, 4),
            "evidence_score": round(match.evidence_score, 4),
        }
        if match.topics is not None:
            data["explanation"]["topics"] = {
                "share": round(match.topics.share, 4),
                "tags": [{"tag": tag, "contributions": count} for tag, count in match.topics.tags],
            }
        if match.fair_load:
            data["explanation"]["fair_load"] = match.fair_load
    return data


def answer_json(answer: Answer, *, explain: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "query": answer.query,
        "results": [match_json(m, explain=explain) for m in answer.results],
    }
    if explain:
        data["concepts"] = [
            {"query": c.label,
             "alternatives": [{"how": a.how, "terms": [[x.term for x in s.candidates] for s in a.slots]}
                              for a in c.alternatives]}
            for c in answer.concepts
        ]
        data["topics"] = [{"tag": tag, "weight": round(weight, 4)} for tag, weight in answer.topics]
    return data
