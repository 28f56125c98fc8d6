"""Uploaded files on S3-compatible object storage (MEDIA_STORAGE_URL), served by the one rule of what a visitor may see.

The tests start their own S3-compatible server (moto's, in a thread of the test process, on a port the system
picks) and give each test a fresh private bucket: an editor's uploads through the admin land in it, renditions are
made and stored there, visitors get the files through the site's addresses while something they may see uses them
(never the bucket's), and deleting a file in the admin removes its objects.
"""

import datetime
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import urlopen

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto.server import ThreadedMotoServer
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from communes.models import CommuneRole, Convention
from communes.services import record_revocation
from core.media_storage import media_storage
from tests.conftest import commune_group
from tests.participation.conftest import make_process

pytestmark = pytest.mark.usefixtures("reference_index")

ACCESS_KEY = "participation"
# A `/` and a `+`, as real secret keys have: percent-encoded in the URL, decoded by the settings.
SECRET_KEY = "s3cr3t/with+signs"
REGION = "eu-west-3"
PREFIX = "participation"
PDF = b"%PDF-1.4 plan de la cour"


@pytest.fixture(scope="module")
def object_storage():
    """An S3-compatible server for the module, on 127.0.0.1 and a free port: its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(object_storage):
    return boto3.client(
        "s3",
        endpoint_url=object_storage,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )


@pytest.fixture
def bucket(settings, object_storage, s3):
    """A fresh private bucket, and the site's uploads going to it as MEDIA_STORAGE_URL says (under a prefix)."""
    name = f"media-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    host_and_port = object_storage.removeprefix("http://")
    url = f"s3+http://{ACCESS_KEY}:{quote(SECRET_KEY, safe='')}@{host_and_port}/{name}/{PREFIX}?region={REGION}"
    settings.STORAGES = {**settings.STORAGES, "default": media_storage(url)}
    return name


def keys(s3, bucket, folder=""):
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=f"{PREFIX}/{folder}")
    return sorted(entry["Key"] for entry in listing.get("Contents", ()))


def stored(s3, bucket, name):
    return s3.get_object(Bucket=bucket, Key=f"{PREFIX}/{name}")["Body"].read()


def upload(client, editor, collection):
    """An image and a document, uploaded by an editor through the admin's own forms."""
    client.force_login(editor)
    image_bytes = get_test_image_file(filename="cour.png").file.getvalue()
    added_image = client.post(
        reverse("wagtailimages:add"),
        {"title": "Cour", "collection": collection.pk, "file": SimpleUploadedFile("cour.png", image_bytes)},
    )
    added_document = client.post(
        reverse("wagtaildocs:add"),
        {"title": "Plan de la cour", "collection": collection.pk, "file": SimpleUploadedFile("plan.pdf", PDF)},
    )
    client.logout()
    assert (added_image.status_code, added_document.status_code) == (302, 302)
    image = get_image_model().objects.get(title="Cour")
    document = get_document_model().objects.get(title="Plan de la cour")
    return image, document, image_bytes


@pytest.fixture
def uploaded(client, bucket, commune_space, essey_editor):
    return upload(client, essey_editor, commune_space.commune.collection)


def use_on(process, image, document):
    process.cover_image = image
    process.body = [("document", {"document": document, "title": "Le plan"})]
    process.save_revision().publish()
    return process


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- Uploads land in the bucket ----------------------------------------------------------------------------


def files_on_disk():
    return set(Path(django_settings.MEDIA_ROOT).rglob("*"))


def test_an_editors_uploads_are_stored_in_the_bucket(client, s3, bucket, commune_space, essey_editor):
    on_disk = files_on_disk()

    image, document, image_bytes = upload(client, essey_editor, commune_space.commune.collection)

    assert keys(s3, bucket) == sorted([f"{PREFIX}/{image.file.name}", f"{PREFIX}/{document.file.name}"])
    assert image.file.name.startswith("original_images/") and document.file.name.startswith("documents/")
    assert stored(s3, bucket, image.file.name) == image_bytes
    assert stored(s3, bucket, document.file.name) == PDF
    assert (image.width, image.height) == (640, 480), "Wagtail read the image it stored"
    assert files_on_disk() == on_disk, "nothing was written on the app server's disk"


def test_the_bucket_stays_private(object_storage, s3, bucket, uploaded):
    """The objects are written without a public ACL: the storage itself refuses anyone without the keys."""
    image, document, _image_bytes = uploaded

    for file in (image.file, document.file):
        with pytest.raises(HTTPError) as unsigned:
            urlopen(f"{object_storage}/{bucket}/{PREFIX}/{file.name}", timeout=5)
        grants = s3.get_object_acl(Bucket=bucket, Key=f"{PREFIX}/{file.name}")["Grants"]
        assert unsigned.value.code == 403
        assert not [grant for grant in grants if "URI" in grant["Grantee"]], "no grant to AllUsers or AuthUsers"


def test_a_second_file_of_the_same_name_is_stored_beside_the_first(client, s3, bucket, commune_space, essey_editor):
    """django-storages overwrites by default: a commune's upload must never replace another file."""
    client.force_login(essey_editor)
    for content in (b"%PDF-1.4 premier", b"%PDF-1.4 second"):
        client.post(
            reverse("wagtaildocs:add"),
            {
                "title": content.decode(),
                "collection": commune_space.commune.collection.pk,
                "file": SimpleUploadedFile("compte-rendu.pdf", content),
            },
        )

    first, second = get_document_model().objects.order_by("pk")
    assert first.file.name != second.file.name
    assert stored(s3, bucket, first.file.name) == b"%PDF-1.4 premier"
    assert stored(s3, bucket, second.file.name) == b"%PDF-1.4 second"


# --- Served through the site, by the rule ------------------------------------------------------------------


def test_files_of_a_public_page_are_served_from_the_bucket_to_everyone(client, s3, bucket, commune_space, uploaded):
    image, document, image_bytes = uploaded
    use_on(make_process(commune_space), image, document)
    rendition = image.get_rendition("fill-40x40")

    original = client.get(image.file.url)
    thumbnail = client.get(rendition.url)
    through_wagtail = client.get(document.url)
    stored_document = client.get(document.file.url)

    assert image.file.url.startswith("/media/original_images/") and rendition.url.startswith("/media/images/")
    assert (original.status_code, body_of(original)) == (200, image_bytes)
    assert original["Content-Length"] == str(len(image_bytes))
    assert "public" in original["Cache-Control"] and original["Content-Security-Policy"] == "default-src 'none'"
    assert (thumbnail.status_code, body_of(thumbnail)) == (200, stored(s3, bucket, rendition.file.name))
    assert (through_wagtail.status_code, body_of(through_wagtail)) == (200, PDF)
    assert through_wagtail["Content-Security-Policy"] == "default-src 'none'"
    assert (stored_document.status_code, body_of(stored_document)) == (200, PDF)


def test_renditions_are_made_from_the_bucket_and_stored_in_it(s3, bucket, uploaded):
    image, _document, _image_bytes = uploaded

    rendition = image.get_rendition("fill-40x40")

    assert rendition.file.name.startswith("images/")
    assert keys(s3, bucket, "images/") == [f"{PREFIX}/{rendition.file.name}"]
    assert (rendition.width, rendition.height) == (40, 40)
    assert stored(s3, bucket, rendition.file.name).startswith(b"\x89PNG")


def test_no_page_names_the_bucket(client, object_storage, bucket, commune_space, uploaded):
    image, document, _image_bytes = uploaded
    process = use_on(make_process(commune_space), image, document)

    page = client.get(process.url).content.decode()

    cover = image.get_rendition("width-800")
    assert f'src="{cover.url}"' in page and cover.url.startswith("/media/images/")
    assert client.get(cover.url).status_code == 200
    assert object_storage.removeprefix("http://") not in page and bucket not in page


def test_files_of_a_commune_whose_convention_ended_are_not_served(client, bucket, commune_space, uploaded):
    image, document, _image_bytes = uploaded
    use_on(make_process(commune_space), image, document)
    addresses = [image.file.url, image.get_rendition("fill-40x40").url, document.url, document.file.url]

    record_revocation(
        Convention.objects.get(commune=commune_space.commune),
        decided_on=datetime.date.today(),
        reason="Manquement constaté au règlement.",
    )

    assert [client.get(address).status_code for address in addresses] == [404, 404, 404, 404]


def test_files_of_an_internal_process_are_for_its_agents(client, bucket, commune_space, uploaded, make_user):
    image, document, image_bytes = uploaded
    use_on(make_process(commune_space, "Télétravail des agents", audience="agents"), image, document)
    addresses = [image.file.url, image.get_rendition("fill-40x40").url, document.url, document.file.url]

    anonymous = [client.get(address).status_code for address in addresses]
    client.force_login(make_user("agent-essey", commune_group(commune_space, CommuneRole.AGENTS)))
    agent = [client.get(address) for address in addresses]

    assert anonymous == [404, 404, 404, 404]
    assert [response.status_code for response in agent] == [200, 200, 200, 200]
    assert body_of(agent[0]) == image_bytes and "no-store" in agent[0]["Cache-Control"]


def test_a_refused_visitor_costs_no_request_to_the_bucket_and_a_served_file_one(client, bucket, uploaded, essey_editor):
    """The rule is asked first; a file is then streamed from a single GET (no HEAD, no copy on the server)."""
    image, _document, image_bytes = uploaded  # used by no page yet: for its commune's editors only
    calls = []
    default_storage.connection.meta.client.meta.events.register(
        "before-call.s3", lambda model, **kwargs: calls.append(model.name)
    )

    refused = client.get(image.file.url)
    refused_calls = list(calls)
    client.force_login(essey_editor)
    served = client.get(image.file.url)

    assert (refused.status_code, refused_calls) == (404, [])
    assert served.status_code == 200 and served.streaming
    assert calls == ["GetObject"]
    assert body_of(served) == image_bytes


def test_a_file_missing_from_the_bucket_is_not_found(client, s3, bucket, commune_space, uploaded):
    image, document, _image_bytes = uploaded
    use_on(make_process(commune_space), image, document)
    s3.delete_object(Bucket=bucket, Key=f"{PREFIX}/{image.file.name}")

    assert client.get(image.file.url).status_code == 404


# --- Deleting in the admin removes the objects --------------------------------------------------------------


def test_deleting_files_in_the_admin_removes_their_objects(
    client, s3, bucket, uploaded, essey_editor, django_capture_on_commit_callbacks
):
    image, document, _image_bytes = uploaded
    image.get_rendition("fill-40x40")
    assert len(keys(s3, bucket)) == 3
    client.force_login(essey_editor)

    with django_capture_on_commit_callbacks(execute=True):
        deleted_image = client.post(reverse("wagtailimages:delete", args=[image.pk]))
        deleted_document = client.post(reverse("wagtaildocs:delete", args=[document.pk]))

    assert (deleted_image.status_code, deleted_document.status_code) == (302, 302)
    assert keys(s3, bucket) == [], "the original, its rendition and the document are gone from the bucket"


# --- One setting: MEDIA_STORAGE_URL ----------------------------------------------------------------------


def test_without_a_storage_url_files_stay_in_media_root():
    assert media_storage("") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_a_storage_url_names_the_endpoint_the_bucket_the_keys_and_the_region():
    storage = media_storage("s3://AKIA:s3cr3t%2Fkey%2B1@s3.fr-par.example.net/participation-media/prod?region=fr-par")

    assert storage == {
        "BACKEND": "core.private_bucket.PrivateBucketStorage",
        "OPTIONS": {
            "endpoint_url": "https://s3.fr-par.example.net",
            "bucket_name": "participation-media",
            "location": "prod",
            "addressing_style": "path",
            "file_overwrite": False,
            "max_memory_size": 2_621_440,
            "region_name": "fr-par",
            "access_key": "AKIA",
            "secret_key": "s3cr3t/key+1",
        },
    }
    plain = media_storage("s3+http://minio.internal:9000/media?addressing_style=virtual")["OPTIONS"]
    assert plain["endpoint_url"] == "http://minio.internal:9000"
    assert plain["addressing_style"] == "virtual"
    assert "access_key" not in plain, "without keys in the URL, boto3 finds its own (environment, machine role)"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://AKIA:tOpS3cr3t@s3.example.net/media", "must start with s3://"),
        ("s3://AKIA:tOpS3cr3t@s3.example.net", "names no bucket"),
        ("s3://AKIA:tOpS3cr3t@/media", "names no host"),
        ("s3://AKIA:tOpS3cr3t@s3.example.net:port/media", "port is not a number"),
        ("s3://AKIA:tOpS3cr3t@s3.example.net/media?secure=0", "unknown parameter(s) secure"),
        ("s3://AKIA:tOpS3cr3t@s3.example.net/media?addressing_style=dns", "path or virtual"),
        ("s3://AKIA@s3.example.net/media", "both keys"),
        ("s3://:tOpS3cr3t@s3.example.net/media", "both keys"),
    ],
)
def test_a_storage_url_that_describes_nothing_usable_is_refused_in_plain_words(url, reason):
    with pytest.raises(ImproperlyConfigured) as refused:
        media_storage(url)

    assert reason in str(refused.value)
    assert "tOpS3cr3t" not in str(refused.value), "the secret key is not repeated"


def test_the_settings_read_the_storage_from_the_environment():
    url = "s3://AKIA:s3cr3t@s3.example.net/participation-media?region=fr-par"
    read = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config import settings; d = settings.STORAGES['default']; "
            "print(d['BACKEND'], d['OPTIONS']['bucket_name'], d['OPTIONS']['region_name'])",
        ],
        env={"MEDIA_STORAGE_URL": url, "SECRET_KEY": "x", "PATH": "/usr/bin:/bin"},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )

    assert read.stdout.split() == ["core.private_bucket.PrivateBucketStorage", "participation-media", "fr-par"]
