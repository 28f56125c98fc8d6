"""Uploaded files in a private bucket of an S3-compatible object storage (django-storages' S3 backend, boto3).

Configured by MEDIA_STORAGE_URL (core.media_storage). The bucket is never read by visitors: a file's address is
the app's own (MEDIA_URL and the path stored in the database, as with files on disk), where the app asks the one
rule of what a visitor may see before it streams the object (communes.serving). No presigned address is ever made:
one would open the file to whoever holds it for its lifetime, after a convention ended or a process became
internal, and a front cache could keep it.
"""

from urllib.parse import urljoin

from botocore.exceptions import ClientError
from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# What the object storage answers for a key it does not hold.
MISSING = {"NoSuchKey", "404", "NotFound"}


class PrivateBucketStorage(S3Storage):
    """django-storages' S3 storage whose addresses are the site's, under MEDIA_URL, never the bucket's."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        return urljoin(settings.MEDIA_URL, filepath_to_uri(name).lstrip("/"))

    def open_to_stream(self, name):
        """The object at `name`, to read once from its first byte (no temporary copy, unlike `open`), and its size.

        One request to the bucket; FileNotFoundError when it holds no such object.
        """
        key = self._normalize_name(clean_name(name))
        try:
            answer = self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in MISSING:
                raise FileNotFoundError(name) from error
            raise
        return answer["Body"], answer["ContentLength"]
