from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.models import Campaign, Department, Region, Town, Village
from campaigns.scoping import CountyScopedQuerySet, TownScopedQuerySet, county_filter

if TYPE_CHECKING:
    from django.db.models.deletion import Collector


class Insurance(models.TextChoices):
    EMPLOYEE_PENSION = "employee_pension", _("企业职工基本养老保险")
    UNEMPLOYMENT = "unemployment", _("失业保险")
    WORK_INJURY = "work_injury", _("工伤保险")
    RESIDENT_PENSION = "resident_pension", _("城乡居民基本养老保险")


class ListKind(models.TextChoices):
    """The five kinds of list the municipal level pushes (public codes)."""

    EMPLOYER = "employer", _("未参保用人单位")
    EMPLOYED_PERSON = "employed_person", _("已就业未参保人员")
    PERSON = "person", _("未参保人员")
    INTERRUPTED = "interrupted", _("中断缴费人员")
    PNEUMOCONIOSIS_EMPLOYER = "pneumoconiosis_employer", _("未参保尘肺病重点企业")

    @classmethod
    def employer_kinds(cls) -> frozenset[str]:
        return frozenset({cls.EMPLOYER, cls.PNEUMOCONIOSIS_EMPLOYER})


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


def _upload_to(instance: ImportBase, filename: str) -> str:
    return f"imports/{instance._meta.model_name}/{instance.sha256[:2]}/{instance.sha256}{Path(filename).suffix.lower()}"


def _rejected_to(instance: ImportBase, filename: str) -> str:
    return f"imports/{instance._meta.model_name}/rejected/{filename}"


class ImportBase(models.Model):
    """One uploaded file and what became of each of its rows. Shared by every kind of import."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+", verbose_name=_("专项行动"))
    file = models.FileField(_("文件"), upload_to=_upload_to)
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(_("数据行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    rejected = models.PositiveIntegerField(_("拒收"), default=0)
    rejected_file = models.FileField(_("拒收清单"), upload_to=_rejected_to, blank=True)
    error = models.TextField(_("错误"), blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @staticmethod
    def digest(path: Path | str) -> str:
        sha = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                sha.update(chunk)
        return sha.hexdigest()

    @property
    def progress(self) -> float:
        return self.rows_done / self.rows_total if self.rows_total else 0.0


class BatchQuerySet(CountyScopedQuerySet):
    county_field = "campaign__county"


class PushListUpload(ImportBase):
    """An uploaded push list of one kind, and what became of its rows."""

    kind = models.CharField(_("清单类型"), max_length=30, choices=ListKind.choices)
    label = models.CharField(_("批次"), max_length=100)
    imported = models.PositiveIntegerField(_("导入"), default=0)
    duplicates = models.PositiveIntegerField(_("重复"), default=0)

    class Meta:
        abstract = True
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.label}"


class Batch(PushListUpload):
    """A push list (推送清单) as the municipal level sent it: one file of one kind."""

    # The prefecture's upload this county's share came from (split by its county column), if any.
    region_batch = models.ForeignKey(
        "RegionBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="batches",
        verbose_name=_("全市推送批次"),
    )  # fmt: skip

    objects = BatchQuerySet.as_manager()

    class Meta(PushListUpload.Meta):
        verbose_name = _("推送批次")
        verbose_name_plural = _("推送批次")
        constraints = [
            # A failed upload may be tried again; a file that went in may not go in twice.
            models.UniqueConstraint(
                fields=["campaign", "kind", "sha256"],
                condition=~Q(status=ImportStatus.FAILED),
                name="batch_unique_file_per_kind",
            ),
        ]


class RegionBatchQuerySet(models.QuerySet):
    def for_user(self, user: object) -> RegionBatchQuerySet:
        """The uploads of the regions a user sees (`RegionQuerySet.for_user`): a prefecture's office its own."""
        return self.filter(region__in=Region.objects.for_user(user))


class RegionBatch(PushListUpload):
    """A push list a region above a county sent for all its counties in one file: split by its county column,
    each county's rows imported as that county's own `Batch`. Its counts are the whole file's."""

    campaign = None  # it belongs to no campaign: its counties' batches do
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("区划"))

    objects = RegionBatchQuerySet.as_manager()

    class Meta(PushListUpload.Meta):
        verbose_name = _("全市推送批次")
        verbose_name_plural = _("全市推送批次")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "sha256"],
                condition=~Q(status=ImportStatus.FAILED),
                name="regionbatch_unique_file_per_kind",
            ),
        ]


class EntryStatus(models.TextChoices):
    PENDING = "pending", _("待核查")
    ENROLLED = "enrolled", _("已参保")
    NOT_DUE = "not_due", _("无需参保")
    REFUSED = "refused", _("拒绝参保")
    UNREACHABLE = "unreachable", _("无法联系")


class NotDueReason(models.TextChoices):
    DECEASED = "deceased", _("已死亡")
    STUDENT = "student", _("在校学生")
    INSURED_ELSEWHERE = "insured_elsewhere", _("已在外地参保")
    MOVED_AWAY = "moved_away", _("户籍迁出或长期外出")
    IN_PRISON = "in_prison", _("服刑人员")
    DUPLICATE = "duplicate", _("重复推送")
    OTHER = "other", _("其他")


class PushEntryQuerySet(TownScopedQuerySet):
    def for_campaign(self, campaign: Campaign) -> PushEntryQuerySet:
        return self.filter(campaign=campaign)

    def with_key(self, key: str, *, campaigns: models.QuerySet[Campaign] | None = None) -> PushEntryQuerySet:
        """The entries holding an ID number or credit code, read from the (campaign, kind, key) unique index:
        each campaign (of ``campaigns``, else every one) and kind named, so no index on the key alone is kept
        (it would cost every import)."""
        campaigns = Campaign.objects.all() if campaigns is None else campaigns
        return self.filter(campaign__in=campaigns.values("pk"), kind__in=ListKind.values, key=key)


# An entry pushed again names the batch that did it; an entry whose last push is its first batch names it twice.
REPUSHED = ~Q(Exact(F("last_pushed_batch"), F("batch")))


def protect_repushed(collector: Collector, field: models.Field, sub_objs: models.QuerySet, using: str) -> None:
    """PROTECT for the last pushed batch, read from the entries pushed again only (their partial index): an entry
    whose last push is its first batch is protected by that batch's own foreign key already."""
    repushed = sub_objs.filter(REPUSHED)
    if repushed.exists():
        models.PROTECT(collector, field, repushed, using)


# The collector hands over the entries unread, so the lookup above is the only one made.
protect_repushed.lazy_sub_objs = True  # type: ignore[attr-defined]


def protect_village(collector: Collector, field: models.Field, sub_objs: models.QuerySet, using: str) -> None:
    """PROTECT for a village, read town by town from the (town, village, id) index: the village has no index of
    its own (one less for every import to write), and an entry may name a village of another town than its own
    (a village moved to another town keeps its entries), so every town is looked in."""
    named = sub_objs.filter(town__in=Town.objects.values("pk"))
    if named.exists():
        models.PROTECT(collector, field, named, using)


protect_village.lazy_sub_objs = True  # type: ignore[attr-defined]


class PushEntry(models.Model):
    """One person or employer on a push list: the town's unit of work until enrolled or shown not due."""

    # No single-column indexes on campaign, town, batch and key: the unique key and the composite indexes below
    # start with them or serve them (`with_key`), and every extra index slows the bulk import of a million-row list.
    # Campaign, batch and last pushed batch are one value for a whole imported batch, towns and villages a
    # handful: the database checks them once per statement (enrolment.entry_references), not row by row.
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("专项行动"),
    )
    kind = models.CharField(_("清单类型"), max_length=30, choices=ListKind.choices)
    # The citizen ID number (persons) or unified social credit code (employers), normalised.
    key = models.CharField(_("证件号码/统一社会信用代码"), max_length=18)
    name = models.CharField(_("姓名/单位名称"), max_length=200)
    town = models.ForeignKey(
        Town,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("镇(街道)"),
    )
    # Indexed with its town only (entry_town_village): the queue filters a village within a town.
    village = models.ForeignKey(
        Village,
        on_delete=protect_village,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("村(社区)"),
    )
    batch = models.ForeignKey(
        Batch,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
        db_constraint=False,
        verbose_name=_("首次推送批次"),
    )
    pushed_times = models.PositiveIntegerField(_("推送次数"), default=1)
    # Indexed below only where it is not the entry's own batch (an import's new entries never write that index).
    last_pushed_batch = models.ForeignKey(
        Batch,
        on_delete=protect_repushed,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("最近推送批次"),
    )

    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    employer_name = models.CharField(_("工作单位"), max_length=200, blank=True)
    last_paid = models.DateField(_("最后缴费年月"), null=True, blank=True)
    interrupted_insurance = models.CharField(_("中断险种"), max_length=100, blank=True)
    legal_rep = models.CharField(_("法定代表人"), max_length=50, blank=True)
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    industry = models.CharField(_("行业"), max_length=100, blank=True)

    status = models.CharField(_("核查状态"), max_length=12, choices=EntryStatus.choices, default=EntryStatus.PENDING)
    not_due_reason = models.CharField(_("无需参保原因"), max_length=20, choices=NotDueReason.choices, blank=True)
    enrolled_insurance = models.CharField(_("参保险种"), max_length=20, choices=Insurance.choices, blank=True)
    enrolled_on = models.DateField(_("参保日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    # Bumped on every change: an offline workbook carries the version it was downloaded at, so an upload
    # can tell a stale row from a fresh one and report a conflict instead of overwriting.
    version = models.PositiveIntegerField(_("版本"), default=1)
    status_changed_at = models.DateTimeField(_("状态更新时间"), null=True, blank=True)
    # Indexed below for the rows that have one only: an imported entry has none, so the import's COPY skips it.
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("状态更新人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = PushEntryQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("推送清单条目")
        verbose_name_plural = _("推送清单条目")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind", "key"], name="entry_unique_key_per_kind"),
            models.CheckConstraint(
                condition=~Q(status=EntryStatus.NOT_DUE) | ~Q(not_due_reason=""), name="entry_not_due_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["town", "status", "id"], name="entry_town_status"),
            models.Index(fields=["town", "kind", "id"], name="entry_town_kind"),
            models.Index(fields=["town", "village", "id"], name="entry_town_village"),
            models.Index(fields=["batch", "status"], name="entry_batch_status"),
            # The entries pushed again in a later batch: a batch's deletion checks these and its own entries.
            models.Index(fields=["last_pushed_batch"], name="entry_repushed_batch", condition=REPUSHED),
            # Who changed an entry (a user's deletion is refused while entries name them): never NULL there.
            models.Index(
                fields=["status_changed_by"],
                name="entry_status_changed_by",
                condition=Q(status_changed_by__isnull=False),
            ),
            # The entries the business system's records closed (the dashboard counts them on every view): an
            # index of those rows only, so the count reads them and not the campaign's other entries.
            models.Index(
                fields=["campaign"],
                name="entry_system_closed",
                condition=Q(
                    status=EntryStatus.ENROLLED, status_changed_by__isnull=True, status_changed_at__isnull=False
                ),
            ),
        ]
        permissions = [
            # Lists, the API and exports unmasked by default (admins); every such view is on record.
            ("view_unmasked_personal_data", _("可查看未脱敏的个人信息")),
            # One entry's full ID number and phone, on request, on record (town staff for their own town).
            ("reveal_personal_data", _("查看完整个人信息")),
            ("export_entries", _("可导出推送清单")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.pk}"


class EntryCountQuerySet(TownScopedQuerySet):
    pass


class EntryCount(models.Model):
    """How many entries of a campaign hold each (town, kind, status): the queue's funnel, pager and API totals.

    Kept by the database itself, in the same statement's transaction as every write to the entries (triggers
    in migration 0008: statement-level with transition tables on PostgreSQL, row-level on SQLite), so every
    write path — the import's COPY, the status services' bulk updates, a test factory — keeps it exact and a
    user sees the totals move with their own save. A list then counts a handful of rows, not its entries.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("专项行动"))
    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="+", verbose_name=_("镇(街道)"))
    kind = models.CharField(_("清单类型"), max_length=30, choices=ListKind.choices)
    status = models.CharField(_("核查状态"), max_length=12, choices=EntryStatus.choices)
    entries = models.IntegerField(_("条目数"), default=0)

    objects = EntryCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("推送清单条目计数")
        verbose_name_plural = _("推送清单条目计数")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "town", "kind", "status"], name="entry_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.town_id}·{self.kind}·{self.status}: {self.entries}"


class EntryPushQuerySet(TownScopedQuerySet):
    town_field = "entry__town"


class EntryPush(models.Model):
    """Each time an entry's key arrived again after its first push (the first push is the entry's own ``batch``):
    in a later batch, or repeated further down the same file. So an entry has ``pushed_times - 1`` of them."""

    entry = models.ForeignKey(PushEntry, on_delete=models.CASCADE, related_name="pushes", verbose_name=_("条目"))
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="pushes", verbose_name=_("批次"))
    row_number = models.PositiveIntegerField(_("行号"))

    objects = EntryPushQuerySet.as_manager()

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


class DataImportQuerySet(CountyScopedQuerySet):
    county_field = "campaign__county"


class DataImport(ImportBase):
    """An upload of achieved work: the social-insurance system's enrolment export, projects, rosters."""

    class Source(models.TextChoices):
        ENROLMENTS = "enrolments", _("参保记录")
        CONSTRUCTION_PROJECTS = "construction_projects", _("新开工工程建设项目")
        PNEUMOCONIOSIS_ROSTERS = "pneumoconiosis_rosters", _("尘肺病重点行业企业")
        # Uploaded on the targets' baselines page (targets.services.baselines), listed with the other uploads.
        BASELINES = "baselines", _("目标任务基数")

    source = models.CharField(_("数据类型"), max_length=30, choices=Source.choices)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)

    objects = DataImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("数据导入")
        verbose_name_plural = _("数据导入")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.file_name}"


class EnrolmentRecordQuerySet(TownScopedQuerySet):
    def for_campaign(self, campaign: Campaign) -> EnrolmentRecordQuerySet:
        return self.filter(campaign=campaign)


class EnrolmentRecord(models.Model):
    """A person insured under one insurance type during a campaign: what progress counts."""

    class Source(models.TextChoices):
        ENTRY = "entry", _("推送清单核查")
        MANUAL = "manual", _("手工录入")
        IMPORT = "import", _("业务系统导入")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+", verbose_name=_("专项行动"))
    id_number = models.CharField(_("公民身份号码"), max_length=18)
    name = models.CharField(_("姓名"), max_length=100)
    insurance = models.CharField(_("险种"), max_length=20, choices=Insurance.choices)
    enrolled_on = models.DateField(_("参保日期"))
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+", verbose_name=_("镇(街道)"))
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("村(社区)")
    )
    contribution = models.DecimalField(_("个人缴费金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    is_transfer = models.BooleanField(_("城乡居民转入"), default=False)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    entry = models.ForeignKey(
        PushEntry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("推送清单条目"),
    )
    data_import = models.ForeignKey(
        DataImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("导入批次")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = EnrolmentRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("参保记录")
        verbose_name_plural = _("参保记录")
        ordering = ["-enrolled_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "id_number", "insurance"], name="record_unique_person_insurance"
            ),
            models.CheckConstraint(condition=Q(contribution__gte=0), name="record_contribution_not_negative"),
        ]
        indexes = [
            # The progress recompute's grouped read of a campaign's records: with what it sums in the index, it
            # reads the index alone (records of many counties share the table's pages: a heap fetch per record).
            models.Index(
                fields=["campaign", "insurance", "enrolled_on", "town"],
                include=["is_transfer", "contribution", "id"],
                name="record_progress_covering",
            ),
            models.Index(fields=["town", "enrolled_on"], name="record_town_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_insurance_display()} · {self.pk}"


class ConstructionProjectQuerySet(TownScopedQuerySet):
    pass


class ConstructionProject(models.Model):
    """A newly started construction project: it must take work-injury insurance before its permit."""

    name = models.CharField(_("项目名称"), max_length=200)
    permit_number = models.CharField(_("施工许可证号"), max_length=100)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("主管部门")
    )
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+", verbose_name=_("镇(街道)"))
    permit_date = models.DateField(_("施工许可日期"))
    injury_insured = models.BooleanField(_("已参加工伤保险"), default=False)
    insured_on = models.DateField(_("工伤保险参保日期"), null=True, blank=True)

    objects = ConstructionProjectQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("新开工工程建设项目")
        verbose_name_plural = _("新开工工程建设项目")
        ordering = ["-permit_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["town", "permit_number"], name="project_unique_permit"),
        ]
        indexes = [models.Index(fields=["permit_date", "town"], name="project_permit_date")]

    def __str__(self) -> str:
        return self.name


class PneumoconiosisRosterQuerySet(TownScopedQuerySet):
    pass


class PneumoconiosisRoster(models.Model):
    """A pneumoconiosis key-industry enterprise's workers and how many are covered, as of a date."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    enterprise = models.CharField(_("企业名称"), max_length=200)
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+", verbose_name=_("镇(街道)"))
    industry = models.CharField(_("行业"), max_length=100, blank=True)
    workers = models.PositiveIntegerField(_("劳动者人数"))
    covered_workers = models.PositiveIntegerField(_("参加工伤保险人数"))
    as_of = models.DateField(_("统计日期"))

    objects = PneumoconiosisRosterQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("尘肺病重点行业企业")
        verbose_name_plural = _("尘肺病重点行业企业")
        ordering = ["-as_of", "id"]
        constraints = [
            models.UniqueConstraint(fields=["uscc", "as_of"], name="roster_unique_per_date"),
            models.CheckConstraint(
                condition=Q(covered_workers__lte=models.F("workers")), name="roster_covered_within_workers"
            ),
        ]

    def __str__(self) -> str:
        return self.enterprise


class EntrySheetUpload(models.Model):
    """A filled-in queue workbook, parsed and kept until its owner confirms it.

    Only entry ids, versions and the status fields are kept (no names or ID numbers), so the preview
    can be shown again and the confirmation needs nothing but the token.
    """

    token = models.UUIDField(_("令牌"), unique=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("上传人")
    )
    file_name = models.CharField(_("文件名"), max_length=255)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # [{"row": 5, "entry_id": 1, "version": 2, "status": "enrolled", ...}]
    rows = models.JSONField(_("解析结果"), default=list)
    # [{"row": 7, "entry_id": null, "reason": "…"}]: rows that could not be read at all.
    problems = models.JSONField(_("问题行"), default=list)
    applied_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    applied = models.PositiveIntegerField(_("已更新"), default=0)

    class Meta:
        verbose_name = _("核查表回传")
        verbose_name_plural = _("核查表回传")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.file_name


class ReferenceKind(models.TextChoices):
    """The departments' reference lists (public codes), matched against the push lists."""

    DECEASED = "deceased", _("死亡人员")
    STUDENT = "student", _("16周岁以上在校学生")
    INSURED_16PLUS = "insured_16plus", _("16周岁以上参保人员")
    POVERTY = "poverty", _("脱贫人口和边缘易致贫人口")
    DIBAO_TEKUN = "dibao_tekun", _("低保和特困人员")
    DISABLED = "disabled", _("一至四级持证残疾人")
    HOUSEHOLD_MOVED = "household_moved", _("户籍迁出人员")
    REGISTERED_BUSINESS = "registered_business", _("登记在册的企业和个体工商户")
    TAX_PAYING_EMPLOYER = "tax_paying_employer", _("纳税用人单位")

    @classmethod
    def employer_kinds(cls) -> frozenset[str]:
        """Kinds keyed by the unified social credit code (the others by the citizen ID number)."""
        return frozenset({cls.REGISTERED_BUSINESS, cls.TAX_PAYING_EMPLOYER})

    @classmethod
    def tag_kinds(cls) -> frozenset[str]:
        """Kinds that only tag an entry (政府代缴对象, 在营单位): nothing to accept, no status change."""
        return frozenset({cls.POVERTY, cls.DIBAO_TEKUN, cls.DISABLED, *cls.employer_kinds()})


class ReferenceListQuerySet(models.QuerySet):
    """Admins see their county's lists; department staff their own department's; nobody else any."""

    def for_user(self, user) -> ReferenceListQuerySet:
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser or user.role == "admin":
            return self.filter(county_filter(user, "campaign__county"))
        if user.role == "department" and user.department_id:
            return self.filter(department=user.department_id)
        return self.none()


class ReferenceList(ImportBase):
    """One upload of a department's data (a reference list) of one kind, as of a date.

    A department's newest list of a kind (by ``as_of``, then by upload) is the current one, the one matched;
    the earlier ones are kept, and stay downloadable.
    """

    kind = models.CharField(_("数据类型"), max_length=30, choices=ReferenceKind.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="reference_lists", verbose_name=_("提供部门")
    )
    as_of = models.DateField(_("数据截止日期"))
    imported = models.PositiveIntegerField(_("导入"), default=0)
    duplicates = models.PositiveIntegerField(_("重复"), default=0)
    is_current = models.BooleanField(_("当前有效"), default=False)
    replaces = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("替换的清单")
    )

    objects = ReferenceListQuerySet.as_manager()

    class Meta:
        verbose_name = _("部门比对数据")
        verbose_name_plural = _("部门比对数据")
        ordering = ["-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind"], condition=Q(is_current=True), name="reference_one_current_per_kind"
            ),
            models.UniqueConstraint(
                fields=["campaign", "kind", "sha256"],
                condition=~Q(status=ImportStatus.FAILED),
                name="reference_unique_file_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.as_of:%Y-%m-%d}"


class ReferenceRow(models.Model):
    """One person (ID number) or employer (credit code) of a reference list, with what the department said."""

    reference_list = models.ForeignKey(
        ReferenceList, on_delete=models.CASCADE, related_name="rows", db_index=False, verbose_name=_("比对数据")
    )
    key = models.CharField(_("证件号码/统一社会信用代码"), max_length=18)
    name = models.CharField(_("姓名/单位名称"), max_length=200)
    # What decides the suggestion: for insured_16plus "local" or "elsewhere"; else the department's category.
    category = models.CharField(_("类别"), max_length=30, blank=True)
    # The other columns of the kind, normalised ({"death_date": "2021-05-20", "school": …}).
    details = models.JSONField(_("其他信息"), default=dict, blank=True)

    class Meta:
        verbose_name = _("比对数据行")
        verbose_name_plural = _("比对数据行")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["reference_list", "key"], name="reference_row_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.reference_list_id}:{self.pk}"


class EntrySuggestionQuerySet(TownScopedQuerySet):
    town_field = "entry__town"


class MatchedRow(models.Model):
    """What a department's list matched an entry with: the kind, and the list and row holding its number. No
    database constraint on the list and row (see `EntryMatch`); the ORM protects them."""

    kind = models.CharField(_("数据类型"), max_length=30, choices=ReferenceKind.choices)
    reference_list = models.ForeignKey(
        ReferenceList,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("来源清单"),
    )
    reference_row = models.ForeignKey(
        ReferenceRow,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("来源数据行"),
    )

    class Meta:
        abstract = True


class EntryMatch(MatchedRow):
    """An open suggestion or tag: a current department list holds an open entry's ID number or credit code.

    Derived data, rewritten by the matching (`enrolment.services.matching`): tens of thousands of these are
    written in one statement, so the row is narrow and its key, the entry and kind, is its only index (the
    page's prefetch reads it; the queue's filter by kind and the counts per list read the small table whole).
    No database constraint on the entry, list and row, which that statement has just read in its join (a
    deferred check costs a query per row at commit); the ORM still cascades from the entry and protects the
    list and row. A decision (accepted, dismissed) moves it to `EntrySuggestion`, which the matching never
    suggests again.
    """

    pk = models.CompositePrimaryKey("entry", "kind")
    entry = models.ForeignKey(
        PushEntry,
        on_delete=models.CASCADE,
        related_name="matches",
        db_index=False,
        db_constraint=False,
        verbose_name=_("条目"),
    )

    objects = EntrySuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("比对提示")
        verbose_name_plural = _("比对提示")

    def __str__(self) -> str:
        return f"{self.entry_id} · {self.get_kind_display()}"

    def as_suggestion(self) -> EntrySuggestion:
        """The open suggestion it stands for (unsaved), as the entry page and the acceptance read it."""
        suggestion = EntrySuggestion(
            entry_id=self.entry_id,
            kind=self.kind,
            reference_list_id=self.reference_list_id,
            reference_row_id=self.reference_row_id,
            status=EntrySuggestion.Status.OPEN,
        )
        for name in ("entry", "reference_list", "reference_row"):
            field = self._meta.get_field(name)
            if field.is_cached(self):
                setattr(suggestion, name, getattr(self, name))
        return suggestion


class EntrySuggestion(MatchedRow):
    """A suggestion someone decided: accepted or dismissed, by whom and when. Kept as history; the matching never
    suggests its entry and kind again. Open suggestions and tags are `EntryMatch` rows (tags are never decided);
    ``Status.OPEN`` names them when they are shown alongside (`EntryMatch.as_suggestion`).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        ACCEPTED = "accepted", _("已采纳")
        DISMISSED = "dismissed", _("已驳回")

    # No database constraint on the entry, list and row, as for the open matches it was.
    entry = models.ForeignKey(
        PushEntry,
        on_delete=models.CASCADE,
        related_name="suggestions",
        db_index=False,
        db_constraint=False,
        verbose_name=_("条目"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    reason = models.TextField(_("驳回原因"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("比对时间"), auto_now_add=True)

    objects = EntrySuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("比对提示")
        verbose_name_plural = _("比对提示")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "kind"], name="suggestion_unique_kind_per_entry"),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(reason=""), name="suggestion_dismissal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} · {self.get_kind_display()}"

    @property
    def is_tag(self) -> bool:
        return self.kind in ReferenceKind.tag_kinds()


class MatchingStateQuerySet(CountyScopedQuerySet):
    county_field = "campaign__county"


class MatchingState(models.Model):
    """The matching bookkeeping of one campaign: coalesces requests into one run at a time.

    ``status`` moves idle → queued → running → idle through conditional UPDATEs; ``dirty`` is set by every
    request and cleared when a run starts, so a request arriving during a run causes exactly one more run.
    """

    class Status(models.TextChoices):
        IDLE = "idle", _("空闲")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("比对中")

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="matching_state", verbose_name=_("专项行动")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.IDLE)
    dirty = models.BooleanField(_("有待比对的变更"), default=False)
    queued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("完成次数"), default=0)

    objects = MatchingStateQuerySet.as_manager()

    class Meta:
        verbose_name = _("比对状态")
        verbose_name_plural = _("比对状态")

    def __str__(self) -> str:
        return f"{self.campaign_id} · {self.get_status_display()}"
