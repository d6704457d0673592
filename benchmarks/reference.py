"""Reference rankers from the literature, for comparison only (not used by the product).

- `WholeProfileBM25`: each person's skills and contributions concatenated into one document.
- `DocumentCentricBM25` ("Model 2", Balog et al. 2006): sum over a person's contributions of
  BM25(query, contribution).
Both use a plain lower-case word tokeniser and BM25 with k1 = 1.2, b = 0.75.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from expertfind.models import Profile

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class BM25:
    def __init__(self, documents: Sequence[list[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.bags = [Counter(d) for d in documents]
        self.lengths = [len(d) for d in documents]
        self.average = sum(self.lengths) / max(1, len(documents))
        self.postings: dict[str, list[int]] = defaultdict(list)
        for number, bag in enumerate(self.bags):
            for term in bag:
                self.postings[term].append(number)
        n = len(documents)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5))
                    for t, p in self.postings.items()}

    def scores(self, query: list[str]) -> dict[int, float]:
        result: dict[int, float] = defaultdict(float)
        for term in set(query):
            for number in self.postings.get(term, ()):
                tf = self.bags[number][term]
                norm = 1 - self.b + self.b * self.lengths[number] / self.average
                result[number] += self.idf[term] * tf * (self.k1 + 1) / (tf + self.k1 * norm)
        return result


def _skill_text(profile: Profile) -> str:
    return " ".join(skill.name for skill in profile.skills)


class WholeProfileBM25:
    name = "BM25 whole profile"

    def __init__(self, people: Sequence[Profile]) -> None:
        self.ids = [p.id for p in people]
        docs = []
        for p in people:
            parts = [_skill_text(p)]
            for c in p.contributions:
                parts += [c.title, " ".join(c.tags), c.text]
            docs.append(words(" ".join(parts)))
        self.bm25 = BM25(docs)

    def rank(self, query: str) -> list[str]:
        scores = self.bm25.scores(words(query))
        return [self.ids[n] for n, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]


class DocumentCentricBM25:
    name = "document-centric BM25"

    def __init__(self, people: Sequence[Profile]) -> None:
        self.owner: list[str] = []
        docs = []
        for p in people:
            for c in p.contributions:
                self.owner.append(p.id)
                docs.append(words(" ".join((c.title, " ".join(c.tags), c.text))))
        self.bm25 = BM25(docs)

    def rank(self, query: str) -> list[str]:
        per_person: dict[str, float] = defaultdict(float)
        for number, score in self.bm25.scores(words(query)).items():
            per_person[self.owner[number]] += score
        return [i for i, _ in sorted(per_person.items(), key=lambda kv: (-kv[1], kv[0]))]
