"""Text helpers shared by the extractors: a length-preserving fold and sentences.

``fold`` maps each character to one character (full-width ASCII to half-width,
curly quotes kept), so offsets found in the folded text are offsets in the
original text and evidence strings stay exact substrings of the source.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD = str.maketrans({**_FULLWIDTH, 0x3000: 0x20, 0x00A0: 0x20})
_FOLD_CHARS: dict[str, str] = {chr(k): chr(v) for k, v in _FOLD.items()}
_FOLDABLE = re.compile("[\uff01-\uff5e\u3000\u00a0]")

SENTENCE_END = re.compile(r"[。!?;!?;\n]+")
# A sentence before trimming: up to and with a run of ends, or the rest of the text.
_PIECE = re.compile(r"[^。!?;!?;\n]*[。!?;!?;\n]+|[^。!?;!?;\n]+")


# The last long text folded and its fold: the stages fold the same report text many times.
_LAST: tuple[str, str] = ("", "")
_CACHE_FROM = 256


def fold(text: str) -> str:
    """Half-width, same length.

    >>> fold("《法治政府建设实施纲要(2021-2025年)》")
    '《法治政府建设实施纲要(2021-2025年)》'
    >>> len(fold("ABC,")) == 4
    True
    """
    global _LAST
    if len(text) < _CACHE_FROM:
        return _fold(text)
    last = _LAST  # one read: safe if threads interleave
    if last[0] is text:
        return last[1]
    folded = _fold(text)
    _LAST = (text, folded)
    return folded


def _fold(text: str) -> str:
    # Same as text.translate(_FOLD), which looks up every character in a dict: replacing
    # each distinct foldable character (found by one regex pass) is many times faster.
    # No replacement is itself foldable, so the order of the replacements is immaterial.
    for c in set(_FOLDABLE.findall(text)):
        text = text.replace(c, _FOLD_CHARS[c])
    return text


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence: split at 。!?; and line breaks, trimmed.

    >>> t = "一是加强。二是推进!\\n三"
    >>> [t[s:e] for s, e in sentences(t)]
    ['一是加强。', '二是推进!', '三']
    """
    for m in _PIECE.finditer(text):
        piece = m.group()
        body = piece.strip()
        if body:
            start = m.start() + len(piece) - len(piece.lstrip())
            yield start, start + len(body)


class SentenceIndex:
    """The sentence around an offset, as :func:`sentences` splits the text, found on
    demand (cheaper than listing every sentence when only a few are wanted).

    >>> t = "一是加强。 二是推进!\\n三"
    >>> index = SentenceIndex(t)
    >>> [t[s:e] for s, e in (index.at(0), index.at(5), index.at(6), index.at(12))]
    ['一是加强。', '一是加强。', '二是推进!', '三']
    """

    __slots__ = ("_ends", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._ends = [m.end() for m in SENTENCE_END.finditer(text)]  # where pieces end

    def at(self, offset: int) -> tuple[int, int] | None:
        """The last sentence starting at or before ``offset`` (None if there is none)."""
        text, ends = self._text, self._ends
        k = bisect_right(ends, offset)  # the piece holding the offset, then those before
        while k >= 0:
            piece_start = ends[k - 1] if k > 0 else 0
            piece = text[piece_start:ends[k] if k < len(ends) else len(text)]
            body = piece.strip()
            start = piece_start + len(piece) - len(piece.lstrip())
            if body and start <= offset:
                return start, start + len(body)
            k -= 1
        return None
