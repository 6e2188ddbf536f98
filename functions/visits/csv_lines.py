"""Reading a CSV export as it streams in: its encoding, its lines, its rows, whatever state the file is in.

The file is never held whole: it is read in chunks, split into physical lines (CRLF, LF or a lone CR
as old Mac exports write), decoded, and handed to the csv module one line at a time. A broken line
(undecodable bytes, a line longer than any visit, a quote that is opened and never closed) becomes
one rejected row at its own line number, and reading goes on with the line after it, so every row
of the file is accounted for and a good row is never swallowed by a bad one.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

CHUNK = 64 * 1024
# No visit row comes near this; a longer line is a wrong file or a runaway cell, rejected on its own.
LINE_LIMIT = 64 * 1024
# A quoted cell may hold line breaks (Excel writes Alt+Enter that way); one spanning more lines than
# this is a quote that was never closed.
ROW_LINES = 50
BREAKS = re.compile(r"\r\n|\r|\n")
BYTE_BREAKS = re.compile(rb"\r\n|\r|\n")
# Byte order marks, the four-byte ones first (UTF-32 LE starts with UTF-16 LE's mark).
BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
NAMES = {"utf-8": "UTF-8", "cp1251": "Windows-1251", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16",
         "utf-32-le": "UTF-32", "utf-32-be": "UTF-32"}


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(slots=True)
class Line:
    number: int
    text: str  # with its line end, as the csv module wants it
    problem: str = ""  # "line_too_long" or "bad_encoding"
    params: dict | None = None


@dataclass(slots=True)
class Record:
    """One row: its first line's number and its cells, or the problem that made it unreadable."""

    line: int
    cells: list[str]
    problem: str = ""
    params: dict | None = None


def _chunks(source: bytes | Readable) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start:start + CHUNK])
        return
    while chunk := source.read(CHUNK):
        yield chunk


def _split(chunks: Iterator, breaks: re.Pattern, empty: str | bytes) -> Iterator[tuple[str | bytes, bool]]:
    """Physical lines with their ends kept, and whether each was cut for being longer than LINE_LIMIT."""
    pending, overflow = empty, False
    for chunk in chunks:
        buffer = pending + chunk
        start = 0
        for found in breaks.finditer(buffer):
            if found.end() == len(buffer) and found.group() in ("\r", b"\r"):
                break  # a CR at the end of a chunk may be the first half of a CRLF
            yield buffer[start:found.end()], overflow
            start, overflow = found.end(), False
        pending = buffer[start:]
        if len(pending) > LINE_LIMIT:
            pending, overflow = empty, True  # keep nothing of it: memory stays flat on a file without line ends
    if pending or overflow:
        yield pending, overflow


class _Narrow:
    """UTF-8 or Windows-1251, decided by the first line that is not ASCII and kept from then on."""

    def __init__(self, encoding: str | None = None) -> None:
        self.encoding = encoding

    def decode(self, raw: bytes) -> tuple[str, bool]:
        if raw.isascii():
            return raw.decode("ascii"), True
        if self.encoding != "cp1251":
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                if self.encoding == "utf-8":
                    return raw.decode("utf-8", "replace"), False
                self.encoding = "cp1251"
            else:
                self.encoding = "utf-8"
                return text, True
        try:
            return raw.decode("cp1251"), True
        except UnicodeDecodeError:  # five byte values are unassigned in Windows-1251
            return raw.decode("cp1251", "replace"), False


def _wide_without_bom(head: bytes) -> str | None:
    """UTF-16 without a byte order mark: the high byte of each character is 0 (Latin) or 4 (Cyrillic),
    so one half of the bytes is almost all 0 and 4 while the other half varies."""
    pairs = len(head) // 2
    if pairs < 4:
        return None
    high = {"utf-16-le": head[1:pairs * 2:2], "utf-16-be": head[0:pairs * 2:2]}
    low = {"utf-16-le": head[0:pairs * 2:2], "utf-16-be": head[1:pairs * 2:2]}
    for encoding in ("utf-16-le", "utf-16-be"):
        narrow = sum(1 for b in high[encoding] if b in (0, 4))
        wide = sum(1 for b in low[encoding] if b in (0, 4))
        if narrow > pairs * 0.9 and wide < pairs * 0.3 and 0 in high[encoding]:
            return encoding
    return None


def physical_lines(source: bytes | Readable) -> Iterator[Line]:
    """Every line of the file, numbered from 1, decoded, NULs removed, each broken one marked."""
    chunks = _chunks(source)
    head = next(chunks, b"")
    marked = next(((bom, name) for bom, name in BOMS if head.startswith(bom)), None)
    if marked:
        head = head[len(marked[0]):]
    encoding = marked[1] if marked else _wide_without_bom(head)

    def rest() -> Iterator[bytes]:
        yield head
        yield from chunks

    number = 0
    if encoding and encoding != "utf-8":
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        texts = (decoder.decode(chunk) for chunk in rest())
        for text, overflow in _split(_finish(texts, decoder), BREAKS, ""):
            number += 1
            yield _line(number, str(text), overflow, "\ufffd" not in str(text), encoding)
        return
    narrow = _Narrow(encoding)
    for raw, overflow in _split(rest(), BYTE_BREAKS, b""):
        number += 1
        text, clean = narrow.decode(bytes(raw))
        yield _line(number, text, overflow, clean, narrow.encoding or "utf-8")


def _finish(texts: Iterator[str], decoder: codecs.IncrementalDecoder) -> Iterator[str]:
    yield from texts
    yield decoder.decode(b"", final=True)


def _line(number: int, text: str, overflow: bool, clean: bool, encoding: str) -> Line:
    if "\x00" in text:
        text = text.replace("\x00", "")
    if overflow:
        return Line(number, "\n", "line_too_long", {"limit": LINE_LIMIT // 1024})
    if not clean:
        return Line(number, text, "bad_encoding", {"encoding": NAMES.get(encoding, encoding)})
    return Line(number, text)


class _Broken(Exception):
    """The row being read cannot be a row: its first line is rejected, the rest read again."""


def _feed(first: Line, lines: Iterator[Line], again: deque[Line], taken: list[Line],
          ended_inside: list[bool]) -> Iterator[str]:
    """Lines for the csv module, from ``first`` on, noting each in ``taken`` (the row being read)."""
    line: Line | None = first
    while line is not None:
        taken.append(line)
        if line.problem == "line_too_long" or len(taken) > ROW_LINES:
            raise _Broken
        yield line.text
        line = again.popleft() if again else next(lines, None)
    ended_inside.append(True)  # the file ended inside a quoted cell


def records(lines: Iterator[Line], delimiter: str, width: int, read: frozenset[int]) -> Iterator[Record]:
    """The rows after the header; ``width`` is the header's number of cells, ``read`` the columns we use.

    A line without a quote is split as it stands (what the csv module would make of it, without its
    cost); a line with one goes to the csv module, which may read on into the next lines.
    """
    again: deque[Line] = deque()  # lines to read again after a broken row
    while True:
        line = again.popleft() if again else next(lines, None)
        if line is None:
            return
        if line.problem == "line_too_long":
            yield Record(line.number, [], line.problem, line.params)
            continue
        if '"' not in line.text:
            cells = line.text.rstrip("\r\n").split(delimiter)
            if "".join(cells).strip():  # a blank row (";;;" is how Excel writes an empty one) is no data row
                yield Record(line.number, cells, line.problem, line.params)
            continue
        taken: list[Line] = []  # the physical lines of this row
        ended_inside: list[bool] = []
        try:
            cells = next(csv.reader(_feed(line, lines, again, taken, ended_inside), delimiter=delimiter), [])
            if ended_inside or (len(taken) > 1 and "".join(cells).strip()
                                and _swallowed(cells, taken, delimiter, width, read)):
                raise _Broken
        except (_Broken, csv.Error):
            first = taken[0]
            if first.problem == "line_too_long":
                yield Record(first.number, [], first.problem, first.params)
            else:
                yield Record(first.number, [], "unterminated_quote" if len(taken) > 1 or ended_inside
                             else "unreadable_row")
            again.extendleft(reversed(taken[1:]))
            continue
        if "".join(cells).strip():
            problem = next((t for t in taken if t.problem), None)
            yield Record(taken[0].number, cells, *((problem.problem, problem.params) if problem else ()))


def _swallowed(cells: list[str], taken: list[Line], delimiter: str, width: int, read: frozenset[int]) -> bool:
    """Whether a row that spans lines is really a quote that was never closed.

    No export writes a line break into a name, a phone or a date, so one in a column we read (or in
    a cell past the last header) means the quote ran on; in another column (a comment) it may be
    real, unless a line it took in reads as a whole row by itself.
    """
    if any((i in read or i >= width) and ("\n" in cell or "\r" in cell) for i, cell in enumerate(cells)):
        return True
    for line in taken[1:-1]:
        alone = next(csv.reader([line.text.rstrip("\r\n")], delimiter=delimiter), [])
        if width > 1 and len(alone) >= width:
            return True
    return False


def header_cells(line: Line) -> tuple[list[str], str]:
    """The header's cells and the delimiter it uses (``;`` ``,`` or tab, as Excel writes them)."""
    first = line.text.rstrip("\r\n")
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = ";" if ";" in first else ("\t" if "\t" in first else ",")
    return next(csv.reader([first], delimiter=delimiter), []), delimiter
