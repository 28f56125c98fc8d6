"""Jobs over many rows: committed batches, each its own transaction, resumable, with progress.

A scheduled job that changes every row of a set (anonymise what is past retention, delete expired requests, tell a
process's followers) never holds one transaction for the whole set: at a million contributions that would lock
rows for hours and lose everything when interrupted. It takes the rows `JOB_BATCH_SIZE` at a time, in the order of
their ids (read from an index, after the last id done: no batch reads again what an earlier one did), and commits
each batch. A row the job has handled no longer belongs to the set (anonymised, deleted, marked), so a run stopped
anywhere (a deployment, Ctrl+C, a crash) is resumed by the next run, and a batch is done entirely or not at all.
"""

import time

from django.conf import settings
from django.db import transaction


def job_batch_size():
    return max(settings.JOB_BATCH_SIZE, 1)


def in_batches(rows, apply, *, progress=None, label="", total=None, ids_first=False):
    """Call `apply(batch)` on the rows of `rows` (a queryset, or a list of querysets taken one after the other), a
    batch at a time, each in its own transaction.

    `batch` is `rows` narrowed to the ids of the batch: its filter is applied again, so a row changed meanwhile is
    checked once more, under its lock. `apply` changes those rows and returns how many it changed.
    `progress(label, done, total, seconds)` is called after each committed batch. Returns how many rows changed.

    `ids_first` reads all the ids of `rows` at once (no order, no limit), then takes them a batch at a time: for a
    set whose filter goes through another table, where PostgreSQL, asked for the first ids in id order, walks the
    whole primary key looking for them (at every batch). `total` is then the number of ids read (so far), unless
    given. A run stopped half-way leaves the rest to the next run, which reads their ids again.
    """
    size = job_batch_size()
    started = time.monotonic()
    done = 0
    count_ids = ids_first and total is None
    for part in rows if isinstance(rows, list | tuple) else [rows]:
        if ids_first:
            pending = sorted(part.order_by().values_list("pk", flat=True))
            if count_ids:
                total = (total or 0) + len(pending)
            batches = (pending[start : start + size] for start in range(0, len(pending), size))
        else:
            batches = _next_ids(part, size)
        for ids in batches:
            with transaction.atomic():
                done += apply(part.filter(pk__in=ids))
            if progress is not None:
                progress(label, done, total, time.monotonic() - started)
    return done


def _next_ids(rows, size):
    """The ids of `rows` in order, `size` at a time, each batch read after the last id of the one before (from an
    index: no batch reads again what an earlier one did)."""
    last = None
    while True:
        ids = rows.order_by("pk")
        if last is not None:
            ids = ids.filter(pk__gt=last)
        ids = list(ids.values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def delete_in_batches(rows, **options):
    """Delete the rows of `rows` in committed batches (their cascades and signals with them); returns how many."""
    model = (rows[0] if isinstance(rows, list | tuple) else rows).model if rows else None

    def delete(batch):
        _total, by_model = batch.delete()
        return by_model.get(model._meta.label, 0)

    return in_batches(rows, delete, **options) if model is not None else 0
