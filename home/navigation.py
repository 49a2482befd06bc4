"""The menu each role sees. Built here, in Python, so templates hold no permission checks."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from campaigns.models import Role, User


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    # Only for an account above a county (a prefecture's, a province's).
    above_a_county: bool = False

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_EVERYONE = frozenset(Role.values)
_STAFF_ADMIN = frozenset({Role.ADMIN})
_QUEUE = frozenset({Role.ADMIN, Role.OFFICE, Role.TOWN})
_UNITS = frozenset({Role.TOWN, Role.DEPARTMENT})
_REVIEWERS = frozenset({Role.ADMIN, Role.OFFICE})

NAV_ITEMS: list[NavItem] = [
    NavItem(_("工作台"), "home", _EVERYONE),
    NavItem(_("工作看板"), "dashboard", _REVIEWERS),
    NavItem(_("推送清单核查"), "entry-list", _QUEUE),
    NavItem(_("推送批次"), "batch-list", _REVIEWERS),
    NavItem(_("数据导入"), "data-import-list", _REVIEWERS),
    NavItem(_("部门比对数据"), "reference-list", frozenset({Role.ADMIN, Role.DEPARTMENT})),
    NavItem(_("目标任务进度"), "progress", _EVERYONE),
    NavItem(_("基数设置"), "baselines", _REVIEWERS),
    NavItem(_("市（州）方案"), "region-plans", _REVIEWERS, above_a_county=True),
    NavItem(_("参保记录"), "records", _QUEUE),
    NavItem(_("月度报告"), "reporting:list", _UNITS),
    NavItem(_("报告报送情况"), "reporting:overview-index", _REVIEWERS),
    NavItem(_("季度督导"), "reporting:supervision", _EVERYONE),
    NavItem(_("按月通报"), "bulletins:list", _EVERYONE),
    NavItem(_("访问日志"), "audit:log", _STAFF_ADMIN),
    NavItem(_("管理后台"), "admin:index", _STAFF_ADMIN),
]


def nav_items_for(user: User) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    role = Role.ADMIN if user.is_superuser and not user.role else user.role
    above_a_county = bool(user.region_id)
    return [item for item in NAV_ITEMS if role in item.roles and (above_a_county or not item.above_a_county)]
