from django.db import migrations

# The district's issuing organs with their 机关代字 (reference data; more are added by a later
# migration until the OA has an admin view for them).
ORGANS = [
    ("南京市建邺区城市管理局", "南京市建邺区城市管理局文件", "建城管"),
    ("南京市建邺区数字化城市管理监督指挥中心", "建邺区数字化城市管理监督指挥中心", "建城管指"),
]


def load(apps, schema_editor):
    IssuingOrgan = apps.get_model("oa", "IssuingOrgan")
    for name, mark, code in ORGANS:
        IssuingOrgan.objects.get_or_create(code=code, defaults={"name": name, "mark": mark})


class Migration(migrations.Migration):
    dependencies = [("oa", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
