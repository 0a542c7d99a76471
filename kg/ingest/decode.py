"""Bytes → text: detect the encoding, reject binaries and mojibake, clean controls.

Order of trust: a byte-order mark; strict UTF-8; a ``<meta charset>`` /
``http-equiv`` declaration; charset-normalizer restricted to CJK encodings
(GB18030 stands for GBK and GB2312, being their superset). Every candidate must
pass a mojibake check before it is accepted.

Characters are never rewritten (no NFKC): newlines become ``\\n``, the BOM and
control characters other than ``\\n`` and ``\\t`` are dropped, nothing else.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from functools import cache

import numpy as np
from charset_normalizer import from_bytes

from kg.errors import IngestError
from kg.ingest.hanzi import COMMON_HANZI

__all__ = ["clean_text", "decode", "is_mojibake"]

_BOMS: tuple[tuple[bytes, str, str], ...] = (  # (mark, codec, reported name); UTF-32 before UTF-16
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP/DOCX"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE/DOC"),
    (b"\x1f\x8b", "GZIP"),
    (b"Rar!", "RAR"),
    (b"\x7fELF", "ELF"),
)
# Declared labels that mean "some GB encoding": read them all as GB18030.
_GB_LABELS = {"gb2312", "gb_2312", "gb_2312-80", "gbk", "x-gbk", "cp936", "ms936", "gb18030",
              "euc-cn", "csgb2312", "chinese", "iso-ir-58", "windows-936"}
_CANDIDATES = ["gb18030", "big5"]  # charset-normalizer's field after UTF-8 has failed
_TRUSTED_DECLARED = {"utf-8", "gb18030", "big5", "big5hkscs"}
_DECLARED = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w\-:.]{2,40})""", re.I)
_XML_DECL = re.compile(rb"""<\?xml[^>]{0,100}?encoding\s*=\s*["']([\w\-.]{2,40})["']""", re.I)
# Neither letters nor Han: spaces, punctuation, full-width forms, circled numbers, shapes.
_PUNCT_OR_SPACE = re.compile(
    r"[\s\u00a0-\u00bf\u00d7\u00f7\u2000-\u206f\u2150-\u218f\u2460-\u24ff\u25a0-\u25ff"
    r"\u3000-\u303f\uff00-\uffef]"
)
_PUNCT_RANGES = (
    "\u00a0-\u00bf\u00d7\u00f7\u2000-\u206f\u2150-\u218f\u2460-\u24ff\u25a0-\u25ff"
    "\u3000-\u303f\uff00-\uffef"
)
_BAD_CHARS = re.compile("[\ufffd\ue000-\uf8ff\x80-\x9f]")
_NOT_HAN = re.compile("[^\u4e00-\u9fff\u3400-\u4dbf]+")
# ASCII plus everything _PUNCT_OR_SPACE matches: what is left are letters (Han or not)
_NEUTRAL = re.compile("[\x00-\x7f\\s" + _PUNCT_RANGES + "]+")
_NOT_COMMON = re.compile("[^" + "".join(re.escape(ch) for ch in sorted(COMMON_HANZI)) + "]+")
# C0/C1 controls but tab and newlines; clean_text removes them with the bare class (the
# regex engine scans for it three times faster than the alternation, and clean_text drops the
# leading BOM itself); the sample check also counts a leading BOM (a BOM inside: kg.ingest flags it)
_CONTROL_CLASS = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_CONTROL_CHARS = re.compile(_CONTROL_CLASS)
_CONTROL = re.compile(_CONTROL_CLASS + "|^\ufeff")
# Flags of a code point in the character-class table of is_mojibake
_IS_BAD, _IS_HAN, _IS_NEUTRAL, _IS_COMMON = 1, 2, 4, 8
_ASTRAL = 0x10000  # the table's last entry stands for every astral code point

_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1B))
SNIFF_BYTES = 65536
SAMPLE_CHARS = 200_000  # the mojibake test looks at this much text
MAX_CONTROL_SHARE = 0.05  # control bytes in a text file: almost none
MAX_BAD_SHARE = 0.02  # U+FFFD, private use, C1 controls among the characters
MIN_COMMON_SHARE = 0.25  # frequent Han characters among Han characters, if any
MIN_HAN_FOR_TEST = 20


def decode(data: bytes, *, source: str) -> tuple[str, str]:
    """Decode ``data`` and clean it; return ``(text, encoding)``.

    Args:
        data: the raw file content, not empty.
        source: the name used in error messages.

    Returns:
        The cleaned text and the lower-case codec name that decoded it.

    Raises:
        IngestError: binary content, or no encoding gives readable text.

    >>> decode("法治政府".encode("gbk"), source="x.txt")
    ('法治政府', 'gb18030')
    >>> decode(b"\\xef\\xbb\\xbfok\\r\\n", source="x.txt")
    ('ok\\n', 'utf-8-sig')
    """
    for mark, codec, name in _BOMS:
        if data.startswith(mark):
            try:
                return clean_text(data.decode(codec)), name
            except UnicodeDecodeError as e:
                why = f"无法识别的编码 / undecodable text ({name} BOM but {e.reason})"
                raise IngestError(source, why) from e
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return clean_text(data.decode(utf16)), utf16
    kind = _binary_kind(data)
    if kind:
        raise IngestError(source, f"二进制文件,不是文本 / binary file, not text ({kind})")
    for codec in _ordered_candidates(data):
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        if not is_mojibake(text[:SAMPLE_CHARS]):
            return clean_text(text), codec
    # Last resort: a GB or UTF-8 page with a few broken bytes (e.g. cut mid-character).
    for codec in ("utf-8", "gb18030"):
        text = data.decode(codec, errors="replace")
        if not is_mojibake(text[:SAMPLE_CHARS]):
            return clean_text(text), codec
    raise IngestError(source, "无法识别的编码 / undecodable text (not UTF-8, GB18030/GBK or Big5)")


def clean_text(text: str) -> str:
    r"""Normalise newlines to ``\n``; drop a leading BOM and controls except ``\n`` and ``\t``.

    A U+FEFF further on is left for :func:`kg.ingest.read`, which removes it with the
    other invisible characters and flags the document.

    >>> clean_text("\ufeffa\r\nb\rc\x00d\x0ce")
    'a\nb\ncde'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    return _CONTROL_CHARS.sub("", text)


def is_mojibake(text: str) -> bool:
    """True if ``text`` looks like bytes decoded with the wrong codec.

    Three measures: the share of impossible characters (U+FFFD, private use, C1
    controls); more non-Han letters (kana, hangul, box drawing …) than Han
    characters; and, when there are enough Han characters, the share of them
    that are frequent characters (real Chinese prose: > 80 %; mojibake: < 10 %).
    Punctuation, full-width forms, circled numbers and spaces count as neutral.

    >>> is_mojibake("法治政府建设情况的报告,依法行政工作稳步推进,取得明显成效。")
    False
    >>> is_mojibake("娉曟不鏀垮簻寤鸿鎯呭喌鐨勬姤鍛婏紝渚濇硶琛屾斂宸ヤ綔绋虫")
    True
    """
    if not text:
        return False
    # Counted in one vectorised pass: each code point's flags from a table made of the
    # character classes above (bad, Han, neutral, frequent Han).
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    flags = _char_classes()[np.minimum(points, _ASTRAL)]
    if np.count_nonzero(flags & _IS_BAD) / len(text) > MAX_BAD_SHARE:
        return True
    han = int(np.count_nonzero(flags & _IS_HAN))
    other = len(text) - int(np.count_nonzero(flags & _IS_NEUTRAL)) - han  # non-Han letters
    if other >= MIN_HAN_FOR_TEST and other > han:
        return True  # mostly kana, hangul, box drawing …: not a Chinese report
    if han < MIN_HAN_FOR_TEST:
        return False
    common = int(np.count_nonzero(flags & _IS_COMMON))
    return common / han < MIN_COMMON_SHARE


@cache
def _char_classes() -> np.ndarray:
    """The flags of every BMP code point; the entry at ``_ASTRAL`` (no flag) stands for
    every astral one (none of the classes holds one)."""
    bmp = "".join(map(chr, range(_ASTRAL)))
    flags = np.zeros(_ASTRAL + 1, dtype=np.uint8)
    runs = (
        (_BAD_CHARS.pattern + "+", _IS_BAD),
        (_NOT_HAN.pattern[:1] + _NOT_HAN.pattern[2:], _IS_HAN),  # [^…]+ → […]+
        (_NEUTRAL.pattern, _IS_NEUTRAL),
    )
    for pattern, flag in runs:
        for m in re.finditer(pattern, bmp):
            flags[m.start():m.end()] |= flag
    for ch in COMMON_HANZI:
        if ord(ch) < _ASTRAL and flags[ord(ch)] & _IS_HAN:
            flags[ord(ch)] |= _IS_COMMON
    return flags


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"`` / ``"utf-16-be"`` for UTF-16 text that has no byte-order mark.

    Text in UTF-16 has NUL bytes (the high byte of every ASCII character, newline
    and digit) mostly on one side of each pair: odd offsets for little-endian, even
    for big-endian. A binary has them on both sides. The bytes must then decode
    strictly, hold almost no controls and pass the mojibake check.

    >>> _utf16_without_bom("2024年法治政府建设情况\\n".encode("utf-16-le"))
    'utf-16-le'
    >>> _utf16_without_bom(b"\\x00\\x01\\x02\\x00" * 50) is None
    True
    """
    head = data[:SNIFF_BYTES - SNIFF_BYTES % 2]
    if len(head) < 4 or len(data) % 2 or b"\x00" not in head:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    # a Han character such as 一 (U+4E00) has a NUL low byte: one side need only dominate
    if min(even, odd) * 4 > max(even, odd):
        return None
    codec = "utf-16-le" if odd > even else "utf-16-be"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    sample = text[:SAMPLE_CHARS]
    controls = len(sample) - len(_CONTROL.sub("", sample))
    if controls / len(sample) > MAX_CONTROL_SHARE or is_mojibake(sample):
        return None
    return codec


def _binary_kind(data: bytes) -> str | None:
    """A short label if ``data`` is not text (magic number, NUL, many controls)."""
    for magic, label in _MAGIC:
        if data.startswith(magic):
            return label
    head = data[:SNIFF_BYTES]
    if b"\x00" in head:
        return "NUL bytes"
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))  # one pass: delete, count
    if controls / len(head) > MAX_CONTROL_SHARE:
        return f"{controls / len(head):.0%} control bytes"
    return None


def _ordered_candidates(data: bytes) -> Iterator[str]:
    """Codecs to try, most trusted first, without repeats; lazily, so the costly guess is
    only made when strict UTF-8 has not given readable text."""
    yield "utf-8"
    yield from (c for c in _later_candidates(data) if c != "utf-8")


def _later_candidates(data: bytes) -> list[str]:
    order = ["utf-8"]
    declared = _declared_codec(data[:SNIFF_BYTES])
    if declared in _TRUSTED_DECLARED:  # a page "declaring" latin-1 would decode anything
        order.append(declared)
    best = from_bytes(data[: 4 * SNIFF_BYTES], cp_isolation=_CANDIDATES).best()
    if best is not None:
        guess = _canonical(best.encoding) or best.encoding
        # charset-normalizer guesses Big5 for short GB text (“2022年” → “2022爛”): on a
        # mainland report GB18030 is far likelier, so Big5 must read better to win
        if guess != "big5" or _common_share(data, "big5") > _common_share(data, "gb18030"):
            order.append(guess)
    order += ["gb18030", "big5"]
    return list(dict.fromkeys(order))


def _common_share(data: bytes, codec: str) -> float:
    """Share of frequent characters among the Han characters ``data`` decodes to (-1: fails).

    >>> _common_share("法治".encode("gbk"), "gb18030"), _common_share("法治".encode("gbk"), "big5")
    (1.0, 0.0)
    """
    try:
        text = data[: 4 * SNIFF_BYTES].decode(codec, errors="strict")
    except UnicodeDecodeError as e:
        if e.start < 4 * SNIFF_BYTES - 4:  # not just a character cut by the sample's end
            return -1.0
        text = data[: e.start].decode(codec)
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"]
    return sum(ch in COMMON_HANZI for ch in han) / len(han) if han else 0.0


def _declared_codec(head: bytes) -> str | None:
    """The codec an HTML ``<meta>`` or XML declaration names, if Python knows it."""
    match = _DECLARED.search(head) or _XML_DECL.search(head)
    return _canonical(match.group(1).decode("ascii")) if match else None


def _canonical(label: str) -> str | None:
    """A lower-case Python codec name for an encoding label; GB labels → gb18030.

    >>> _canonical("GB2312"), _canonical("UTF8"), _canonical("nonsense")
    ('gb18030', 'utf-8', None)
    """
    label = label.strip().lower()
    if label in _GB_LABELS:
        return "gb18030"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "gb18030" if name in ("gbk", "gb2312") else name.replace("_", "-")
