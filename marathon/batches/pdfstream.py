"""A PDF writer that streams: pages copied from other PDFs are written out at once.

pypdf's ``PdfWriter`` keeps every page of the output in memory until ``write()``; a batch of
10,000 letters would hold them all. This writer copies each source page's objects straight to
the output file (encoded streams are passed through, never decoded), keeps only the byte offsets
and the list of page numbers, and writes the page tree, cross-reference table and trailer at the
end. Identical objects (a font program, an image, a colour profile repeated in every letter) are
written once: objects are copied children first, and one whose bytes were already written is
replaced by a reference to the earlier copy.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, BinaryIO

from pypdf import PageObject, PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

# Page keys not copied: the parent is ours; annotations (links) point back at their page and
# are of no use on paper; structure keys would drag in the source's whole structure tree.
_SKIPPED_PAGE_KEYS = {"/Parent", "/Annots", "/B", "/StructParents", "/Tabs", "/Metadata"}
_IN_PROGRESS = -1
OBJECTS_PER_STREAM = 200
LARGE_OBJECT_BYTES = 2048
SMALL_OBJECTS_REMEMBERED = 4096


class PageSizeError(ValueError):
    """A page is not the size of the file it was to go into."""


def check_size(page: PageObject, expected: tuple[float, float]) -> None:
    """:class:`PageSizeError` unless ``page`` is ``expected`` (width, height in points) ± 1 pt."""
    box = page.mediabox
    if abs(float(box.width) - expected[0]) > 1 or abs(float(box.height) - expected[1]) > 1:
        raise PageSizeError(f"page of {float(box.width):.0f} × {float(box.height):.0f} pt")


def _ref(number: int) -> IndirectObject:
    return IndirectObject(number, 0, None)  # type: ignore[arg-type]


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

    def write_object(self, obj: PdfObject, *, number: int | None = None) -> int:
        """Write ``obj`` (references already ours); an identical earlier object is reused."""
        buffer = io.BytesIO()
        obj.write_to_stream(buffer)
        body = buffer.getvalue()
        packable = not isinstance(obj, StreamObject)
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
        self._write_at(number, body, packable=packable)
        return number

    def _copy(self, obj: Any, mapping: dict[int, int]) -> Any:
        """``obj`` with every indirect reference replaced by a reference to our copy."""
        if isinstance(obj, IndirectObject):
            return _ref(self._import(obj, mapping))
        if isinstance(obj, StreamObject):
            stream = StreamObject()
            for key, value in obj.items():
                if key != "/Length":
                    stream[NameObject(key)] = self._copy(value, mapping)
            stream._data = obj._data  # encoded bytes, passed through as they are
            return stream
        if isinstance(obj, DictionaryObject):
            return DictionaryObject(
                {NameObject(key): self._copy(value, mapping) for key, value in obj.items()}
            )
        if isinstance(obj, ArrayObject):
            return ArrayObject(self._copy(value, mapping) for value in obj)
        return obj

    def _import(self, reference: IndirectObject, mapping: dict[int, int]) -> int:
        """Copy the object behind ``reference`` (and what it refers to); return our number."""
        key = reference.idnum
        known = mapping.get(key)
        if known == _IN_PROGRESS:
            # A cycle: give the object its number now, and write it there when it is done.
            number = self._reserve()
            mapping[key] = number
            return number
        if known is not None:
            return known
        obj = reference.get_object()
        if isinstance(obj, DictionaryObject) and obj.get("/Type") in ("/Page", "/Pages"):
            # Only reached through a link or an outline: never drag in another page tree.
            return self.write_object(NullObject())
        mapping[key] = _IN_PROGRESS
        copied = self._copy(obj, mapping)
        reserved = mapping[key]
        if reserved != _IN_PROGRESS:
            self.write_object(copied, number=reserved)
            return reserved
        number = self.write_object(copied)
        mapping[key] = number
        return number

    # --- pages --------------------------------------------------------------------------------

    def _append_page_dict(self, page: DictionaryObject) -> None:
        page[NameObject("/Parent")] = _ref(self._pages_number)
        self._kids.append(self.write_object(page, number=self._reserve()))

    def add_page(self, page: PageObject, mapping: dict[int, int]) -> None:
        """Copy ``page`` of a source PDF (``mapping``: that source's object numbers to ours)."""
        copied = DictionaryObject()
        for key, value in page.items():
            if key not in _SKIPPED_PAGE_KEYS:
                copied[NameObject(key)] = self._copy(value, mapping)
        self._append_page_dict(copied)

    def add_pdf(
        self,
        source: str | BinaryIO,
        *,
        pad_to_even: bool = False,
        expected_size: tuple[float, float] | None = None,
    ) -> int:
        """Copy every page of the PDF ``source``; return the pages written (with the pad).

        ``expected_size`` (points): every page must be that size (within 1 pt), else
        :class:`PageSizeError` before anything is written (one file, one paper size).
        """
        reader = PdfReader(source)
        if expected_size is not None:
            for page in reader.pages:
                check_size(page, expected_size)
        mapping: dict[int, int] = {}
        count = 0
        box = None
        for page in reader.pages:
            self.add_page(page, mapping)
            box = page.mediabox
            count += 1
        if pad_to_even and count % 2 and box is not None:
            self.add_blank(float(box.width), float(box.height))
            count += 1
        return count

    def add_blank(self, width: float, height: float) -> None:
        """A blank page of ``width`` × ``height`` points (the back of a one-sided page)."""
        self.add_content_page(width, height, b"")

    def add_content_page(
        self,
        width: float,
        height: float,
        content: bytes,
        xobjects: dict[str, int] | None = None,
    ) -> None:
        """A page drawn by ``content`` (PDF operators) using the form XObjects ``xobjects``."""
        resources = DictionaryObject()
        if xobjects:
            resources[NameObject("/XObject")] = DictionaryObject(
                {NameObject(name): _ref(number) for name, number in xobjects.items()}
            )
        page = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Page"),
                NameObject("/MediaBox"): ArrayObject(
                    [NumberObject(0), NumberObject(0), FloatObject(width), FloatObject(height)]
                ),
                NameObject("/Resources"): resources,
            }
        )
        if content:
            stream = StreamObject()
            stream[NameObject("/Filter")] = NameObject("/FlateDecode")
            stream._data = zlib.compress(content)
            page[NameObject("/Contents")] = _ref(self.write_object(stream))
        self._append_page_dict(page)

    def page_as_form(self, page: PageObject, mapping: dict[int, int]) -> tuple[int, float, float]:
        """Write ``page`` as a form XObject (to draw it scaled or moved on a sheet).

        Returns the XObject's number, the page's width and height in points.
        """
        box = page.mediabox
        contents = page.get("/Contents")
        form = StreamObject()
        if contents is not None and isinstance(contents.get_object(), StreamObject):
            source = contents.get_object()
            for key in ("/Filter", "/DecodeParms"):
                if key in source:
                    form[NameObject(key)] = self._copy(source[key], mapping)
            form._data = source._data
        else:
            # Several content streams (or none): join their decoded data and compress it.
            parts: Iterable[Any] = contents.get_object() if contents is not None else []
            data = b"\n".join(part.get_object().get_data() for part in parts)
            form[NameObject("/Filter")] = NameObject("/FlateDecode")
            form._data = zlib.compress(data)
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject(FloatObject(float(value)) for value in box)
        resources = page.get("/Resources")
        form[NameObject("/Resources")] = (
            self._copy(resources, mapping) if resources is not None else DictionaryObject()
        )
        if "/Group" in page:
            form[NameObject("/Group")] = self._copy(page["/Group"], mapping)
        return self.write_object(form), float(box.width), float(box.height)

    # --- end ----------------------------------------------------------------------------------

    def close(self) -> int:
        """Write the page tree, the cross-reference table and the trailer; return the pages."""
        pages = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): ArrayObject(_ref(number) for number in self._kids),
                NameObject("/Count"): NumberObject(len(self._kids)),
            }
        )
        self.write_object(pages, number=self._pages_number)
        catalog = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Catalog"),
                NameObject("/Pages"): _ref(self._pages_number),
            }
        )
        self.write_object(catalog, number=self._catalog_number)
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
