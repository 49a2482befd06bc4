import django.db.models.deletion
from django.db import migrations, models

# The open suggestions move to their own narrow table; the decided ones stay where they are.
MOVE_OPEN = [
    "INSERT INTO enrolment_entrymatch (entry_id, reference_list_id, reference_row_id, kind) "
    "SELECT entry_id, reference_list_id, reference_row_id, kind FROM enrolment_entrysuggestion WHERE status = 'open'",
    "DELETE FROM enrolment_entrysuggestion WHERE status = 'open'",
]
MOVE_BACK = [
    "INSERT INTO enrolment_entrysuggestion "
    "(entry_id, reference_list_id, reference_row_id, kind, status, reason, created_at) "
    "SELECT entry_id, reference_list_id, reference_row_id, kind, 'open', '', CURRENT_TIMESTAMP "
    "FROM enrolment_entrymatch",
    "DELETE FROM enrolment_entrymatch",
]


class Migration(migrations.Migration):
    dependencies = [
        ("enrolment", "0015_region_batches"),
    ]

    operations = [
        migrations.CreateModel(
            name="EntryMatch",
            # The three integers first, then the kind: no padding between them.
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "entry", "kind", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "entry",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="matches",
                        to="enrolment.pushentry",
                        verbose_name="条目",
                    ),
                ),
                (
                    "reference_list",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="enrolment.referencelist",
                        verbose_name="来源清单",
                    ),
                ),
                (
                    "reference_row",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="enrolment.referencerow",
                        verbose_name="来源数据行",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("deceased", "死亡人员"),
                            ("student", "16周岁以上在校学生"),
                            ("insured_16plus", "16周岁以上参保人员"),
                            ("poverty", "脱贫人口和边缘易致贫人口"),
                            ("dibao_tekun", "低保和特困人员"),
                            ("disabled", "一至四级持证残疾人"),
                            ("household_moved", "户籍迁出人员"),
                            ("registered_business", "登记在册的企业和个体工商户"),
                            ("tax_paying_employer", "纳税用人单位"),
                        ],
                        max_length=30,
                        verbose_name="数据类型",
                    ),
                ),
            ],
            options={
                "verbose_name": "比对提示",
                "verbose_name_plural": "比对提示",
            },
        ),
        migrations.RunSQL(MOVE_OPEN, MOVE_BACK),
    ]
