"""Values a process keeps between requests, each with the version of the rows it was read from."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Versioned(Generic[K, V]):
    """The last value read for each key, given back only while the database's version of it is
    the one it was read at. The version must change with every write of what the value was read
    from (a trigger counts it), and be read before the value: a write that lands between the two
    readings then only makes the value look older than it is. The least recently used keys go
    past ``size``."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._kept: OrderedDict[K, tuple[int, V]] = OrderedDict()

    def get(self, key: K, version: int) -> V | None:
        found = self._kept.get(key)
        if found is None or found[0] != version:
            return None
        self._kept.move_to_end(key)
        return found[1]

    def put(self, key: K, version: int, value: V) -> None:
        self._kept[key] = (version, value)
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def forget(self, key: K) -> None:
        """Read the key's value again next time (its writer's request, whose version predates
        its write)."""
        self._kept.pop(key, None)
