"""The access log: who did what to which object, from where, and how it ended. Never the personal values.

Rows are written only through `audit.services.audit_record` and are never changed or deleted through the
application: saving an existing row, deleting one, or a queryset update or delete raises. Only the retention
task removes rows, and only those older than ``AUDIT_RETENTION_DAYS``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.scoping import NO_COUNTY, CountyScopedQuerySet, county_filter


class AccessLogQuerySet(CountyScopedQuerySet):
    def for_user(self, user: Any) -> AccessLogQuerySet:
        """A county's admins read its users' records and those of no county (failed logins of unknown names)."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        scope = county_filter(user, "county")
        if scope == NO_COUNTY:
            return self.none()
        if not scope:
            return self
        return self.filter(scope | models.Q(county__isnull=True))

    def personal_data(self) -> AccessLogQuerySet:
        """Views, reveals, lists, exports and downloads: the records of who saw or took personal data."""
        return self.filter(action__in=PERSONAL_DATA_ACTIONS)

    def update(self, **kwargs: object) -> int:
        raise PermissionDenied(_("访问日志不可修改"))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionDenied(_("访问日志不可删除"))

    def prune(self) -> int:
        """Remove these rows: for the retention task alone (see `audit.services.audit_prune`)."""
        return self._raw_delete(self.db)


class AccessLog(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKOUT = "lockout", _("账号锁定")
        LOGOUT = "logout", _("退出登录")
        SESSION_EXPIRED = "session_expired", _("会话过期")
        PASSWORD_CHANGE = "password_change", _("修改密码")
        VIEW = "view", _("查看")
        REVEAL = "reveal", _("查看完整个人信息")
        LIST = "list", _("列表（完整个人信息）")
        SEARCH = "search", _("检索")
        EXPORT = "export", _("导出")
        DOWNLOAD = "download", _("下载")
        UPLOAD = "upload", _("上传")
        REPORT = "report", _("报告状态变更")
        BULLETIN = "bulletin", _("通报状态变更")
        SUGGESTION = "suggestion", _("比对提示处理")
        USER_CHANGE = "user_change", _("用户变更")
        PERMISSION_CHANGE = "permission_change", _("权限变更")

    class Result(models.TextChoices):
        SUCCESS = "success", _("成功")
        FAILURE = "failure", _("失败")
        REFUSED = "refused", _("拒绝")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    # As typed at the login form for a failure (the account may not exist); the user's name otherwise.
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    county = models.ForeignKey(
        "campaigns.County",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("县(市、区)"),
    )
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    # "entry:123", "batch:5:rejected", "user:7" or a summary of filters (codes, never a searched name or ID).
    what = models.CharField(_("对象"), max_length=300, blank=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    unmasked = models.BooleanField(_("含完整个人信息"), default=False)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices, default=Result.SUCCESS)
    detail = models.CharField(_("说明"), max_length=500, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("访问日志")
        verbose_name_plural = _("访问日志")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "at"], name="accesslog_user_at"),
            models.Index(fields=["action", "at"], name="accesslog_action_at"),
            models.Index(fields=["what", "at"], name="accesslog_what_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} · {self.username} · {self.get_action_display()} · {self.what}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionDenied(_("访问日志不可修改"))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionDenied(_("访问日志不可删除"))


PERSONAL_DATA_ACTIONS = (
    AccessLog.Action.VIEW,
    AccessLog.Action.REVEAL,
    AccessLog.Action.LIST,
    AccessLog.Action.EXPORT,
    AccessLog.Action.DOWNLOAD,
)
