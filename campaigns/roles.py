"""The four roles as Django groups, and the permissions each holds.

The groups are kept in step with this table after every ``migrate`` (as Django creates permissions then),
so a permission added here reaches every user of the role without a data migration.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from campaigns.models import Role

_ALL = ("add", "change", "delete", "view")

# app_label -> model -> actions, or "app_label.codename" for custom permissions.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [
        *(f"campaigns.{a}_{m}" for m in ("campaign", "phase", "town", "village", "department", "user") for a in _ALL),
        *(f"targets.{a}_{m}" for m in ("indicator", "target") for a in _ALL),
        "targets.view_progresssnapshot",
        "targets.view_progressstate",
        "targets.set_baseline",
        "targets.view_dashboard",
        *(
            f"enrolment.{a}_{m}"
            for m in (
                "batch",
                "pushentry",
                "dataimport",
                "enrolmentrecord",
                "constructionproject",
                "pneumoconiosisroster",
                "referencelist",
            )
            for a in _ALL
        ),
        "enrolment.view_entrysuggestion",
        "enrolment.change_entrysuggestion",
        "enrolment.view_entrypush",
        "enrolment.add_regionbatch",
        "enrolment.view_regionbatch",
        "campaigns.add_regionplan",
        "campaigns.view_regionplan",
        "enrolment.view_unmasked_personal_data",
        "enrolment.reveal_personal_data",
        "enrolment.export_entries",
        *(
            f"reporting.{a}_{m}"
            for m in ("report", "reportattachment", "supervisionvisit", "notice", "reminderlog")
            for a in _ALL
        ),
        "reporting.view_reportevent",
        "reporting.review_report",
        "audit.view_accesslog",
    ],
    Role.OFFICE: [
        *(f"campaigns.view_{m}" for m in ("campaign", "phase", "town", "village", "department", "regionplan")),
        *(f"targets.view_{m}" for m in ("indicator", "target")),
        "targets.set_baseline",
        "targets.view_dashboard",
        *(
            f"enrolment.view_{m}"
            for m in ("batch", "dataimport", "pushentry", "enrolmentrecord", "constructionproject")
        ),
        "enrolment.view_pneumoconiosisroster",
        "enrolment.view_entrysuggestion",
        "enrolment.export_entries",
        "reporting.view_report",
        "reporting.review_report",
        "reporting.view_supervisionvisit",
        "bulletins.manage_bulletin",
    ],
    Role.TOWN: [
        "campaigns.view_village",
        "targets.view_target",
        "enrolment.view_pushentry",
        "enrolment.change_pushentry",
        "enrolment.view_entrysuggestion",
        "enrolment.change_entrysuggestion",
        "enrolment.reveal_personal_data",
        "enrolment.export_entries",
        "enrolment.view_enrolmentrecord",
        "enrolment.add_enrolmentrecord",
        "reporting.view_report",
        "reporting.file_report",
    ],
    Role.DEPARTMENT: [
        # Their own department's reference lists only: the kinds each department owns are checked by the
        # upload service (enrolment.services.references), the department's lists by ReferenceList.for_user.
        "enrolment.add_referencelist",
        "enrolment.view_referencelist",
        "targets.view_target",
        "reporting.view_report",
        "reporting.file_report",
    ],
}


def roles_sync() -> None:
    """Create the role groups and give each exactly the permissions of ROLE_PERMISSIONS."""
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=Role(role).label)
        wanted = Q(pk__in=[])
        for name in names:
            app_label, codename = name.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(wanted))


def group_for(role: str) -> Group:
    return Group.objects.get(name=Role(role).label)
