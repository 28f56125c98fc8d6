"""Where uploaded files (images, their renditions, documents) are stored: read from one setting, MEDIA_STORAGE_URL.

Empty: the machine's MEDIA_ROOT (Django's FileSystemStorage), enough for one app server. Otherwise a private
bucket of an S3-compatible object storage, shared by every app server:

    s3://ACCESS_KEY:SECRET_KEY@HOST[:PORT]/BUCKET[/PREFIX][?region=REGION&addressing_style=path|virtual]

`s3://` speaks HTTPS to HOST; `s3+http://` plain HTTP (a storage server on the same private network, the tests).
Characters of the keys other than letters, digits and `-._~` are percent-encoded (a `/` as `%2F`, a `+` as
`%2B`). Without keys, boto3 finds its own (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, a
machine role). Whatever the storage, files are served by the app to those who may see them (communes.serving):
the bucket stays private and its addresses never reach a page (core.private_bucket).

This module is read by the settings: it imports nothing but the standard library and Django's exceptions (boto3
is loaded only when a bucket is configured).
"""

from importlib.util import find_spec
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

FILE_SYSTEM_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
BUCKET_STORAGE = "core.private_bucket.PrivateBucketStorage"
SCHEMES = {"s3": "https", "s3+http": "http"}
ADDRESSING_STYLES = ("path", "virtual")
# What a read keeps in memory before the rest goes to a temporary file (Django's own limit for uploads): a
# document served through Wagtail's view is read whole from the bucket first (core.private_bucket).
MAX_MEMORY_SIZE = 2_621_440


def media_storage(url):
    """The `STORAGES["default"]` entry that MEDIA_STORAGE_URL describes; ImproperlyConfigured, in plain words, if
    it describes nothing usable."""
    if not url:
        return FILE_SYSTEM_STORAGE
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise _bad(url, "it must start with s3:// (HTTPS) or s3+http:// (plain HTTP)")
    try:
        port = parts.port
    except ValueError:
        raise _bad(url, "its port is not a number") from None
    if not parts.hostname:
        raise _bad(url, "it names no host (s3://ACCESS_KEY:SECRET_KEY@host/bucket)")
    bucket, _slash, prefix = parts.path.strip("/").partition("/")
    if not bucket:
        raise _bad(url, "it names no bucket (s3://ACCESS_KEY:SECRET_KEY@host/bucket)")
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise _bad(url, "its query string cannot be read") from None
    unknown = sorted(set(query) - {"region", "addressing_style"})
    if unknown:
        raise _bad(url, f"unknown parameter(s) {', '.join(unknown)}: only region and addressing_style")
    addressing_style = query.get("addressing_style", ["path"])[-1]
    if addressing_style not in ADDRESSING_STYLES:
        raise _bad(url, "addressing_style must be path or virtual")
    if bool(parts.username) != bool(parts.password):
        raise _bad(url, "give both keys (s3://ACCESS_KEY:SECRET_KEY@host/bucket) or neither")

    if find_spec("storages") is None or find_spec("boto3") is None:
        raise ImproperlyConfigured(
            'MEDIA_STORAGE_URL names a bucket: install its client with `pip install ".[s3]"` (django-storages, boto3).'
        )

    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    options = {
        "endpoint_url": f"{SCHEMES[parts.scheme]}://{host}{f':{port}' if port else ''}",
        "bucket_name": bucket,
        "location": prefix.strip("/"),
        "addressing_style": addressing_style,
        # Django's rule for names: a second "plan.pdf" is stored beside the first, never over it (django-storages
        # would overwrite by default, so that a commune's upload could replace another's file).
        "file_overwrite": False,
        "max_memory_size": MAX_MEMORY_SIZE,
    }
    if query.get("region", [""])[-1]:
        options["region_name"] = query["region"][-1]
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password)
    return {"BACKEND": BUCKET_STORAGE, "OPTIONS": options}


def _bad(url, reason):
    parts = urlsplit(url)
    shown = url.replace(f":{parts.password}@", ":…@") if parts.password else url
    return ImproperlyConfigured(f"MEDIA_STORAGE_URL is {shown!r}: {reason}. See README, Configuration.")
