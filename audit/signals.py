"""What is recorded without any view asking: logins, lockouts, logouts, and every change to a user's privileges."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.utils.translation import gettext as _

from audit.services import Action, Result, audit_record

# The fields whose change is a change of what the account may do; their values are recorded.
_PRIVILEGE_FIELDS = (
    "role",
    "region_id",
    "county_id",
    "town_id",
    "department_id",
    "is_active",
    "is_staff",
    "is_superuser",
)
_OTHER_FIELDS = ("username", "first_name", "last_name", "email", "phone")


def _logged_in(sender: object, request: Any, user: Any, **kwargs: object) -> None:
    audit_record(action=Action.LOGIN, what=f"user:{user.pk}", user=user, request=request)


def _login_failed(sender: object, credentials: dict[str, Any], request: Any = None, **kwargs: object) -> None:
    # The credentials dict holds the password too: only the username is kept.
    username = str(credentials.get("username") or "")[:150]
    known = get_user_model().objects.filter(username=username).first() if username else None
    audit_record(
        action=Action.LOGIN_FAILED,
        what=f"user:{known.pk}" if known else "",
        user=known,
        username=username,
        request=request,
        result=Result.FAILURE,
    )


def _logged_out(sender: object, request: Any, user: Any, **kwargs: object) -> None:
    if user is not None:
        audit_record(action=Action.LOGOUT, what=f"user:{user.pk}", user=user, request=request)


def _locked_out(sender: object, request: Any = None, username: str | None = None, **kwargs: object) -> None:
    known = get_user_model().objects.filter(username=username).first() if username else None
    audit_record(
        action=Action.LOCKOUT,
        what=f"user:{known.pk}" if known else "",
        user=known,
        username=str(username or "")[:150],
        request=request,
        result=Result.REFUSED,
        detail=_("连续登录失败，账号或地址已锁定"),
    )


def _user_before_save(sender: Any, instance: Any, update_fields: Any = None, **kwargs: object) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        instance._audit_before = None
        return
    instance._audit_before = (
        sender.objects.filter(pk=instance.pk).values(*_PRIVILEGE_FIELDS, *_OTHER_FIELDS, "password").first()
        if instance.pk
        else None
    )


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return "—" if value in (None, "") else str(value)


def _user_after_save(sender: Any, instance: Any, created: bool, **kwargs: object) -> None:
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    what = f"user:{instance.pk}"
    if created:
        granted = "，".join(f"{name}={_shown(getattr(instance, name))}" for name in _PRIVILEGE_FIELDS)
        audit_record(
            action=Action.USER_CHANGE,
            what=what,
            detail=_("新建用户 %(username)s：%(granted)s") % {"username": instance.username, "granted": granted},
        )
        return
    if before is None:
        return
    changes = [
        f"{name}: {_shown(before[name])}→{_shown(getattr(instance, name))}"
        for name in _PRIVILEGE_FIELDS
        if before[name] != getattr(instance, name)
    ]
    if changes:
        audit_record(action=Action.PERMISSION_CHANGE, what=what, detail="；".join(changes))
    others = [name for name in _OTHER_FIELDS if before[name] != getattr(instance, name)]
    if others:
        audit_record(action=Action.USER_CHANGE, what=what, detail=_("修改：%(fields)s") % {"fields": "、".join(others)})
    if before["password"] != instance.password:
        audit_record(action=Action.PASSWORD_CHANGE, what=what)


def _memberships_changed(sender: Any, instance: Any, action: str, model: Any, pk_set: Any, **kwargs: object) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    verb = {"post_add": _("授予"), "post_remove": _("收回"), "post_clear": _("清空")}[action]
    names = ""
    if pk_set:
        field = {Group: "name", Permission: "codename"}.get(model, "username")
        names = "、".join(
            sorted(str(name) for name in model.objects.filter(pk__in=pk_set).values_list(field, flat=True))
        )
    owner = "group" if isinstance(instance, Group) else "user"
    audit_record(action=Action.PERMISSION_CHANGE, what=f"{owner}:{instance.pk}", detail=f"{verb}：{names}".rstrip("："))


def connect() -> None:
    user_model = get_user_model()
    user_logged_in.connect(_logged_in, dispatch_uid="audit.logged_in")
    user_login_failed.connect(_login_failed, dispatch_uid="audit.login_failed")
    user_logged_out.connect(_logged_out, dispatch_uid="audit.logged_out")
    pre_save.connect(_user_before_save, sender=user_model, dispatch_uid="audit.user_before")
    post_save.connect(_user_after_save, sender=user_model, dispatch_uid="audit.user_after")
    for through in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(_memberships_changed, sender=through, dispatch_uid=f"audit.m2m.{through._meta.label}")
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="audit.locked_out")
