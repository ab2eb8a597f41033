"""A PDF writer that streams: pages copied from other PDFs are written out at once.

A PDF library's writer (qpdf's, pypdf's) keeps every page of the output in memory until it
saves; a batch of 10,000 letters would hold them all. This writer copies each source page's
objects straight to the output file, keeps only the byte offsets and the list of page numbers,
and writes the page tree, cross-reference stream and trailer at the end. Identical objects (a
font program, an image, a colour profile repeated in every letter) are written once: objects
are copied children first, and one whose bytes were already written is replaced by a reference
to the earlier copy.

The sources are read with pikepdf (qpdf, compiled) through its public API only: each object is
fetched by number, serialised by qpdf (``unparse``), and its indirect references renumbered to
ours; a stream's encoded bytes (``read_raw_bytes``) are passed through, never decoded.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import pikepdf

# Page keys not copied: the parent is ours; annotations (links) point back at their page and
# are of no use on paper; structure keys would drag in the source's whole structure tree.
_SKIPPED_PAGE_KEYS = frozenset({"/Parent", "/Annots", "/B", "/StructParents", "/Tabs", "/Metadata"})
# Page keys a page may inherit from its page tree (ISO 32000-1, 7.7.3.4).
_INHERITED_KEYS = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_IN_PROGRESS = -1
OBJECTS_PER_STREAM = 200
LARGE_OBJECT_BYTES = 2048
SMALL_OBJECTS_REMEMBERED = 4096
# An indirect reference ("12 0 R") in qpdf's serialisation, or a literal string (skipped whole:
# qpdf escapes every parenthesis and backslash inside one, so "\(" never ends it). Names need no
# care: qpdf writes a name's delimiters and spaces as #xx, and a name never precedes " 0 R"
# in valid syntax. Hex strings hold hex digits only.
_TOKENS = re.compile(rb"\((?:[^\\)]|\\.)*\)|(?<![\w.#+-])(\d+) (\d+) R")


class PageSizeError(ValueError):
    """A page is not the size of the file it was to go into."""


def page_size(page: pikepdf.Page) -> tuple[float, float]:
    """The width and height of ``page``'s media box, in points (inherited if need be)."""
    x0, y0, x1, y1 = (float(value) for value in page.mediabox)
    return abs(x1 - x0), abs(y1 - y0)


def check_size(page: pikepdf.Page, expected: tuple[float, float]) -> None:
    """:class:`PageSizeError` unless ``page`` is ``expected`` (width, height in points) ± 1 pt."""
    width, height = page_size(page)
    if abs(width - expected[0]) > 1 or abs(height - expected[1]) > 1:
        raise PageSizeError(f"page of {width:.0f} × {height:.0f} pt")


class Source:
    """A PDF whose pages are copied: its object numbers map to ours as objects are written.

    ``source`` is a path or a binary file. Close it (or use ``with``) once its pages are copied:
    the writer keeps nothing of it.
    """

    def __init__(self, source: str | Path | BinaryIO) -> None:
        # Inherited page attributes are looked up when a page is copied, not pushed to every
        # page on opening (a page tree walk that most letters do not need).
        self.pdf = pikepdf.open(source, inherit_page_attributes=False)
        self.mapping: dict[tuple[int, int], int] = {}

    @property
    def pages(self) -> Sequence[pikepdf.Page]:
        """The source's pages."""
        return self.pdf.pages

    def close(self) -> None:
        """Release the source's file and memory."""
        self.pdf.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _inherited(page: pikepdf.Dictionary, keys: Iterable[str]) -> dict[str, pikepdf.Object]:
    """Each of ``keys`` that ``page`` inherits: from its nearest ancestor in the page tree that
    has it."""
    wanted, found = set(keys), {}
    node, depth = page.get("/Parent"), 0
    while wanted and isinstance(node, pikepdf.Dictionary) and depth < 64:  # cycles end
        present = set(node.keys())
        for key in wanted & present:
            found[key] = node[key]
        wanted -= present
        node, depth = (node["/Parent"] if "/Parent" in present else None), depth + 1
    return found


class PdfStreamWriter:
    """Write a PDF to ``output`` one object at a time; call :meth:`close` to finish it."""

    def __init__(self, output: BinaryIO, *, dedupe: bool = True) -> None:
        self.output = output
        self.dedupe = dedupe
        # Per object number: kind (0 free, 1 at an offset, 2 inside an object stream), then the
        # offset or the object stream's number, then the index in it. Arrays: 10 bytes each.
        self._kinds = array("b", [0])
        self._field2 = array("q", [0])
        self._field3 = array("l", [0])
        self._pending: list[tuple[int, bytes]] = []  # small objects for the next object stream
        self._kids: list[int] = []
        # Digest -> object number of what was written, to write identical objects once. Large
        # objects (fonts, pictures: the ones worth it) are remembered for the whole file; small
        # ones in a bounded LRU, since every letter brings a dozen that never come back and the
        # small ones shared by all letters stay recent anyway.
        self._seen: dict[bytes, int] = {}
        self._seen_small: OrderedDict[bytes, int] = OrderedDict()
        output.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self._pages_number = self._reserve()
        self._catalog_number = self._reserve()

    @property
    def page_count(self) -> int:
        """Pages written so far."""
        return len(self._kids)

    # --- objects ------------------------------------------------------------------------------

    def _reserve(self) -> int:
        self._kinds.append(0)
        self._field2.append(0)
        self._field3.append(0)
        return len(self._kinds) - 1

    def _write_at(self, number: int, body: bytes, *, packable: bool = True) -> None:
        if packable:
            # Small objects go compressed into object streams, as WeasyPrint's own output does.
            self._pending.append((number, body))
            if len(self._pending) >= OBJECTS_PER_STREAM:
                self._flush_object_stream()
            return
        self._kinds[number] = 1
        self._field2[number] = self.output.tell()
        self.output.write(b"%d 0 obj\n" % number)
        self.output.write(body)
        self.output.write(b"\nendobj\n")

    def _flush_object_stream(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        header, bodies, position = [], [], 0
        for number, body in pending:
            header.append(b"%d %d" % (number, position))
            bodies.append(body)
            position += len(body) + 1
        first = b" ".join(header) + b"\n"
        data = zlib.compress(first + b"\n".join(bodies) + b"\n")
        stream_number = self._reserve()
        self._write_at(
            stream_number,
            b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (len(pending), len(first), len(data))
            + data
            + b"\nendstream",
            packable=False,
        )
        for index, (number, _body) in enumerate(pending):
            self._kinds[number] = 2
            self._field2[number] = stream_number
            self._field3[number] = index

    def write_object(
        self, body: bytes, *, stream: bytes | None = None, number: int | None = None
    ) -> int:
        """Write an object (PDF syntax, references already ours); return its number.

        ``stream``: the object is a stream, ``body`` its dictionary without ``/Length`` and
        ``stream`` its encoded bytes. Without ``number``, an identical earlier object is reused.
        """
        if stream is not None:
            body = body[: body.rindex(b">>")] + b" /Length %d >>\nstream\n" % len(stream)
            body += stream + b"\nendstream"
        if number is None and self.dedupe:
            digest = hashlib.sha256(body).digest()
            index = self._seen if len(body) >= LARGE_OBJECT_BYTES else self._seen_small
            known = index.get(digest)
            if known is not None:
                if index is self._seen_small:
                    self._seen_small.move_to_end(digest)
                return known
            number = self._reserve()
            index[digest] = number
            if len(self._seen_small) > SMALL_OBJECTS_REMEMBERED:
                self._seen_small.popitem(last=False)
        elif number is None:
            number = self._reserve()
        self._write_at(number, body, packable=stream is None)
        return number

    def _renumbered(self, text: bytes, source: Source) -> bytes:
        """qpdf's serialisation ``text`` with every reference to a source object made ours."""
        if b" R" not in text:
            return text

        def ours(match: re.Match[bytes]) -> bytes:
            if match.group(1) is None:
                return match.group(0)  # a literal string, as it is
            objgen = (int(match.group(1)), int(match.group(2)))
            return b"%d 0 R" % self._import(objgen, source)

        return _TOKENS.sub(ours, text)

    def _value(self, value: pikepdf.Object, source: Source) -> bytes:
        """``value`` (direct or a reference) in our numbering."""
        if value.is_indirect:
            return b"%d 0 R" % self._import(value.objgen, source)
        return self._renumbered(value.unparse(resolved=True), source)

    def _import(self, objgen: tuple[int, int], source: Source) -> int:
        """Copy the source object ``objgen`` (and what it refers to); return our number."""
        mapping = source.mapping
        known = mapping.get(objgen)
        if known == _IN_PROGRESS:
            # A cycle: give the object its number now, and write it there when it is done.
            number = self._reserve()
            mapping[objgen] = number
            return number
        if known is not None:
            return known
        obj = source.pdf.get_object(objgen)
        mapping[objgen] = _IN_PROGRESS
        stream = None
        if isinstance(obj, pikepdf.Stream):
            stream = obj.read_raw_bytes()
            head = obj.stream_dict
            if "/Length" in head:
                del head["/Length"]  # ours goes beside the bytes (in memory: the file is untouched)
            body = self._renumbered(head.unparse(resolved=True), source)
        else:
            body = obj.unparse(resolved=True)
            if b"/Page" in body and isinstance(obj, pikepdf.Dictionary):
                kind = obj.get("/Type")
                if kind in (pikepdf.Name.Page, pikepdf.Name.Pages):
                    # Only reached through a link or an outline: never drag in another page
                    # tree.
                    body = b"null"
            body = self._renumbered(body, source)
        reserved = mapping[objgen]
        if reserved != _IN_PROGRESS:
            self.write_object(body, stream=stream, number=reserved)
            return reserved
        number = self.write_object(body, stream=stream)
        mapping[objgen] = number
        return number

    # --- pages --------------------------------------------------------------------------------

    def _append_page(self, entries: list[bytes], at: int | None) -> None:
        entries.append(b"/Parent %d 0 R" % self._pages_number)
        number = self._reserve()
        self.write_object(b"<< " + b" ".join(entries) + b" >>", number=number)
        # The page list says the order, not where a page lies in the file: a page may be put
        # before others already written (a batch's covers, rendered meanwhile).
        self._kids.insert(len(self._kids) if at is None else at, number)

    def _page_entries(self, page: pikepdf.Page, source: Source) -> list[bytes]:
        """The page dictionary's entries (key and value, in our numbering), inherited included."""
        entries = []
        found = set()
        for key, value in page.obj.items():
            if key in _SKIPPED_PAGE_KEYS:
                continue
            found.add(key)
            entries.append(key.encode("ascii") + b" " + self._value(value, source))
        missing = [key for key in _INHERITED_KEYS if key not in found]
        for key, value in _inherited(page.obj, missing).items():
            entries.append(key.encode("ascii") + b" " + self._value(value, source))
        return entries

    def add_page(self, page: pikepdf.Page, source: Source, *, at: int | None = None) -> None:
        """Copy ``page`` of ``source``, last or at index ``at`` of the pages."""
        self._append_page(self._page_entries(page, source), at)

    def add_pdf(
        self,
        source: str | Path | BinaryIO,
        *,
        pad_to_even: bool = False,
        expected_size: tuple[float, float] | None = None,
    ) -> int:
        """Copy every page of the PDF ``source``; return the pages written (with the pad).

        ``expected_size`` (points): every page must be that size (within 1 pt), else
        :class:`PageSizeError` before anything is written (one file, one paper size).
        """
        with Source(source) as opened:
            pages = list(opened.pages)
            if expected_size is not None:
                for page in pages:
                    check_size(page, expected_size)
            for page in pages:
                self.add_page(page, opened)
            count = len(pages)
            if pad_to_even and count % 2:
                self.add_blank(*page_size(pages[-1]))
                count += 1
        return count

    def add_blank(self, width: float, height: float, *, at: int | None = None) -> None:
        """A blank page of ``width`` × ``height`` points (the back of a one-sided page), last or
        at index ``at`` of the pages."""
        self.add_content_page(width, height, b"", at=at)

    def add_content_page(
        self,
        width: float,
        height: float,
        content: bytes,
        xobjects: dict[str, int] | None = None,
        *,
        at: int | None = None,
    ) -> None:
        """A page drawn by ``content`` (PDF operators) using the form XObjects ``xobjects``,
        last or at index ``at`` of the pages."""
        names = b" ".join(
            b"/%s %d 0 R" % (name.lstrip("/").encode("ascii"), number)
            for name, number in (xobjects or {}).items()
        )
        entries = [
            b"/Type /Page",
            b"/MediaBox [ 0 0 %s %s ]" % (_number(width), _number(height)),
            b"/Resources << /XObject << %s >> >>" % names if names else b"/Resources << >>",
        ]
        if content:
            data = zlib.compress(content)
            number = self.write_object(b"<< /Filter /FlateDecode >>", stream=data)
            entries.append(b"/Contents %d 0 R" % number)
        self._append_page(entries, at)

    def page_as_form(self, page: pikepdf.Page, source: Source) -> tuple[int, float, float]:
        """Write ``page`` as a form XObject (to draw it scaled or moved on a sheet).

        Returns the XObject's number, the page's width and height in points.
        """
        box = [float(value) for value in page.mediabox]
        entries = [b"/Type /XObject", b"/Subtype /Form"]
        entries.append(b"/BBox [ %s ]" % b" ".join(_number(value) for value in box))
        contents = page.obj.get("/Contents")
        if isinstance(contents, pikepdf.Stream):
            data = contents.read_raw_bytes()
            for key in ("/Filter", "/DecodeParms"):
                if key in contents:
                    entries.append(key.encode("ascii") + b" " + self._value(contents[key], source))
        else:
            # Several content streams (or none): join their decoded data and compress it.
            parts: Iterator[pikepdf.Object] = iter(contents) if contents is not None else iter(())
            data = zlib.compress(b"\n".join(part.read_bytes() for part in parts))
            entries.append(b"/Filter /FlateDecode")
        resources = page.obj.get("/Resources")
        if resources is None:
            resources = _inherited(page.obj, ["/Resources"]).get("/Resources")
        entries.append(
            b"/Resources " + (self._value(resources, source) if resources is not None else b"<< >>")
        )
        if "/Group" in page.obj:
            entries.append(b"/Group " + self._value(page.obj["/Group"], source))
        body = b"<< " + b" ".join(entries) + b" >>"
        return self.write_object(body, stream=data), box[2] - box[0], box[3] - box[1]

    # --- end ----------------------------------------------------------------------------------

    def close(self) -> int:
        """Write the page tree, the cross-reference stream and the trailer; return the pages."""
        kids = b" ".join(b"%d 0 R" % number for number in self._kids)
        self.write_object(
            b"<< /Type /Pages /Kids [ %s ] /Count %d >>" % (kids, len(self._kids)),
            number=self._pages_number,
        )
        self.write_object(
            b"<< /Type /Catalog /Pages %d 0 R >>" % self._pages_number,
            number=self._catalog_number,
        )
        self._flush_object_stream()
        xref_number = self._reserve()
        xref_offset = self.output.tell()
        self._kinds[xref_number] = 1
        self._field2[xref_number] = xref_offset
        rows = bytearray()
        for kind, field2, field3 in zip(self._kinds, self._field2, self._field3, strict=True):
            rows += kind.to_bytes(1, "big") + field2.to_bytes(5, "big") + field3.to_bytes(2, "big")
        rows[0:8] = b"\x00" + (0).to_bytes(5, "big") + (65535).to_bytes(2, "big")
        data = zlib.compress(bytes(rows))
        size = len(self._kinds)
        self.output.write(
            b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 5 2] /Root %d 0 R /Filter /FlateDecode"
            b" /Length %d >>\nstream\n" % (xref_number, size, self._catalog_number, len(data))
        )
        self.output.write(data)
        self.output.write(b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset)
        self.output.flush()
        return len(self._kids)


def _number(value: float) -> bytes:
    """A PDF number: no exponent, no needless zeros."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode("ascii")
