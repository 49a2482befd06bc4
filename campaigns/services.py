from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from campaigns.models import County, Department, Role, Town, User
from campaigns.roles import group_for


def department_lookup(*, name: str, county_id: int | None = None) -> Department:
    name = name.strip()
    departments = Department.objects.filter(Q(name=name) | Q(full_name=name))
    if county_id is not None:
        departments = departments.filter(county_id=county_id)
    found = list(departments[:2])
    if not found:
        raise ValidationError(_("找不到部门:%(name)s") % {"name": name})
    if len(found) > 1:
        raise ValidationError(_("部门名称不唯一:%(name)s,请使用全称") % {"name": name})
    return found[0]


def county_lookup(*, name: str) -> County:
    """A county by its name (澄江市) or division code (530481)."""
    county = County.objects.filter(Q(name=name.strip()) | Q(division_code=name.strip())).first()
    if county is None:
        raise ValidationError(_("找不到县(市、区):%(name)s") % {"name": name})
    return county


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    town: Town | None = None,
    department: Department | None = None,
    county: County | None = None,
    email: str = "",
    full_name: str = "",
) -> User:
    """Create a staff account in one role, tied to its town or department as the role requires."""
    if role not in Role.values:
        raise ValidationError(_("未知角色:%(role)s(可选:%(roles)s)") % {"role": role, "roles": ", ".join(Role.values)})
    if role == Role.TOWN and town is None:
        raise ValidationError(_("镇(街道)经办人必须指定所属镇(街道)"))
    if role == Role.DEPARTMENT and department is None:
        raise ValidationError(_("部门经办人必须指定所属部门"))
    if role != Role.TOWN and town is not None:
        raise ValidationError(_("只有镇(街道)经办人可以指定镇(街道)"))
    if role != Role.DEPARTMENT and department is not None:
        raise ValidationError(_("只有部门经办人可以指定部门"))
    if county is not None and role not in (Role.ADMIN, Role.OFFICE):
        raise ValidationError(_("只有管理员和办公室用户可以指定县(市、区),其他角色随所属镇(街道)或部门确定"))
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("用户名已存在:%(username)s") % {"username": username})

    user = User(
        username=username,
        email=email,
        first_name=full_name,
        role=role,
        county=county,
        town=town,
        department=department,
        is_staff=role == Role.ADMIN,
    )
    validate_password(password, user)
    # Set by an administrator (or generated): the owner chooses their own at the first login.
    user.password_set(password, by=None)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(group_for(role))
    return user
