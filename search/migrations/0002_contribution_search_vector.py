"""Contributions leave Wagtail's search index for a search vector of their own, kept by PostgreSQL.

Wagtail's database backend recomputes its title norms over the whole index table on every indexed write: at a
million contributions each moderation decision cost two scans of it. Instead, PostgreSQL computes each
contribution's vector itself (a stored generated column, `french_unaccent` as the site's pages), whatever writes
the row (the ORM, a COPY, a script), and a GIN index serves the search (`search.contributions`).
Only published contributions are in the index (`Contribution.objects.published()`, which every search applies):
the others, however many (spam refused by moderators), cost a search nothing, and a contribution enters the index
when it is published. The index is written as each row is (`fastupdate = off`): with GIN's pending list, every
search would read up to 4 MB of pending entries, and the write that overflows the list would merge all of it.

The column is not a field of the model: the ORM never reads it with a contribution, only the search names it.
SQLite (the laptop default) has neither the column nor the configuration: the search reads the text there.
Wagtail's index rows of contributions are deleted, on every database.
"""

from django.db import migrations

VECTOR_COLUMN = """
ALTER TABLE participation_contribution ADD COLUMN IF NOT EXISTS search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('french_unaccent'::regconfig, coalesce(text, ''))) STORED;
CREATE INDEX IF NOT EXISTS contribution_search_vector ON participation_contribution USING gin (search_vector)
    WITH (fastupdate = off) WHERE status = 'published';
"""

DROP_VECTOR_COLUMN = """
DROP INDEX IF EXISTS contribution_search_vector;
ALTER TABLE participation_contribution DROP COLUMN IF EXISTS search_vector;
"""

# The trigger of Wagtail's SQLite migration removes the matching full-text rows too.
FORGET_INDEXED_CONTRIBUTIONS = """
DELETE FROM wagtailsearch_indexentry WHERE content_type_id IN (
    SELECT id FROM django_content_type WHERE app_label = 'participation' AND model = 'contribution'
)
"""


def add_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(VECTOR_COLUMN)
    schema_editor.execute(FORGET_INDEXED_CONTRIBUTIONS)


def drop_vector(apps, schema_editor):
    # Going back: `update_index` puts the contributions back into Wagtail's index.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_VECTOR_COLUMN)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_french_unaccent_configuration"),
        ("participation", "0014_pending_actions"),
        ("wagtailsearch", "0010_add_text_fields"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_vector, drop_vector)]
