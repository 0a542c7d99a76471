"""Text helpers shared by the extractors: a length-preserving fold and sentences.

``fold`` maps each character to one character (full-width ASCII to half-width,
curly quotes kept), so offsets found in the folded text are offsets in the
original text and evidence strings stay exact substrings of the source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD = str.maketrans({**_FULLWIDTH, 0x3000: 0x20, 0x00A0: 0x20})

SENTENCE_END = re.compile(r"[。!?;!?;\n]+")


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
        return text.translate(_FOLD)
    last = _LAST  # one read: safe if threads interleave
    if last[0] is text:
        return last[1]
    folded = text.translate(_FOLD)
    _LAST = (text, folded)
    return folded


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence: split at 。!?; and line breaks, trimmed.

    >>> t = "一是加强。二是推进!\\n三"
    >>> [t[s:e] for s, e in sentences(t)]
    ['一是加强。', '二是推进!', '三']
    """
    start = 0
    for m in SENTENCE_END.finditer(text):
        end = m.end()
        yield from _trimmed(text, start, end)
        start = end
    yield from _trimmed(text, start, len(text))


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end
