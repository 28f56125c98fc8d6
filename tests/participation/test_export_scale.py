"""Exports at any volume: memory that does not grow with rows, queries that grow by pages of rows at most, and the open
data of a closed process written once per change and answered from storage (with 304s) the rest of the time.

The database is read in chunks (`EXPORT_CHUNK`, made small here so that a few hundred rows span many chunks); each
export is consumed as a visitor's download would, through the views.
"""

import csv
import datetime
import gc
import io
import json
import tracemalloc

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from charter.services import current_acceptance_terms
from core import exports
from participation.models import Contribution, ContributionStatus, OpenDataFile
from participation.services import personal_data
from participation.services.open_data import open_data_chunks
from participation.services.personal_data import erase_personal_data, open_data_rows
from tests.participation.conftest import add_contribution, make_process

CHUNK = 50
SMALL, LARGE = 300, 3000
# What the peak of Python's allocations may grow by from SMALL to LARGE rows (ten times as many): noise, never rows.
MARGIN = 1.25


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Chunks of rows read, and of bytes sent, small enough for a few hundred rows to fill many of them."""
    monkeypatch.setattr(personal_data, "EXPORT_CHUNK", CHUNK)
    monkeypatch.setattr(exports, "STREAM_CHUNK", 4096)
    monkeypatch.setattr(exports, "XLSX_ROWS_PER_CHUNK", 20)


def add_many(process, count, *, start=0, status=ContributionStatus.PUBLISHED):
    """`count` contributions by as many contributors, some with what masking has to find."""
    terms = current_acceptance_terms()
    now = timezone.now()
    commune_id = process.get_parent().specific.commune_id
    Contribution.objects.bulk_create(
        Contribution(
            process=process,
            commune_id=commune_id,
            pseudonym=f"Camille {number % 20}",
            email=f"habitant.{number}@example.org",
            contributor_key=f"key-{number}",
            text=(
                f"Idée n° {number} : plus de bancs à l'ombre près de l'école, et des arceaux pour les vélos. "
                + ("Contact : 06 12 34 56 78, habitant@example.org. " if number % 3 == 0 else "")
                + (f"Signé Camille {number % 20}." if number % 5 == 0 else "")
            ),
            charter_version=terms.charter,
            terms_version=terms.terms,
            status=status,
            confirmed_at=now,
            published_at=now if status == ContributionStatus.PUBLISHED else None,
        )
        for number in range(start, start + count)
    )


def content_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def peak_while_consuming(response):
    """The peak of Python's allocations while the response's content is read, chunk by chunk, and dropped."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        size = 0
        for chunk in response.streaming_content if response.streaming else [response.content]:
            size += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 0
    return peak


def peak_of_export(client, url, *, post=None):
    """The peak of Python's allocations during the whole request and the reading of its content."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        response = client.post(url, post) if post is not None else client.get(url)
        assert response.status_code == 200
        for _chunk in response.streaming_content:
            pass
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


@pytest.fixture
def closed(commune_space, legal_texts):
    return make_process(commune_space, "Consultation close", starts=-60, ends=-1)


def export_urls(process):
    return {
        "anonymised csv": reverse("participation_export", args=[process.pk, "csv"]),
        "anonymised xlsx": reverse("participation_export", args=[process.pk, "xlsx"]),
        "open data csv": process.url + "donnees/csv/",
        "open data json": process.url + "donnees/json/",
    }


@pytest.mark.parametrize("kind", ["anonymised csv", "anonymised xlsx", "open data csv", "open data json"])
def test_peak_memory_of_an_export_does_not_grow_with_its_rows(client, closed, staff_user, kind):
    client.force_login(staff_user)
    url = export_urls(closed)[kind]
    add_many(closed, SMALL)
    peak_of_export(client, url)  # imports, caches and compiled patterns, once
    OpenDataFile.objects.all().delete()  # written again, from the database, each time

    small = peak_of_export(client, url)
    add_many(closed, LARGE - SMALL, start=SMALL)
    OpenDataFile.objects.all().delete()
    large = peak_of_export(client, url)

    assert large <= small * MARGIN, (kind, small, large)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_peak_memory_of_the_personal_export_does_not_grow_with_its_rows(client, closed, staff_user, file_format):
    """The file itself; the audit entry names every contribution that left (a rule), so it grows, in the database."""
    client.force_login(staff_user)
    url = reverse("participation_export_personal", args=[closed.pk])
    reason = {"file_format": file_format, "reason": "Demande d'accès reçue par courrier le 3 mars."}
    add_many(closed, SMALL)
    peak_while_consuming(client.post(url, reason))

    small = peak_while_consuming(client.post(url, reason))
    add_many(closed, LARGE - SMALL, start=SMALL)
    large = peak_while_consuming(client.post(url, reason))

    assert large <= small * MARGIN, (small, large)


def queries_of_export(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        content = content_of(response)
    assert response.status_code == 200 and content
    return len(queries)


@pytest.mark.parametrize(
    ("kind", "pages"),
    [("anonymised csv", 10), ("anonymised xlsx", 10), ("open data csv", 0), ("open data json", 0)],
)
def test_the_queries_of_an_export_do_not_grow_with_its_rows(client, closed, staff_user, kind, pages):
    """Open data: each chunk is a FETCH of the same server-side cursor, the number of statements stays the same.
    The moderators' exports read a page of `EXPORT_CHUNK` contributions per query (after the last id of the page
    before), so that nothing is held in the database during the download: one query more per page, never per row."""
    client.force_login(staff_user)
    url = export_urls(closed)[kind]
    add_many(closed, CHUNK // 2)
    queries_of_export(client, url)  # what is read once and cached
    OpenDataFile.objects.all().delete()  # written again, from the database, each time
    small = queries_of_export(client, url)
    OpenDataFile.objects.all().delete()
    add_many(closed, 10 * CHUNK, start=CHUNK)

    assert queries_of_export(client, url) == small + pages


def test_every_row_is_exported_across_chunks(client, closed, staff_user):
    client.force_login(staff_user)
    add_many(closed, 3 * CHUNK + 7)
    add_many(closed, 5, start=1000, status=ContributionStatus.REJECTED)

    text = content_of(client.get(reverse("participation_export", args=[closed.pk, "csv"]))).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    workbook = load_workbook(
        io.BytesIO(content_of(client.get(reverse("participation_export", args=[closed.pk, "xlsx"]))))
    )
    records = json.loads(content_of(client.get(closed.url + "donnees/json/")))

    assert len(rows) == 1 + 3 * CHUNK + 7 + 5
    arrival = [*range(3 * CHUNK + 7), *range(1000, 1005)]
    assert [row[4].split(" :")[0] for row in rows[1:]] == [f"Idée n° {number}" for number in arrival], "in order"
    assert len({row[0] for row in rows[1:]}) == 3 * CHUNK + 7 + 5, "one identifier per contributor"
    assert workbook["Contributions"].max_row == 1 + 3 * CHUNK + 7 + 5
    assert [record["numero"] for record in records] == list(range(1, 3 * CHUNK + 7 + 1))
    assert "06 12" not in text and "habitant@example.org" not in text and "Camille 5" not in text


def test_the_export_sends_its_first_bytes_before_reading_the_contributions(client, closed, staff_user):
    client.force_login(staff_user)
    add_many(closed, 10)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("participation_export", args=[closed.pk, "csv"]))
        first = next(iter(response.streaming_content))
        read_before_first_bytes = [query["sql"] for query in queries if "participation_contribution" in query["sql"]]

    assert response.streaming and first.decode("utf-8-sig").startswith("contributeur;date;")
    # Only the audit log's count, never the rows, before the first bytes leave.
    assert all("COUNT(" in sql for sql in read_before_first_bytes), read_before_first_bytes


# --- Open data: written once per change -------------------------------------------------------------------------


def get(client, process, file_format="csv", **headers):
    return client.get(process.url + f"donnees/{file_format}/", headers=headers)


def test_open_data_is_written_once_then_answered_from_storage_with_validators(client, closed):
    add_many(closed, 20)

    first = get(client, closed)
    written = content_of(first)
    with CaptureQueriesContext(connection) as queries:
        second = get(client, closed)
        again = content_of(second)

    assert again == written
    assert not any("participation_contribution" in query["sql"] for query in queries), "not read again"
    stored = OpenDataFile.objects.get(process=closed, file_format="csv")
    assert default_storage.exists(stored.name)
    assert second["ETag"] == f'"{stored.etag}"' and second["Last-Modified"]
    assert "no-cache" in second["Cache-Control"] and "public" in second["Cache-Control"]
    assert second["Content-Disposition"] == f'attachment; filename="contributions-{closed.slug}.csv"'
    assert get(client, closed, **{"If-None-Match": second["ETag"]}).status_code == 304
    assert get(client, closed, **{"If-Modified-Since": second["Last-Modified"]}).status_code == 304
    assert get(client, closed, **{"If-None-Match": '"autre"'}).status_code == 200


def test_erasure_of_a_contributor_writes_the_open_data_again_without_them(
    client, closed, django_capture_on_commit_callbacks
):
    add_many(closed, 5)
    erased = add_contribution(closed, "Une idée que son auteur retire.", email="efface@example.org")
    assert "Une idée que son auteur retire." in content_of(get(client, closed)).decode()
    before = get(client, closed)
    old_name = OpenDataFile.objects.get(process=closed, file_format="csv").name

    with django_capture_on_commit_callbacks(execute=True):
        erase_personal_data(erased.contributor_key)

    assert not default_storage.exists(old_name), "the file holding the erased text is deleted at once"
    after = get(client, closed)
    assert "Une idée que son auteur retire." not in content_of(after).decode()
    assert get(client, closed, **{"If-None-Match": before["ETag"]}).status_code == 200
    assert get(client, closed)["ETag"] != before["ETag"]


@pytest.mark.parametrize("change", ["hidden", "answered", "theme renamed"])
def test_a_moderation_decision_an_answer_or_a_theme_writes_the_open_data_again(
    client, closed, django_capture_on_commit_callbacks, change
):
    from participation.models import Theme

    theme = Theme.objects.create(name="Mobilité douce")
    contribution = add_contribution(closed, "Des pistes cyclables protégées.", theme=theme)
    before = json.loads(content_of(get(client, closed, "json")))
    assert before[0]["theme"] == "Mobilité douce"

    with django_capture_on_commit_callbacks(execute=True):
        if change == "hidden":
            contribution.status = ContributionStatus.HIDDEN
            contribution.save()
        elif change == "answered":
            contribution.answer_status, contribution.answer_text = "retained", "Retenue pour 2027."
            contribution.answered_at = timezone.now()
            contribution.save()
        else:
            theme.name = "Vélo"
            theme.save()

    after = json.loads(content_of(get(client, closed, "json")))
    expected = {"hidden": [], "answered": "Retenue pour 2027.", "theme renamed": "Vélo"}[change]
    assert (after if change == "hidden" else after[0]["reponse" if change == "answered" else "theme"]) == expected


def test_a_request_while_another_writes_the_file_is_answered_from_the_database(client, closed):
    add_many(closed, 5)
    writing_until = timezone.now() + datetime.timedelta(minutes=5)
    OpenDataFile.objects.create(process=closed, file_format="csv", etag="en-cours", building_until=writing_until)

    response = get(client, closed)

    assert "Idée n° 4" in content_of(response).decode("utf-8-sig")
    assert OpenDataFile.objects.get(process=closed, file_format="csv").etag == "en-cours", "left to its writer"


def test_a_download_cut_short_stores_nothing_and_lets_the_next_request_write(client, closed):
    add_many(closed, 3 * CHUNK)
    # What the server does when the visitor goes away: the response's iterator is closed half-way.
    chunks = open_data_chunks(closed, "csv", open_data_rows(closed))
    next(chunks)
    chunks.close()

    assert not OpenDataFile.objects.exists()
    content_of(get(client, closed))
    assert OpenDataFile.objects.get(process=closed, file_format="csv").name


def test_a_file_left_half_written_by_a_worker_that_died_is_written_again(client, closed):
    add_many(closed, 5)
    died = timezone.now() - datetime.timedelta(minutes=1)
    OpenDataFile.objects.create(process=closed, file_format="csv", etag="mort", building_until=died)

    content_of(get(client, closed))

    stored = OpenDataFile.objects.get(process=closed, file_format="csv")
    assert stored.etag != "mort" and stored.name and default_storage.exists(stored.name)
