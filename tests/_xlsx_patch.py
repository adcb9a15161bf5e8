"""Break a copy of a real .xlsx quickly, by editing its XML parts (openpyxl takes seconds per save on big books).

Used by the loader tests to check that a changed layout raises ``SchemaError``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape


def sheet_part(src: Path, sheet: str) -> str:
    """The zip member (``xl/worksheets/sheetN.xml``) holding the sheet named ``sheet``."""
    with zipfile.ZipFile(src) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    m = re.search(rf'<sheet [^>]*name="{re.escape(escape(sheet))}"[^>]*r:id="([^"]+)"', book)
    if m is None:
        raise KeyError(sheet)
    target = re.search(rf'<Relationship [^>]*Id="{m.group(1)}"[^>]*Target="([^"]+)"', rels)
    if target is None:  # attributes in the other order
        target = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{m.group(1)}"', rels)
    path = target.group(1).lstrip("/")
    return path if path.startswith("xl/") else f"xl/{path}"


def patch(src: Path, dst: Path, edits: dict[str, Callable[[str], str]]) -> Path:
    """Copy ``src`` to ``dst``, passing the text of each member named in ``edits`` through its function."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in edits:
                data = edits[item.filename](data.decode()).encode()
            zout.writestr(item, data)
    return dst


def rename_sheet(old: str, new: str) -> tuple[str, Callable[[str], str]]:
    """An edit of ``xl/workbook.xml`` that renames a sheet."""
    def edit(xml: str) -> str:
        out = xml.replace(f'name="{escape(old)}"', f'name="{escape(new)}"', 1)
        assert out != xml, old
        return out

    return "xl/workbook.xml", edit


def set_cell(ref: str, text: str) -> Callable[[str], str]:
    """An edit of a sheet part that replaces cell ``ref`` (e.g. ``"F4"``) by an inline string."""
    new = f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'

    def edit(xml: str) -> str:
        out, n = re.subn(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)', new, xml, count=1, flags=re.S)
        assert n == 1, ref
        return out

    return edit


def insert_row(at: int, text: str) -> Callable[[str], str]:
    """An edit of a sheet part that pushes rows ``at`` and below down by one and writes ``text`` in A{at}."""
    def shift(m: re.Match) -> str:
        n = int(m.group(2))
        return f'{m.group(1)}{n + 1 if n >= at else n}"'

    def edit(xml: str) -> str:
        xml = re.sub(r'(<row r=")(\d+)"', shift, xml)
        xml = re.sub(r'(<c r="[A-Z]+)(\d+)"', shift, xml)
        xml = re.sub(r'<dimension ref="[^"]*"/>', "", xml)
        xml = re.sub(r"<mergeCells.*?</mergeCells>", "", xml, flags=re.S)
        row = f'<row r="{at}"><c r="A{at}" t="inlineStr"><is><t>{escape(text)}</t></is></c></row>'
        later = [m for m in re.finditer(r'<row r="(\d+)"', xml) if int(m.group(1)) > at]
        if later:  # the new row goes before the first row numbered after it
            i = later[0].start()
            return xml[:i] + row + xml[i:]
        return xml.replace("</sheetData>", row + "</sheetData>", 1)

    return edit
