"""A compact :class:`~sfa_desktop.core.records.matching.Index` for imports of hundreds of thousands of rows.

:class:`~sfa_desktop.core.records.matching.Index` keeps a :class:`Profile` object and every blocking key as a
string, about 2 KB a record: 400 MB for 200,000.  This one files the same profiles by the *hash* of each
blocking key, in an open-addressing table of two flat arrays (12 bytes a slot), and keeps each profile as
one string, unpacked only when it is a candidate.  The numbers filed under one hash are a chain through
two more flat arrays (8 bytes a filing), so a key many profiles share costs no Python objects.  A hash
that two keys share only adds a candidate that
:func:`~sfa_desktop.core.records.matching.compare` then turns down, so the answers are the same as the
Index's: the same candidates (and the same ``MAX_BLOCK`` rule), the same verdicts, the same best match.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable

from sfa_desktop.core.records.matching import MAX_BLOCK, Profile, Verdict, blocking_keys, compare

_FIELD = "\x1f"
_ITEM = "\x1e"
_EMPTY_SLOT = 0
_LOAD = 0.75


def pack(p: Profile) -> str:
    def clean(text: str) -> str:
        return text.replace(_FIELD, " ").replace(_ITEM, " ")

    items = (_ITEM.join(clean(v) for v in values) for values in (p.emails, p.phones, p.domains))
    return _FIELD.join((clean(p.ref), clean(p.label), clean(p.name), clean(p.company), *items, clean(p.city)))


def unpack(packed: str) -> Profile:
    ref, label, name, company, emails, phones, domains, city = packed.split(_FIELD)

    def items(text: str) -> tuple[str, ...]:
        return tuple(text.split(_ITEM)) if text else ()

    return Profile(ref, label, name, company, items(emails), items(phones), items(domains), city)


def key_hash(key: Hashable) -> int:
    """A blocking key's hash, never the empty slot's mark."""
    return hash(key) or 1


class PackedIndex:
    """Profiles filed by blocking-key hash; also any other key (:meth:`file` / :meth:`find`)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._packed: list[str] = []
        self._keys = array("q", bytes(8 * 1024))
        self._heads = array("i", bytes(4 * 1024))  # per slot: its hash's last filing
        self._filled = 0
        self._numbers = array("i")  # per filing: the profile's number
        self._before = array("i")  # per filing: the one before it under the same hash, or -1

    def __len__(self) -> int:
        return len(self._packed)

    def profile(self, number: int) -> Profile:
        return unpack(self._packed[number])

    def ref(self, number: int) -> str:
        """The ref of profile ``number`` (unpacking only what is needed)."""
        return self._packed[number].split(_FIELD, 1)[0]

    def label(self, number: int) -> str:
        return self._packed[number].split(_FIELD, 2)[1]

    def add(self, p: Profile) -> int:
        number = len(self._packed)
        self._packed.append(pack(p))
        for key in dict.fromkeys(blocking_keys(self.kind, p)):
            self.file(key, number)
        return number

    def file(self, key: Hashable, number: int) -> None:
        """File ``number`` under ``key`` (a blocking key, or any other hashable key)."""
        h = key_hash(key)
        slot = self._slot(h)
        if self._keys[slot] == h:
            self._before.append(self._heads[slot])
        else:
            self._keys[slot] = h
            self._before.append(-1)
            self._filled += 1
        self._heads[slot] = len(self._numbers)
        self._numbers.append(number)
        if self._filled > len(self._keys) * _LOAD:
            self._grow()

    def find(self, key: Hashable) -> list[int]:
        """The numbers filed under ``key``'s hash, first filed first."""
        h = key_hash(key)
        slot = self._slot(h)
        if self._keys[slot] != h:
            return []
        found = []
        filing = self._heads[slot]
        while filing >= 0:
            found.append(self._numbers[filing])
            filing = self._before[filing]
        found.reverse()
        return found

    def _slot(self, h: int) -> int:
        keys = self._keys
        mask = len(keys) - 1
        slot = h & mask
        while True:
            found = keys[slot]
            if found in (h, _EMPTY_SLOT):
                return slot
            slot = (slot + 1) & mask

    def _grow(self) -> None:
        old_keys, old_heads = self._keys, self._heads
        size = 2 * len(old_keys)
        self._keys = array("q", bytes(8 * size))
        self._heads = array("i", bytes(4 * size))
        for h, head in zip(old_keys, old_heads, strict=True):
            if h != _EMPTY_SLOT:
                slot = self._slot(h)
                self._keys[slot] = h
                self._heads[slot] = head

    def candidates(self, p: Profile) -> set[int]:
        found: set[int] = set()
        for key in blocking_keys(self.kind, p):
            block = self.find(key)
            if not block:
                continue
            if len(block) <= MAX_BLOCK:
                found.update(block)
            elif key[0] in "ep":  # a shared email or phone still counts, however common
                found.update(block[:MAX_BLOCK])
        return found

    def best(self, p: Profile, *, automatic: bool = False) -> tuple[Profile, Verdict] | None:
        """The filed profile most likely the same as ``p`` (as ``Index.best``); with ``automatic``, only
        one certain enough to merge without asking a person."""
        found = self.best_number(p, automatic=automatic)
        return None if found is None else (self.profile(found[0]), found[1])

    def best_number(self, p: Profile, *, automatic: bool = False) -> tuple[int, Verdict] | None:
        """As :meth:`best`, with the number the profile was filed as."""
        found: list[tuple[int, Profile, Verdict]] = []
        for number in self.candidates(p):
            other = self.profile(number)
            if other.ref == p.ref:
                continue
            verdict = compare(self.kind, p, other)
            if verdict is not None and (verdict.automatic or not automatic):
                found.append((number, other, verdict))
        if not found:
            return None
        number, _other, verdict = min(found, key=lambda item: (-item[2].score, item[1].label))
        return number, verdict
