"""Dictionary scans: every occurrence of a word list in a text, in one pass.

A thin wrapper over ``ahocorasick_rs`` (the Rust ``aho-corasick`` crate, as a
DFA): the scan and the leftmost-longest selection run in Rust, and offsets are
character offsets into the Python string (astral characters count one), so they
index the text directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ahocorasick_rs

__all__ = ["Scanner"]

Match = tuple[int, int, str]  # start, end, word
_SURROGATE = re.compile("[\ud800-\udfff]")


class Scanner:
    """A fixed word list, ready to scan texts.

    Args:
        words: the words to find (empty strings are ignored, duplicates kept once).
        overlapping: also report matches that overlap or contain one another
            (:meth:`all_matches`); otherwise only :meth:`leftmost_longest` is available.
    """

    __slots__ = ("_automaton", "_filler", "_words")

    def __init__(self, words: Iterable[str], *, overlapping: bool = False) -> None:
        self._words = sorted({w for w in words if w})
        used = set("".join(self._words))
        # stands in for a lone surrogate, which the scan (over UTF-8) cannot take
        self._filler = next(c for c in map(chr, range(0xE000, 0xF900)) if c not in used)
        kind = ahocorasick_rs.MatchKind.Standard if overlapping else ahocorasick_rs.MatchKind.LeftmostLongest
        # a DFA scans faster than the default NFA (built once, some MB for the gazetteer)
        self._automaton = ahocorasick_rs.AhoCorasick(
            self._words, matchkind=kind, implementation=ahocorasick_rs.Implementation.DFA)

    def leftmost_longest(self, text: str) -> list[Match]:
        """Non-overlapping matches, left to right; at each start the longest word wins.

        >>> Scanner(["行政", "依法行政和", "和"]).leftmost_longest("推进依法行政和行政执法")
        [(2, 7, '依法行政和'), (7, 9, '行政')]
        """
        words = self._words
        return [(s, e, words[i]) for i, s, e in self._find(text, overlapping=False)]

    def all_matches(self, text: str) -> list[Match]:
        """Every occurrence of every word, overlapping ones included (order unspecified).

        >>> sorted(Scanner(["ab", "b", "abc"], overlapping=True).all_matches("abc"))
        [(0, 2, 'ab'), (0, 3, 'abc'), (1, 2, 'b')]
        """
        words = self._words
        return [(s, e, words[i]) for i, s, e in self._find(text, overlapping=True)]

    def _find(self, text: str, *, overlapping: bool) -> list[tuple[int, int, int]]:
        try:
            return self._automaton.find_matches_as_indexes(text, overlapping=overlapping)
        except UnicodeEncodeError:  # lone surrogates: no word holds one, nor the filler
            text = _SURROGATE.sub(self._filler, text)
            return self._automaton.find_matches_as_indexes(text, overlapping=overlapping)
