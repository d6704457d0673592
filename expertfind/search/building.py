"""Building the search index: people's evidence items and the terms of their fields, a batch of
people at a time.

Each skill, contribution and role of a person is a candidate evidence item with one text per
field (`index.FIELDS`). The texts of a batch go to be read and numbered (`search.numbering`,
here or in a second process); when their numbers come back, the candidates with any term become
items, and their terms are noted as term numbers in runs (item, field, length), which
`take_postings` groups by term (`search.grouping`, numpy). Batches stay in flight while the next
ones are prepared, so a second process reads words while this one works through people; when
`add_everyone` takes a block's postings, the next batches are sent ahead to the second process
first, so that it reads words while this one groups.
"""

from __future__ import annotations

from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from itertools import count, islice
from typing import TYPE_CHECKING, NamedTuple, Protocol

from ..models import Profile
from ..progress import Progress, counted
from .index import (
    CONTRIBUTION,
    FIELDS,
    ROLE,
    SKILL,
    SOURCE_CODE,
    WIDTH,
    EvidenceItems,
    IndexSettings,
    SearchIndex,
    newest_evidence,
    recency,
    tie_order,
)
from .numbering import Numbered, Numbering

if TYPE_CHECKING:
    from .grouping import GroupedPostings

BATCH = 256
"""People whose texts go to be numbered together."""
IN_FLIGHT = 6
"""Batches sent before the oldest one's numbers are taken back."""
assert FIELDS == ("skill", "tags", "title", "text", "role"), "add_people writes texts in this order"
_SKILL, _CONTRIBUTION, _ROLE = (SOURCE_CODE[source] for source in (SKILL, CONTRIBUTION, ROLE))


class TermNumbering(Protocol):
    """Where texts are read and their terms numbered (`numbering.Numbering` or
    `numbering.SharedNumbering`): answers come back in the order the batches went. A batch
    sent ahead is numbered after the next reset: `ahead` of them are worth sending before
    the postings are taken."""

    ahead: int

    def send(self, texts: Sequence[str]) -> None: ...

    def send_ahead(self, texts: Sequence[str]) -> None: ...

    def receive(self) -> Numbered: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


class _Candidates(NamedTuple):
    """A batch's candidate evidence items, with `WIDTH` texts each in the numbering's hands."""

    sources: bytearray
    refs: array[int]
    people: array[int]
    weights: array[float]


class IndexBuilder:
    """Evidence items and the occurrences of their terms. `add_people` a batch at a time, then
    `finish`; `take_postings` groups by term the occurrences of the batches sent since it was
    last called.
    `index.build_index` takes them once at the end; `search.stored.write_index` takes them now
    and then to spill them to disk."""

    def __init__(self, people: Sequence[Profile], settings: IndexSettings | None = None,
                 numbering: TermNumbering | None = None) -> None:
        self.people = people
        self.settings = settings or IndexSettings()
        self.today = self.settings.as_of or newest_evidence(people) or date.today()
        self.item_source = bytearray()
        self.item_ref = array("I")
        self.item_person = array("I")
        self.item_weight = array("d")
        self.field_lengths = {name: array("I") for name in FIELDS}
        self.occurrence_count = 0
        """Term occurrences noted since the postings were last taken (each posting has one or more)."""
        self._numbering: TermNumbering = numbering or Numbering()
        self._in_flight: deque[_Candidates] = deque()
        self._sent_ahead = 0
        """The newest batches in flight were sent ahead: of the next block of postings."""
        self._names: list[str] = []
        """Every term numbered since the postings were last taken, by number."""
        self._occurrences = array("I")
        """The number of each term read, in order, in runs of one field of one item each:"""
        self._run_items = array("I")
        self._run_fields = bytearray()
        self._run_lengths = array("I")
        self._totals: Counter[str] = Counter()
        self._counts: Counter[str] = Counter()
        self._decay: dict[str | None, float] = {}

    def add_people(self, first: int, people: Iterable[Profile], *, ahead: bool = False) -> None:
        """Send the texts of `people` (numbered from `first` on) to be read, and note the items
        of the batches whose numbers are back, keeping `IN_FLIGHT` batches on their way. Sent
        `ahead`, they are of the postings taken after the next `take_postings`, and nothing is
        noted now."""
        texts: list[str] = []
        candidates = _Candidates(bytearray(), array("I"), array("I"), array("d"))
        sources, refs, persons, weights = candidates
        settings = self.settings
        for number, profile in zip(count(first), people):
            for ref, skill in enumerate(profile.skills):
                texts += (skill.name, "", "", "", "")  # FIELDS: skill, tags, title, text, role
                sources.append(_SKILL)
                refs.append(ref)
                persons.append(number)
                weights.append(settings.skill_weight * settings.level_weights[skill.level or 0])
            for ref, contribution in enumerate(profile.contributions):
                texts += ("", " ".join(contribution.tags), contribution.title, contribution.text, "")
                sources.append(_CONTRIBUTION)
                refs.append(ref)
                persons.append(number)
                weights.append(self._recency(contribution.date))
            texts += ("", "", "", "", " ".join(part for part in (profile.title, profile.team) if part))
            sources.append(_ROLE)
            refs.append(0)
            persons.append(number)
            weights.append(settings.role_weight)
        self._in_flight.append(candidates)
        if ahead:
            self._numbering.send_ahead(texts)
            self._sent_ahead += 1
            return
        self._numbering.send(texts)
        while len(self._in_flight) > IN_FLIGHT + self._sent_ahead:
            self._note(self._in_flight.popleft(), self._numbering.receive())

    def add_everyone(self, progress: Progress | None = None, spill: Callable[[], object] | None = None,
                     block_occurrences: int = 0) -> None:
        """Add all the builder's people a batch at a time, then `finish`. With `spill`, it is
        called (to `take_postings`, as a big build spills them to disk) whenever the
        occurrences noted reach `block_occurrences`, after the next batches are sent ahead."""
        people = counted(self.people, "Indexing", len(self.people), progress)
        batches = _in_batches(people)
        for first, batch in batches:
            self.add_people(first, batch)
            if spill is not None and self.occurrence_count >= block_occurrences:
                for ahead_first, ahead_batch in islice(batches, self._numbering.ahead):
                    self.add_people(ahead_first, ahead_batch, ahead=True)
                spill()
        self.finish()

    def finish(self) -> None:
        """Note the items of every batch still on its way; the numbering is done."""
        self._receive_all()
        self.close()

    def close(self) -> None:
        """Let the numbering go (a second process ends), whether or not every batch is back."""
        self._in_flight.clear()
        self._numbering.close()

    def take_postings(self) -> GroupedPostings:
        """The postings of the items of every batch sent so far but those sent ahead (each
        term's items in ascending order). Terms are numbered afresh from here on: a block's
        vocabulary is all it holds."""
        from .grouping import grouped

        while len(self._in_flight) > self._sent_ahead:
            self._note(self._in_flight.popleft(), self._numbering.receive())
        found = grouped(self._names, self._occurrences, self._run_items, self._run_fields,
                        self._run_lengths, self.item_person)
        self._names = []
        self._numbering.reset()
        self._sent_ahead = 0
        self._occurrences, self._run_items, self._run_lengths = array("I"), array("I"), array("I")
        self._run_fields = bytearray()
        self.occurrence_count = 0
        return found

    def index(self) -> SearchIndex:
        """Everything but the postings and stems: the people and the evidence items."""
        people = self.people
        return SearchIndex(
            people=people if isinstance(people, list) else list(people),
            ids=[p.id for p in people],
            tie_order=tie_order(people),
            activity=[len(p.contributions) for p in people],
            items=EvidenceItems(self.item_source, self.item_ref),
            item_person=self.item_person,
            item_weight=self.item_weight,
            field_lengths=self.field_lengths,
            average_length={name: self._totals[name] / self._counts[name] for name in self._counts},
        )

    def _receive_all(self) -> None:
        while self._in_flight:
            self._note(self._in_flight.popleft(), self._numbering.receive())

    def _recency(self, when: str | None) -> float:
        found = self._decay.get(when)
        if found is None:
            found = self._decay[when] = recency(when, self.today, self.settings.half_life_years)
        return found

    def _note(self, candidates: _Candidates, numbered: Numbered) -> None:
        """The candidates with any term become items; their terms' numbers are noted in runs."""
        import numpy as np  # only to build an index

        lengths = np.frombuffer(numbered.lengths, dtype=np.uint32).reshape(-1, WIDTH)
        keep = lengths.any(axis=1)
        kept = lengths[keep]
        first_item = len(self.item_ref)
        self.item_source += np.frombuffer(candidates.sources, dtype=np.uint8)[keep].tobytes()
        self.item_ref.frombytes(np.frombuffer(candidates.refs, dtype=np.uint32)[keep].tobytes())
        self.item_person.frombytes(np.frombuffer(candidates.people, dtype=np.uint32)[keep].tobytes())
        self.item_weight.frombytes(np.frombuffer(candidates.weights, dtype=np.float64)[keep].tobytes())
        items, columns = np.nonzero(kept)  # runs in item order, fields in FIELDS order
        self._run_items.frombytes((items + first_item).astype(np.uint32).tobytes())
        self._run_fields += columns.astype(np.uint8).tobytes()
        self._run_lengths.frombytes(kept[items, columns].tobytes())
        self._occurrences += numbered.occurrences
        for column, name in enumerate(FIELDS):
            field_lengths = kept[:, column]
            self.field_lengths[name].frombytes(field_lengths.tobytes())
            used = int(np.count_nonzero(field_lengths))
            if used:
                self._totals[name] += int(field_lengths.sum())
                self._counts[name] += used
        self.occurrence_count += int(kept.sum())
        self._names += numbered.new_terms


def _in_batches(people: Iterable[Profile]) -> Iterator[tuple[int, list[Profile]]]:
    """`people` in batches of `BATCH`, each with the number of its first person."""
    people = iter(people)
    first = 0
    while batch := list(islice(people, BATCH)):
        yield first, batch
        first += len(batch)
