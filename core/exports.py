"""File responses for exports: CSV streamed row by row, XLSX written in openpyxl's constant-memory mode.

Every cell that leaves the platform in a file goes through `neutralise_cell` (OWASP "CSV injection"): a text that
a spreadsheet would read as a formula (=, +, -, @, a tab or a carriage return first, in their full-width and
small forms too, after any leading space) is written with a leading apostrophe, so that it is shown, never run;
so is a formula after a separator inside the cell, which a spreadsheet splitting on another separator than the
file's would start a cell with. Numbers stay numbers. Wagtail's own spreadsheet exports (form submissions,
reports, listings) call it too (`neutralise_wagtail_exports`).
"""

import csv
import json
import re
import tempfile
import unicodedata

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

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


def _is_blank(char):
    return char.isspace() or unicodedata.category(char) in ("Cf", "Cc", "Zs")


def neutralise_cell(value):
    """A cell value as it may safely be written into a CSV, XLSX or JSON export: texts a spreadsheet would run
    get a leading apostrophe; anything else (numbers, dates, None, harmless texts) is returned unchanged."""
    if not isinstance(value, str) or not value:
        return value
    value = EMBEDDED_FORMULA.sub(r"\1'\2", value)
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


class _Echo:
    def write(self, value):
        return value


def csv_response(rows, filename):
    writer = csv.writer(_Echo(), delimiter=";")
    # A BOM first, so that spreadsheet software reads the accents right.
    stream = ("\ufeff", *(writer.writerow([neutralise_cell(cell) for cell in row]) for row in rows))
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_cell(sheet, value):
    """A write-only cell holding `value` neutralised, and a text never typed as a formula."""
    cell = WriteOnlyCell(sheet, neutralise_cell(value))
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def xlsx_response(sheets, filename):
    """`sheets`: (title, rows) pairs; each sheet is written row by row (write-only mode) to a temporary file."""
    workbook = Workbook(write_only=True)
    titles = []
    for title, rows in sheets:
        titles.append(sheet_title(title, titles))
        sheet = workbook.create_sheet(title=titles[-1])
        for row in rows:
            sheet.append([xlsx_cell(sheet, value) for value in row])
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def json_response(data, filename=None):
    response = HttpResponse(
        json.dumps(neutralise_data(data), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response


def rows_as_records(rows):
    rows = iter(rows)
    header = next(rows)
    return [dict(zip(header, row, strict=True)) for row in rows]


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
