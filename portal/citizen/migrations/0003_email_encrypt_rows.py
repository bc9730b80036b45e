"""Encrypt the reporters' e-mail addresses written before encryption, in batches."""

from django.db import migrations

from portal.workflow.pii import reencrypt_rows


def encrypt_rows(apps, schema_editor):
    PublicReport = apps.get_model("citizen", "PublicReport")
    reencrypt_rows(PublicReport.objects.all(), ["email"], batch=1000, only_stale=True)


class Migration(migrations.Migration):
    dependencies = [("citizen", "0002_email_encrypted")]

    operations = [migrations.RunPython(encrypt_rows, migrations.RunPython.noop, elidable=True)]
