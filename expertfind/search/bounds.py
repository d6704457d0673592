"""Upper bounds on people's scores, so that a question scores only the people who can still
reach the top of the answer (`ranking.PersonRanking`).

A term's bound for a person is `boost(p) * S(u_i)`: the points of the person's evidence items
for the term alone (`u_i`: item weight times saturated frequency, as scoring computes them)
summed with diminishing returns (`S`: the n-th best counts n ** -further_evidence), times the
activity boost. `S` is a sum weighted by decreasing rank weights, that is the largest of the
linear functions `sum(w[rank(i)] * u_i)`: it grows with every `u_i`, and `S(a + b) <= S(a) +
S(b)`. An item's points for a question are at most the sum over the question's terms of the
term's best weight in its concept times its IDF (`W`) times `u_i`; so a person's raw score is at
most

    (sum over concepts c and their terms t of  W[c, t] * bound[t](p))  *  coverage(p) ** e

with `coverage(p)` counting every concept of which the person holds a term. The stored index
keeps the bounds of long, informative terms (`bounded`), computed with the default scoring
settings; a short term's bounds are computed when a question asks for it; a term held by almost
everyone (IDF near 0) is bounded by `ceiling`, the most any term can give anyone, times its
tiny IDF.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from operator import mul
from typing import TYPE_CHECKING, Any, NamedTuple

from .index import WIDTH, Postings, SearchIndex
from .scoring import ActivityBoost, Saturation, ScoringSettings, diminishing_sum, rank_weights

if TYPE_CHECKING:
    from .query import Concept

BOUNDED_POSTINGS = 2000
"""Terms in this many evidence items or more are long: their bounds are kept in the index (or,
held by almost everyone, bounded by the ceiling); shorter ones are bounded when asked for."""
MIN_BOUNDED_IDF = 0.01
"""A long term with a lower IDF (held by about 99% of the people or more) gets no bounds of its
own: `ceiling` times its IDF is bound enough, and computing them would cost the most."""


RELATIVE_SLACK = 1.0 + 1e-9
ABSOLUTE_SLACK = 1e-300


class TermBounds(NamedTuple):
    """A term's bound for each person who holds it (people in ascending order)."""

    people: Sequence[int]
    values: Sequence[float]


class ScoreBounds:
    """The bounds of an index's long terms and its ceiling, for the scoring settings `settings`
    (their `repr`): with other settings they do not hold."""

    def __init__(self, settings: str, ceiling: float, lookup: Mapping[str, TermBounds]) -> None:
        self.settings = settings
        self.ceiling = ceiling
        self._lookup = lookup

    def get(self, term: str) -> TermBounds | None:
        return self._lookup.get(term)


def postings_enough(items: int) -> bool:
    """Whether a term in `items` evidence items may get bounds of its own (then its IDF decides,
    `bounded`): most terms are rare, and need no IDF to tell."""
    return items >= BOUNDED_POSTINGS


def bounded(items: int, term_idf: float) -> bool:
    """Whether a term in `items` evidence items, with IDF `term_idf`, gets bounds of its own."""
    return postings_enough(items) and term_idf >= MIN_BOUNDED_IDF


def ceiling(index: SearchIndex, settings: ScoringSettings, most_items: int | None = None) -> float:
    """The most any single term can give any person: every item at its full weight and the
    saturation's limit (k1 + 1), as many items as anyone has (`most_items`, counted when not
    given), the largest activity boost."""
    if not index.item_person:
        return 0.0
    if most_items is None:
        most_items = max(Counter(index.item_person).values())
    ranks = sum(rank_weights(settings, most_items))
    boost = (1.0 + max(index.activity, default=0)) ** settings.activity_prior
    return float((settings.k1 + 1.0) * max(index.item_weight) * ranks * boost * (1.0 + 1e-9))


def term_bounds(index: SearchIndex, postings: Postings, saturation: Saturation,
                settings: ScoringSettings) -> TermBounds:
    """The bound of one term (its `postings`) for each person who holds it."""
    items = postings.items
    points = list(map(mul, map(index.item_weight.__getitem__, items), saturation.all(postings)))
    runs = Counter(map(index.item_person.__getitem__, items))  # a person's items come together
    rank_weight = rank_weights(settings, max(runs.values(), default=0))
    boost = ActivityBoost(index.activity, settings.activity_prior)
    values = []
    start = 0
    for person, count in runs.items():
        summed = diminishing_sum(points[start : start + count], rank_weight)
        start += count
        values.append(summed * boost.of(person) if boost.prior else summed)
    return TermBounds(list(runs), values)


class LongTermBounds:
    """`term_bounds` of the long terms of an index as it is written, bit for bit: the arithmetic
    of each posting done by numpy in the same order, element by element (a long term has
    thousands of postings, a big index a hundred thousand long terms), and the diminishing sum
    of a person who holds a term in several items done as `term_bounds` does it."""

    def __init__(self, index: SearchIndex, settings: ScoringSettings) -> None:
        import numpy as np  # only to write an index

        from .grouping import as_numpy

        self._np = np
        self.settings = settings
        self.weight = as_numpy(index.item_weight, np.float64)  # views of the index's arrays: no copies
        self.person = as_numpy(index.item_person, np.uint32)
        self.fields = [(column, field_weight, b, average, as_numpy(lengths, np.uint32))
                       for column, field_weight, b, average, lengths in Saturation(index, settings).fields]
        self.activity = as_numpy(index.activity, np.int64)
        boost = ActivityBoost(index.activity, settings.activity_prior)
        most = int(self.activity.max()) if len(self.activity) else 0
        self.boosts = (np.asarray([boost.of_count(count) for count in range(most + 1)])
                       if settings.activity_prior else None)

    def most_items(self) -> int:
        """As many evidence items as anyone has."""
        return int(self._np.bincount(self.person).max()) if len(self.person) else 0

    def __call__(self, items: Any, counts: Any) -> TermBounds:
        """The bounds of the term whose postings are `items` and `counts` (packed: arrays, bytes
        or views of 32-bit item numbers and 16-bit counts)."""
        from .grouping import as_array

        np = self._np
        items_array = np.frombuffer(items, dtype=np.uint32)
        counts_array = np.frombuffer(counts, dtype=np.uint16)
        points = self.weight[items_array] * self._saturated(items_array, counts_array)
        person = self.person[items_array]
        starts = np.flatnonzero(np.concatenate(([True], person[1:] != person[:-1])))
        sizes = np.diff(np.append(starts, len(person)))
        values = points[starts]
        several = np.flatnonzero(sizes > 1)
        if len(several):
            rank_weight = rank_weights(self.settings, int(sizes.max()))
            listed = points.tolist()
            for group in several.tolist():
                start = int(starts[group])
                values[group] = diminishing_sum(listed[start : start + int(sizes[group])], rank_weight)
        people = person[starts]
        if self.boosts is not None:
            values = values * self.boosts[self.activity[people]]
        return TermBounds(as_array("I", people), as_array("d", values))

    def _saturated(self, items: Any, counts: Any) -> Any:
        """`Saturation.all`, element by element in the same order."""
        np = self._np
        weighted = None
        with np.errstate(all="ignore"):  # what a field without the term would divide is not used
            for column, field_weight, b, average, lengths in self.fields:
                frequencies = counts[column::WIDTH]
                if not frequencies.any():
                    continue
                held = frequencies != 0
                value = field_weight * frequencies / ((1.0 - b) + b * lengths[items] / average)
                weighted = (np.where(held, value, 0.0) if weighted is None
                            else np.where(held, weighted + value, weighted))
            if weighted is None:
                return np.zeros(len(items))
            k1 = self.settings.k1
            return weighted * (k1 + 1.0) / (weighted + k1)


def compute_bounds(index: SearchIndex, saturation: Saturation, settings: ScoringSettings) -> ScoreBounds:
    """The bounds of an index built in memory (the stored index computes its own as it writes)."""
    lookup = {term: term_bounds(index, postings, saturation, settings)
              for term, postings in index.postings.items() if bounded(len(postings.items), index.idf(term))}
    return ScoreBounds(repr(settings), ceiling(index, settings), lookup)


def term_weights(index: SearchIndex, concept: Concept) -> dict[str, float]:
    """`W[c, t]` of each term of a concept: the most any of its alternatives gives a point of
    the term (the alternative's weight times the term's weights in its slots, times its IDF)."""
    weights: dict[str, float] = {}
    for alternative in concept.alternatives:
        in_slots: defaultdict[str, float] = defaultdict(float)
        for slot in alternative.slots:
            for candidate in slot.candidates:
                in_slots[candidate.term] += candidate.weight
        for term, weight in in_slots.items():
            value = alternative.weight * weight * index.idf(term)
            if value > weights.get(term, -1.0):
                weights[term] = value
    return weights


class QuestionBounds(NamedTuple):
    """The most each person's raw score can be: `people` for those who hold a bounded term of
    the question, `anyone` for everybody else."""

    people: dict[int, float]
    anyone: float


def question_bounds(
    index: SearchIndex,
    concepts: Sequence[Concept],
    importance: Mapping[str, float],
    settings: ScoringSettings,
    bounds_of: Callable[[str], TermBounds | None],
    ceiling: float,
) -> QuestionBounds:
    """The bounds of everyone's raw score for one question. `bounds_of(term)` gives a term's
    bounds, or None for a term held by almost everyone (bounded by `ceiling` times its weight)."""
    if not concepts:
        return QuestionBounds({}, 0.0)
    total = sum(importance.values()) or 1.0
    exponent = settings.coverage_exponent
    per_concept: list[tuple[dict[int, float], float, float]] = []  # bound, floor, importance
    for concept in concepts:
        bound: dict[int, float] = {}
        floor = 0.0
        for term, weight in term_weights(index, concept).items():
            found = bounds_of(term)
            if found is None:
                floor += weight * ceiling
            elif not bound:
                bound = dict(zip(found.people, map(mul, repeat(weight), found.values), strict=True))
            else:
                known = bound.get
                for person, value in zip(found.people, found.values, strict=True):
                    bound[person] = known(person, 0.0) + weight * value
        per_concept.append((bound, floor, importance[concept.label]))
    floors = sum(floor for _, floor, _ in per_concept)
    anyone_covers = sum(weight for _, floor, weight in per_concept if floor > 0.0) / total
    anyone = floors * anyone_covers**exponent if floors > 0.0 else 0.0
    if len(per_concept) == 1:  # one concept: everyone who matches covers the whole question
        bound = per_concept[0][0]
        people = {person: value + floors for person, value in bound.items()} if floors else bound
        return QuestionBounds(people, anyone)
    per_concept.sort(key=lambda found: -len(found[0]))  # the most people first: fewer to add
    summed = per_concept[0][0]  # made here: ours to add to
    covered = dict.fromkeys(summed, per_concept[0][2])
    for bound, _, weight in per_concept[1:]:
        known, held = summed.get, covered.get
        for person, value in bound.items():
            summed[person] = known(person, 0.0) + value
            covered[person] = held(person, 0.0) + weight
    factors = {share: min(1.0, share / total + anyone_covers) ** exponent for share in set(covered.values())}
    people = {person: (value + floors) * factors[covered[person]] for person, value in summed.items()}
    return QuestionBounds(people, anyone)


def certified(kth: float, rest: float) -> bool:
    """Whether a score of `kth` is surely above every score bounded by `rest`. Bounds and scores
    are computed in different orders: a relative slack of 1e-9 covers their rounding, and an
    absolute one of 1e-300 the scores so small (evidence thousands of years older than the
    newest) that floats keep only a few digits of them."""
    return kth > rest * RELATIVE_SLACK + ABSOLUTE_SLACK
