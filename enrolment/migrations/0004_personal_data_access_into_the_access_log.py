"""The personal-data access records join the one access log (audit.AccessLog), then their table goes."""

from django.db import migrations


def copy_into_access_log(apps, schema_editor):
    PersonalDataAccess = apps.get_model("enrolment", "PersonalDataAccess")
    AccessLog = apps.get_model("audit", "AccessLog")
    batch = []
    for old in PersonalDataAccess.objects.select_related("user").order_by("pk").iterator(chunk_size=2000):
        user = old.user
        county_id = user.county_id
        if county_id is None and user.town_id:
            county_id = apps.get_model("campaigns", "Town").objects.get(pk=user.town_id).county_id
        batch.append(
            AccessLog(
                at=old.at,
                user_id=old.user_id,
                username=user.username,
                county_id=county_id,
                ip=old.ip,
                action=old.action,
                what=old.what,
                rows=old.rows,
                unmasked=old.unmasked,
                result="success",
            )
        )
        if len(batch) >= 2000:
            AccessLog.objects.bulk_create(batch)
            batch = []
    AccessLog.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("enrolment", "0003_drop_indexes_covered_by_composites"),
        ("audit", "0001_access_log"),
    ]

    operations = [
        migrations.RunPython(copy_into_access_log, migrations.RunPython.noop),
        migrations.DeleteModel(name="PersonalDataAccess"),
    ]
