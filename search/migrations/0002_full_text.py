"""Full-text structures of the database backend, per database vendor."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            # A plain FTS5 table (Debian 12's SQLite 3.40 predates contentless deletes).
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
            "words, chars, tokenize='unicode61 remove_diacritics 2')"
        )
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_entry_words_fts ON search_searchentry "
            "USING gin (to_tsvector('simple', words))"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_entry_chars_fts ON search_searchentry "
            "USING gin (to_tsvector('simple', chars))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_words_fts")
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_chars_fts")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
