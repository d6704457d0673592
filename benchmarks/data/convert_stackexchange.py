"""Build an expert-finding benchmark from StackExchange dumps, as described in
``../shared/data/stackexchange/README.md`` (temporal split per site at the median question).

Used to make held-out sets from the sites that are not in ``dev/`` (ai, matheducators, genai), so that
ranking changes tuned on ``dev/`` can be checked on questions they were not tuned on.  Converting the dev
sites with this script reproduces ``dev/`` (323 people, 295 queries), which is how it was checked.

    python benchmarks/data/convert_stackexchange.py OUT_DIR SITE_DIR [SITE_DIR ...]
"""

from __future__ import annotations

import html
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")


def plain(body: str) -> str:
    return SPACE.sub(" ", html.unescape(TAG.sub(" ", body))).strip()


def tags_of(raw: str) -> list[str]:
    if raw.startswith("|"):
        return [t for t in raw.split("|") if t]
    return re.findall(r"<([^>]+)>", raw)


def display_names(site_dir: Path) -> dict[str, str]:
    users = site_dir / "Users.xml"
    if not users.exists():
        return {}
    return {
        row.get("Id", ""): row.get("DisplayName", "")
        for row in ET.parse(users).getroot().iter("row")
    }


def convert_site(site_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    site = site_dir.name
    rows = [row.attrib for row in ET.parse(site_dir / "Posts.xml").getroot().iter("row")]
    questions = {r["Id"]: r for r in rows if r.get("PostTypeId") == "1"}
    answers = [r for r in rows if r.get("PostTypeId") == "2" and r.get("ParentId") in questions]
    dates = sorted(q["CreationDate"] for q in questions.values())
    cutoff = dates[len(dates) // 2]
    names = display_names(site_dir)

    before: dict[str, list[dict[str, str]]] = defaultdict(list)
    for answer in sorted(answers, key=lambda a: a["CreationDate"]):
        owner = answer.get("OwnerUserId")
        if owner and answer["CreationDate"] < cutoff:
            before[owner].append(answer)

    people = []
    for owner, own in before.items():
        tag_counts: Counter[str] = Counter()
        contributions = []
        for answer in own:
            question = questions[answer["ParentId"]]
            tags = tags_of(question.get("Tags", ""))
            tag_counts.update(tags)
            contributions.append({
                "kind": "answer",
                "title": html.unescape(question.get("Title", "")),
                "text": plain(answer.get("Body", "")),
                "tags": tags,
                "date": answer["CreationDate"][:10],
            })
        name = names.get(owner) or f"user{owner}"
        people.append({
            "id": f"{site}:{owner}",
            "name": name,
            "skills": [{"name": tag} for tag, _ in tag_counts.most_common()],
            "contributions": contributions,
        })

    by_question: dict[str, list[dict[str, str]]] = defaultdict(list)
    for answer in answers:
        by_question[answer["ParentId"]].append(answer)
    queries = []
    for qid, question in sorted(questions.items(), key=lambda kv: kv[1]["CreationDate"]):
        if question["CreationDate"] < cutoff:
            continue
        relevant = None
        accepted = question.get("AcceptedAnswerId")
        chosen = [a for a in by_question[qid] if a["Id"] == accepted]
        if chosen:
            relevant = chosen[0].get("OwnerUserId")
        else:
            scored = sorted(by_question[qid], key=lambda a: -int(a.get("Score", "0")))
            if scored and int(scored[0].get("Score", "0")) >= 1 and (
                len(scored) == 1 or scored[1].get("Score") != scored[0].get("Score")
            ):
                relevant = scored[0].get("OwnerUserId")
        if not relevant or relevant == question.get("OwnerUserId") or len(before.get(relevant, [])) < 2:
            continue
        queries.append({
            "id": f"{site}:q{qid}",
            "query": html.unescape(question.get("Title", "")),
            "relevant": [f"{site}:{relevant}"],
        })
    return people, queries


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    people: list[dict[str, Any]] = []
    queries: list[dict[str, Any]] = []
    for site in argv[1:]:
        site_people, site_queries = convert_site(Path(site))
        people += site_people
        queries += site_queries
        print(f"{Path(site).name}: {len(site_people)} people, {len(site_queries)} queries", file=sys.stderr)
    (out / "profiles.json").write_text(json.dumps({"people": people}, ensure_ascii=False), encoding="utf-8")
    with (out / "queries.jsonl").open("w", encoding="utf-8") as handle:
        for query in queries:
            handle.write(json.dumps(query, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
