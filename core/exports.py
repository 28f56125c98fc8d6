"""File responses for exports, streamed: the first bytes leave at once and memory stays flat whatever the rows.

CSV and JSON are written as the rows come. XLSX is written as a stream too: a workbook is a zip of XML parts, and
Python's `zipfile` writes a zip to a stream it cannot seek (each part followed by a data descriptor), so each
worksheet is compressed and sent as its rows come, with inline strings (no shared-strings table to hold). Nothing
is stored on disk, so a file holding personal data is never left anywhere, and no export waits for a worker or
outlives its request. Rows are gathered into chunks of about `STREAM_CHUNK` characters before they are sent.

Every cell that leaves the platform in a file goes through `neutralise_cell` (OWASP "CSV injection"): a text that
a spreadsheet would read as a formula (=, +, -, @, a tab or a carriage return first, in their full-width and
small forms too, after any leading space) is written with a leading apostrophe, so that it is shown, never run;
so is a formula after a separator inside the cell, which a spreadsheet splitting on another separator than the
file's would start a cell with. Numbers stay numbers. Wagtail's own spreadsheet exports (form submissions,
reports, listings) call it too (`neutralise_wagtail_exports`).
"""

import csv
import datetime
import decimal
import io
import json
import math
import re
import unicodedata
import zipfile
from xml.sax.saxutils import quoteattr

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

# What a spreadsheet starts a formula (or a DDE call) with, once NFKC has folded the full-width (＝ ＋ － ＠) and
# small (﹦ ﹢ ﹣ ﹫) forms; the minus sign (U+2212) has no compatibility form and is named.
FORMULA_STARTS = frozenset("=+-@\u2212")
# A tab, a carriage return or a line feed first moves the cell's content: the formula after them runs.
CONTROL_STARTS = ("\t", "\r", "\n")
# A number written as text (-2, +33, -1,5) is harmless and stays as it is.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
# Inside a cell, a formula after a comma, a semicolon or a tab: a spreadsheet that splits on another separator than
# the file's (a French Excel reads "," files with ";" and the reverse) starts a new cell there. `=` and `@` always
# start one; `+` and `-` only before something that is not a number or a space ("prix, -20 %" stays as written).
EMBEDDED_FORMULA = re.compile(
    r"([,;\t][\s\u00a0\u200b]*)([=@\uff1d\ufe66\uff20\ufe6b]|[+\-\u2212\uff0b\uff0d\ufe62\ufe63](?=[^\d\s]))"
)


# A first character that starts no formula, is no blank, and that NFKC leaves alone: the cell is harmless as it is
# (the common case, looked at before the rest: an export writes millions of cells).
_PLAIN_STARTS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _quoted_formula(match):
    return f"{match[1]}'{match[2]}"


def _is_blank(char):
    return char.isspace() or unicodedata.category(char) in ("Cf", "Cc", "Zs")


def neutralise_cell(value):
    """A cell value as it may safely be written into a CSV, XLSX or JSON export: texts a spreadsheet would run
    get a leading apostrophe; anything else (numbers, dates, None, harmless texts) is returned unchanged."""
    if not isinstance(value, str) or not value:
        return value
    value = EMBEDDED_FORMULA.sub(_quoted_formula, value)
    if value[0] in _PLAIN_STARTS:
        return value
    if value.startswith(CONTROL_STARTS):
        return "'" + value
    start = 0
    while start < len(value) and _is_blank(value[start]):
        start += 1
    stripped = value[start:]
    if not stripped or PLAIN_NUMBER.fullmatch(stripped):
        return value
    if unicodedata.normalize("NFKC", stripped[0])[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def neutralise_data(data):
    """`neutralise_cell` applied to every text of a JSON-like structure (dicts, lists, strings)."""
    if isinstance(data, dict):
        return {key: neutralise_data(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [neutralise_data(value) for value in data]
    return neutralise_cell(data)


# Characters Excel forbids in a sheet's name, and its length limit.
SHEET_TITLE_FORBIDDEN = re.compile(r"[:\\/?*\[\]]")
SHEET_TITLE_MAX = 31


def sheet_title(title, taken=()):
    """A valid sheet name for `title` (openpyxl refuses : \\ / ? * [ ] and more than 31 characters), not one of
    `taken` (compared as Excel does, without case)."""
    cleaned = SHEET_TITLE_FORBIDDEN.sub("-", str(title or "")).strip().strip("'").strip() or "Feuille"
    taken = {name.lower() for name in taken}
    candidate = cleaned[:SHEET_TITLE_MAX].rstrip()
    number = 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = cleaned[: SHEET_TITLE_MAX - len(suffix)].rstrip() + suffix
    return candidate


# Rows are sent in chunks of about this many characters: one write to the socket per chunk, not per row.
STREAM_CHUNK = 64 * 1024


class Echo:
    def write(self, value):
        return value


def buffered(pieces, size=None):
    """`pieces` (strings or bytes) joined into chunks of about `size` (`STREAM_CHUNK`); the first piece leaves on
    its own, at once (the header, before the first query of the rows has run)."""
    size = size or STREAM_CHUNK
    pieces = iter(pieces)
    first = next(pieces, None)
    if first is None:
        return
    yield first
    chunk, length = [], 0
    for piece in pieces:
        chunk.append(piece)
        length += len(piece)
        if length >= size:
            yield first[:0].join(chunk)
            chunk, length = [], 0
    if chunk:
        yield first[:0].join(chunk)


def csv_stream(rows):
    """A CSV file (";"-separated, a BOM first so that spreadsheets read the accents right), as text chunks: the
    header at once, then chunks of about `STREAM_CHUNK` characters."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    rows = iter(rows)
    header = next(rows, None)
    if header is not None:
        writer.writerow([neutralise_cell(cell) for cell in header])
    yield "\ufeff" + text.getvalue()
    size = STREAM_CHUNK
    text.seek(0)
    text.truncate()
    for row in rows:
        writer.writerow(map(neutralise_cell, row))
        if text.tell() >= size:
            yield text.getvalue()
            text.seek(0)
            text.truncate()
    if text.tell():
        yield text.getvalue()


def _attachment(response, filename):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(rows, filename):
    response = StreamingHttpResponse(csv_stream(rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, f"{filename}.csv")


def json_records_stream(rows):
    """A JSON list of records ({header: value}) from a header row and rows, as text chunks: the same text as
    `json.dumps(records, ensure_ascii=False, indent=2)`, written record by record."""
    rows = iter(rows)
    header = next(rows, None)

    def pieces():
        opening = "[\n  "
        for row in rows:
            text = json.dumps(neutralise_data(dict(zip(header, row, strict=True))), ensure_ascii=False, indent=2)
            yield opening + text.replace("\n", "\n  ")
            opening = ",\n  "
        yield "[]" if opening == "[\n  " else "\n]"

    if header is None:
        yield "[]"
        return
    yield from buffered(pieces())


def json_response(data, filename=None):
    response = HttpResponse(
        json.dumps(neutralise_data(data), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    if filename:
        _attachment(response, f"{filename}.json")
    return response


# --- XLSX, written as a stream -------------------------------------------------------------------------------

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Characters XML 1.0 cannot hold (openpyxl refuses them): shown as the replacement character.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Style 1 (styles.xml): a date and time.
_DATE_STYLE = 1
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
# Rows compressed before their bytes are sent.
XLSX_ROWS_PER_CHUNK = 200


def _xml_text(value):
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return _NOT_XML.sub("\ufffd", value)


def _xml_attribute(value):
    return _NOT_XML.sub("\ufffd", value)


def _column_letters(index):
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _xlsx_cell(reference, value):
    """One cell: numbers stay numbers, dates are dates, anything else is an inline string (never a formula)."""
    if value.__class__ is str:  # most cells: looked at first
        if not value:
            return ""
        return _inline_string(reference, value)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | decimal.Decimal) or (isinstance(value, float) and math.isfinite(value)):
        return f'<c r="{reference}"><v>{value}</v></c>'
    if isinstance(value, datetime.date):
        if not isinstance(value, datetime.datetime):
            value = datetime.datetime.combine(value, datetime.time())
        elif timezone.is_aware(value):
            value = timezone.make_naive(value)
        serial = (value - _EXCEL_EPOCH) / datetime.timedelta(days=1)
        return f'<c r="{reference}" s="{_DATE_STYLE}"><v>{serial}</v></c>'
    return _inline_string(reference, str(value))


def _inline_string(reference, text):
    return (
        f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(neutralise_cell(text))}</t></is></c>'
    )


def _worksheet(rows):
    """A worksheet's XML, as text pieces, row by row."""
    yield f'{_XML_DECLARATION}<worksheet xmlns="{_MAIN}"><sheetData>'
    letters = []
    for number, row in enumerate(rows, start=1):
        cells = []
        for index, value in enumerate(row):
            if index == len(letters):
                letters.append(_column_letters(index))
            cells.append(_xlsx_cell(f"{letters[index]}{number}", value))
        yield f'<row r="{number}">{"".join(cells)}</row>'
    yield "</sheetData></worksheet>"


def _package_parts(titles):
    sheets = "".join(
        f'<sheet name={quoteattr(_xml_attribute(title))} sheetId="{number}" r:id="rId{number}"/>'
        for number, title in enumerate(titles, start=1)
    )
    relations = "".join(
        f'<Relationship Id="rId{number}" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet{number}.xml"/>'
        for number in range(1, len(titles) + 1)
    )
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{number}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for number in range(1, len(titles) + 1)
    )
    return {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{sheet_types}</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>{sheets}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">{relations}'
            f'<Relationship Id="rId{len(titles) + 1}" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{_MAIN}">'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        ),
    }


class _Drain:
    """A file `zipfile` writes to and cannot seek: what was written is taken away as it comes."""

    def __init__(self):
        self.pieces = []

    def write(self, data):
        self.pieces.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self):
        data = b"".join(self.pieces)
        self.pieces.clear()
        return data


def xlsx_stream(sheets):
    """A workbook, as bytes chunks. `sheets`: (title, rows) pairs; the titles are read first, each sheet's rows when
    its turn comes."""
    sheets = list(sheets)
    titles = []
    for title, _rows in sheets:
        titles.append(sheet_title(title, titles))
    drain = _Drain()
    with zipfile.ZipFile(drain, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for name, text in _package_parts(titles).items():
            package.writestr(name, _XML_DECLARATION + text)
        yield drain.take()
        for number, (_title, rows) in enumerate(sheets, start=1):
            with package.open(f"xl/worksheets/sheet{number}.xml", "w") as part:
                pending = []
                for piece in _worksheet(rows):
                    pending.append(piece)
                    if len(pending) >= XLSX_ROWS_PER_CHUNK:
                        part.write("".join(pending).encode())
                        pending.clear()
                        if data := drain.take():
                            yield data
                part.write("".join(pending).encode())
            yield drain.take()
    yield drain.take()


def xlsx_response(sheets, filename):
    return _attachment(StreamingHttpResponse(xlsx_stream(sheets), content_type=XLSX_CONTENT_TYPE), f"{filename}.xlsx")


def neutralise_wagtail_exports():
    """Make Wagtail's `SpreadsheetExportMixin` (form submissions, reports, model listings: every `?export=csv`
    or `?export=xlsx` of its admin) write its headings and values through `neutralise_cell`. Wagtail offers no
    setting for it and its views are many; called once, from the lowest app's `ready()`."""
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    if getattr(SpreadsheetExportMixin, "neutralised", False):
        return
    preprocess, heading = SpreadsheetExportMixin.preprocess_field_value, SpreadsheetExportMixin.get_heading

    def preprocess_field_value(self, field, value, export_format):
        return neutralise_cell(preprocess(self, field, value, export_format))

    def get_heading(self, queryset, field):
        return neutralise_cell(heading(self, queryset, field))

    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value
    SpreadsheetExportMixin.get_heading = get_heading
    SpreadsheetExportMixin.neutralised = True
