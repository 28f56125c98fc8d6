"""File responses for exports: CSV streamed row by row, XLSX written in openpyxl's constant-memory mode."""

import csv
import json
import tempfile

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from openpyxl import Workbook


class _Echo:
    def write(self, value):
        return value


def csv_response(rows, filename):
    writer = csv.writer(_Echo(), delimiter=";")
    # A BOM first, so that spreadsheet software reads the accents right.
    stream = ("\ufeff", *(writer.writerow(row) for row in rows))
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(sheets, filename):
    """`sheets`: (title, rows) pairs; each sheet is written row by row (write-only mode) to a temporary file."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        for row in rows:
            sheet.append(row)
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
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response


def rows_as_records(rows):
    rows = iter(rows)
    header = next(rows)
    return [dict(zip(header, row, strict=True)) for row in rows]
