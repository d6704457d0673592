"""Building the search index: people's evidence items and the terms of their fields, a batch of
people at a time.

Each skill, contribution and role of a person is a candidate evidence item with one text per
field (`index.FIELDS`). The texts of a batch go to be read and numbered (`search.numbering`,
here or in a second process); when their numbers come back, the candidates with any term become
items, and their terms are noted as term numbers in runs (item, field, length), which
`take_postings` groups by term (`search.grouping`, numpy). Batches stay in flight while the next
ones are prepared, so a second process reads words while this one works through people.

A big build comes in blocks of about `block_occurrences` term occurrences (estimated from the
characters sent, so that a batch's block is known when it is sent): each block's postings are
taken (and spilled to disk) when its last batch is noted, and its terms are numbered from 0
again. Batches of later blocks may be sent at any time before: while this process groups a
block, and while it writes the directory (`send_ahead`), the second process reads them.
"""

from __future__ import annotations

from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from itertools import count, islice
from typing import TYPE_CHECKING, NamedTuple, Protocol

from ..models import Profile
from ..progress import Progress, Steps
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
AHEAD_WHILE_GROUPING = 12
"""Batches sent ahead, to be read by the second process, before this one groups a block's
postings: about what it reads while this one groups. Building the index of 20,000 people
(medians of 5, one run): backlog 2, 2 in flight, none ahead: 10.5 s; backlog 2, 4 in flight,
8 ahead: 9.0 s; backlog 3, 6 in flight, 12 ahead: 8.2 s; backlog 4, 8 in flight, 16 ahead: 8.1 s."""
CHARACTERS_PER_OCCURRENCE = 9
"""Characters of evidence text per term occurrence, about: how a block's size in occurrences is
told from the texts sent (the scale benchmark's people: 8.9; the bilingual benchmark's 9.3; the
Stack Exchange development set's 10.6: wordier texts make smaller blocks, never bigger)."""
assert FIELDS == ("skill", "tags", "title", "text", "role"), "send_next writes texts in this order"
_SKILL, _CONTRIBUTION, _ROLE = (SOURCE_CODE[source] for source in (SKILL, CONTRIBUTION, ROLE))


class TermNumbering(Protocol):
    """Where texts are read and their terms numbered (`numbering.Numbering` or
    `numbering.SharedNumbering`): answers come back in the order the batches went, and a batch
    sent as a block's first is numbered from 0 again. `ahead`: best read by a second process
    (this one has other work to do meanwhile)."""

    def send(self, texts: Sequence[str], *, new_block: bool = False, ahead: bool = False) -> None: ...

    def receive(self) -> Numbered: ...

    def close(self) -> None: ...


class _Candidates(NamedTuple):
    """A batch's candidate evidence items, with `WIDTH` texts each in the numbering's hands;
    whether the batch starts a block, and whether it was sent ahead."""

    sources: bytearray
    refs: array[int]
    people: array[int]
    weights: array[float]
    new_block: bool
    ahead: bool


class IndexBuilder:
    """Evidence items and the occurrences of their terms. `add_everyone` (after `send_ahead`, if
    wanted), or `send_next` and `note_next` a batch at a time; `take_postings` groups by term
    the occurrences noted since it was last called.
    `index.build_index` takes them once at the end; `search.stored.write_index` takes them at
    the end of each block to spill them to disk."""

    def __init__(self, people: Sequence[Profile], settings: IndexSettings | None = None,
                 numbering: TermNumbering | None = None, *, block_occurrences: int = 0) -> None:
        self.people = people
        self.settings = settings or IndexSettings()
        self.today = self.settings.as_of or newest_evidence(people) or date.today()
        self.item_source = bytearray()
        self.item_ref = array("I")
        self.item_person = array("I")
        self.item_weight = array("d")
        self.field_lengths = {name: array("I") for name in FIELDS}
        self.noted = 0
        """People whose items are noted."""
        self._numbering: TermNumbering = numbering or Numbering()
        self._batches = _in_batches(people)
        self._in_flight: deque[_Candidates] = deque()
        self._ahead = 0
        """Batches in flight that were sent ahead: `IN_FLIGHT` counts the others."""
        self._block_characters = block_occurrences * CHARACTERS_PER_OCCURRENCE
        """0: one block."""
        self._characters = 0
        """Characters of the texts sent in the block of the last batch sent."""
        self._noted_in_block = False
        self._names: list[str] = []
        """Every term numbered in this block, by number."""
        self._occurrences = array("I")
        """The number of each term read, in order, in runs of one field of one item each:"""
        self._run_items = array("I")
        self._run_fields = bytearray()
        self._run_lengths = array("I")
        self._totals: Counter[str] = Counter()
        self._counts: Counter[str] = Counter()
        self._decay: dict[str | None, float] = {}

    def send_ahead(self, batches: int) -> None:
        """Send up to `batches` more batches, to be read by a second process while this one does
        other work."""
        for _ in range(batches):
            if not self.send_next(ahead=True):
                return

    def send_next(self, *, ahead: bool = False) -> bool:
        """Send the texts of the next batch of people to be read; False when all are sent."""
        batch = next(self._batches, None)
        if batch is None:
            return False
        first, people = batch
        texts: list[str] = []
        sources, refs, persons, weights = bytearray(), array("I"), array("I"), array("d")
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
        new_block = 0 < self._block_characters <= self._characters
        if new_block:
            self._characters = 0
        self._characters += sum(map(len, texts))
        self._in_flight.append(_Candidates(sources, refs, persons, weights, new_block, ahead))
        self._ahead += ahead
        self._numbering.send(texts, new_block=new_block, ahead=ahead)
        return True

    def note_next(self) -> bool:
        """Note the items of the oldest batch in flight (its numbers are taken back), unless it
        starts a block and this block has any: then False, and the block's postings are due."""
        if self._in_flight[0].new_block and self._noted_in_block:
            return False
        candidates = self._in_flight.popleft()
        self._ahead -= candidates.ahead
        self._note(candidates, self._numbering.receive())
        self._noted_in_block = True
        return True

    def add_everyone(self, progress: Progress | None = None,
                     spill: Callable[[], object] | None = None) -> None:
        """Send and note all the builder's people (but those sent ahead already) a batch at a
        time, keeping `IN_FLIGHT` on their way, then `finish`. In blocks (`block_occurrences`),
        `spill` is called when a block is noted (to `take_postings`, as a big build spills them
        to disk), after `AHEAD_WHILE_GROUPING` batches of the next blocks are sent ahead."""
        if self._block_characters and spill is None:
            raise ValueError("a build in blocks spills each one")
        tell = Steps(progress, "Indexing", len(self.people)) if progress is not None else None
        more = True
        while True:
            while more and len(self._in_flight) - self._ahead <= IN_FLIGHT:
                more = self.send_next()
            if not self._in_flight:
                break
            if not self.note_next():  # a block is noted: its postings go, the next one's are read
                assert spill is not None, "blocks come with `spill` (checked above)"
                self.send_ahead(AHEAD_WHILE_GROUPING)
                spill()
            elif tell is not None:
                tell(self.noted)
        if tell is not None:
            tell.end()
        self.finish()

    def finish(self) -> None:
        """Note the items of every batch still on its way (of this block); the numbering is done."""
        while self._in_flight and self.note_next():
            pass
        if self._in_flight:
            raise RuntimeError("batches of a later block are on their way: take this block's postings first")
        self.close()

    def close(self) -> None:
        """Let the numbering go (a second process ends), whether or not every batch is back."""
        self._in_flight.clear()
        self._ahead = 0
        self._numbering.close()

    def take_postings(self) -> GroupedPostings:
        """The postings of the items noted since the last call (each term's items in ascending
        order). The next block's terms are numbered afresh: a block's vocabulary is all it holds."""
        from .grouping import grouped

        found = grouped(self._names, self._occurrences, self._run_items, self._run_fields,
                        self._run_lengths, self.item_person)
        self._names = []
        self._noted_in_block = False
        self._occurrences, self._run_items, self._run_lengths = array("I"), array("I"), array("I")
        self._run_fields = bytearray()
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
        self._names += numbered.new_terms
        self.noted = candidates.people[-1] + 1 if candidates.people else self.noted


def _in_batches(people: Iterable[Profile]) -> Iterator[tuple[int, list[Profile]]]:
    """`people` in batches of `BATCH`, each with the number of its first person."""
    people = iter(people)
    first = 0
    while batch := list(islice(people, BATCH)):
        yield first, batch
        first += len(batch)
