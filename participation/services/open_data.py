"""The open data of a closed process (`personal_data.open_data_rows`), written once per change, not per request.

The first request after a change writes the file while it streams it to its visitor (the first bytes leave at once),
then stores it in the default storage; the following ones are answered from the stored file, with an ETag and a
Last-Modified so that a conditional request gets a 304. Whatever changes what the file says (a contribution saved or
deleted: moderation, answer, erasure, purge, counts; a comment; a theme renamed) calls `open_data_changed` (the
signals do for saves and deletions); the file is forgotten once the change is committed, and written again on the
next request. A file is also written again after `OPEN_DATA_MAX_AGE`, whatever happened, so that no change missed by
a bulk update outlives a day.
"""

import datetime
import secrets
import tempfile
import threading

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exports import csv_stream, json_records_stream

from ..models import OpenDataFile

OPEN_DATA_FORMATS = {
    "csv": (csv_stream, "text/csv; charset=utf-8"),
    "json": (json_records_stream, "application/json; charset=utf-8"),
}
OPEN_DATA_MAX_AGE = datetime.timedelta(days=1)
# How long a request may take to write a file before another may take over (a worker that died while writing).
BUILDING_LEASE = datetime.timedelta(minutes=10)
STORAGE_FOLDER = "open-data"

_pending = threading.local()


def open_data_changed(process_ids=None):
    """What the open data of `process_ids` (every process: None) says may have changed: their stored files are
    forgotten once the current transaction commits (at once outside one). Many changes in one transaction cost one
    query when it commits."""
    if process_ids is None:
        _pending.everything = True
    else:
        _pending.__dict__.setdefault("ids", set()).update(process_ids)
    transaction.on_commit(_forget_pending)


def _forget_pending():
    everything = _pending.__dict__.pop("everything", False)
    ids = _pending.__dict__.pop("ids", set())
    if everything or ids:
        forget_open_data(None if everything else ids)


def forget_open_data(process_ids=None):
    """Delete the stored open data files of `process_ids` (every process: None) and their rows."""
    rows = OpenDataFile.objects.all()
    if process_ids is not None:
        rows = rows.filter(process_id__in=process_ids)
    found = list(rows.values_list("pk", "name"))
    if not found:
        return
    OpenDataFile.objects.filter(pk__in=[pk for pk, _name in found]).delete()
    for _pk, name in found:
        if name:
            default_storage.delete(name)


def stored_open_data(process, file_format):
    """The row of the stored file of `process`'s open data in `file_format` if it is there and current, else None.
    A file past `OPEN_DATA_MAX_AGE` is forgotten here."""
    row = OpenDataFile.objects.filter(process=process, file_format=file_format).first()
    if row is None or not row.name:
        return None
    if row.written_at < timezone.now() - OPEN_DATA_MAX_AGE:
        _forget_row(row)
        return None
    return row


def open_stored(row):
    return default_storage.open(row.name, "rb")


def open_data_chunks(process, file_format, rows):
    """The open data file as text chunks, written from `rows` (`personal_data.open_data_rows`), and stored for the
    next requests if no other request is writing it already."""
    stream, _content_type = OPEN_DATA_FORMATS[file_format]
    chunks = stream(rows)
    row = _take_the_writing(process, file_format)
    if row is None:
        return chunks
    return _written_as_it_goes(chunks, row)


def _take_the_writing(process, file_format):
    now = timezone.now()
    # A row left by a writer that died is taken over; a file another request has just written is left to it.
    for row in OpenDataFile.objects.filter(process=process, file_format=file_format):
        if row.name or row.building_until is None or row.building_until >= now:
            return None
        _forget_row(row)
    try:
        with transaction.atomic():
            return OpenDataFile.objects.create(
                process=process,
                file_format=file_format,
                etag=secrets.token_hex(16),
                building_until=now + BUILDING_LEASE,
            )
    except IntegrityError:  # another request took it at the same time
        return None


def _forget_row(row):
    if OpenDataFile.objects.filter(pk=row.pk, etag=row.etag).delete()[0] and row.name:
        default_storage.delete(row.name)


def _written_as_it_goes(chunks, row):
    """Yield `chunks` and write them to a temporary file; once all are sent, store it, unless the data changed
    meanwhile (the row was forgotten) or the visitor went away (the file is incomplete)."""
    with tempfile.TemporaryFile() as copy:
        try:
            for chunk in chunks:
                copy.write(chunk.encode())
                yield chunk
        except BaseException:  # the visitor went away, or the database: another request will write it
            OpenDataFile.objects.filter(pk=row.pk, etag=row.etag, name="").delete()
            raise
        copy.seek(0)
        name = default_storage.save(f"{STORAGE_FOLDER}/{row.process_id}/{row.etag}.{row.file_format}", File(copy))
    kept = OpenDataFile.objects.filter(pk=row.pk, etag=row.etag, name="").update(
        name=name, written_at=timezone.now(), building_until=None
    )
    if not kept:
        default_storage.delete(name)
