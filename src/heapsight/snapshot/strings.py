"""The snapshot's string table, kept as the raw JSON bytes plus offsets.

A large snapshot holds millions of strings; one Python str each would cost more memory than the
graph. Strings are decoded only when shown, and looked up by searching the raw bytes.
"""

from __future__ import annotations

import json

import numpy as np


class StringTable:
    def __init__(self, blob: bytearray, starts: np.ndarray, lengths: np.ndarray):
        self._blob = blob
        self._starts = starts
        self._lengths = lengths
        self._cache: dict[int, str] = {}
        self._index_of: dict[str, int] = {}

    def __len__(self) -> int:
        return int(self._starts.shape[0])

    def __getitem__(self, index: int) -> str:
        index = int(index)
        cached = self._cache.get(index)
        if cached is not None:
            return cached
        start = int(self._starts[index])
        raw = bytes(self._blob[start:start + int(self._lengths[index])])
        if b"\\" in raw:
            text = json.loads(b'"' + raw + b'"')
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:  # V8 may write lone surrogates from JS strings
                text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        else:
            text = raw.decode("utf-8", "replace")
        if len(self._cache) < 200_000:
            self._cache[index] = text
        return text

    def occurrences(self, needle: str) -> list[tuple[int, int]]:
        """(byte position, string index) of every occurrence of `needle` (no escapes in it)
        inside a string of the table, found in the raw bytes."""
        pattern = json.dumps(needle)[1:-1].encode("utf-8")
        found = []
        position = self._blob.find(pattern)
        while position >= 0:
            found.append(position)
            position = self._blob.find(pattern, position + 1)
        if not found:
            return []
        positions = np.asarray(found, np.int64)
        owner = np.searchsorted(self._starts, positions, side="right") - 1
        inside = owner >= 0
        owner_ok = np.where(inside, owner, 0)
        inside &= positions + len(pattern) <= self._starts[owner_ok] + self._lengths[owner_ok]
        return list(zip(positions[inside].tolist(), owner[inside].tolist(), strict=True))

    def raw_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(raw JSON bytes, start of each string, byte length of each), for kernels."""
        return np.frombuffer(self._blob, np.uint8), self._starts, self._lengths

    def indices_containing(self, needle: str) -> np.ndarray:
        """Indices of the strings whose raw JSON text contains `needle` (no escapes in it)."""
        # owners come in increasing order; dict.fromkeys drops repeats (np.unique would import
        # numpy.ma, 9 ms of every summary)
        owners = dict.fromkeys(owner for _, owner in self.occurrences(needle))
        return np.fromiter(owners, np.int64, len(owners))

    def index_of(self, text: str) -> int:
        """Index of a string equal to `text`, or -1 (V8 deduplicates the table). The blob
        keeps each string's quotes, so only the quoted text is searched (not every string
        that contains it: "map" is in thousands)."""
        if text not in self._index_of:
            pattern = b'"' + json.dumps(text)[1:-1].encode("utf-8") + b'"'
            found = -1
            position = self._blob.find(pattern)
            while position >= 0:
                at = int(np.searchsorted(self._starts, position + 1))
                if at < len(self) and int(self._starts[at]) == position + 1 and \
                        self[at] == text:
                    found = at
                    break  # not one more search of the rest of the blob
                position = self._blob.find(pattern, position + 1)
            self._index_of[text] = found
        return self._index_of[text]
