"""Encrypt the reporter names and phones written before encryption, and index the phones.

Walks the table by primary key in batches (portal.workflow.pii.reencrypt_rows): never the
whole table in memory. Reversing leaves the rows encrypted (reading plain text still works,
so going back needs no rewrite)."""

from django.db import migrations

from portal.workflow.pii import reencrypt_rows


def encrypt_rows(apps, schema_editor):
    Case = apps.get_model("workflow", "Case")
    reencrypt_rows(
        Case.objects.all(),
        ["reporter_name", "reporter_phone"],
        index={"reporter_phone_index": "reporter_phone"},
        batch=1000,
        only_stale=True,
    )


class Migration(migrations.Migration):
    dependencies = [("workflow", "0008_reporter_encrypted")]

    operations = [migrations.RunPython(encrypt_rows, migrations.RunPython.noop, elidable=True)]
