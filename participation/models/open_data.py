"""The open data of a closed process, as stored files: written once per change of what they say, not per request.

One row per process and format (CSV, JSON) names the file in the default storage (local disk or object storage,
through Django's storage API), with what conditional requests compare (an ETag, the time it was written). A row
without a file name is a file being written: its builder holds it until `building_until`. When what the file says
changes, the row and its file go (`participation.services.open_data.open_data_changed`); the next request writes
the file again.
"""

from django.db import models

from .processes import ProcessPage


class OpenDataFile(models.Model):
    process = models.ForeignKey(ProcessPage, on_delete=models.CASCADE, related_name="+")
    file_format = models.CharField(max_length=4)
    # The file's name in the default storage; blank while it is being written.
    name = models.CharField(max_length=255, blank=True)
    # Random for each file written: its ETag, and what its builder recognises the row by.
    etag = models.CharField(max_length=32)
    written_at = models.DateTimeField(null=True, blank=True)
    building_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["process", "file_format"], name="one_open_data_file_per_format")]

    def __str__(self):
        return f"{self.process_id}.{self.file_format}"
