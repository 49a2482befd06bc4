from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from campaigns.models import County, Department, Region, Role, Town, User
from campaigns.regions import RegionFileError, RegionRow, parent_error
from campaigns.roles import group_for


def department_lookup(*, name: str, county_id: int | None = None) -> Department:
    name = name.strip()
    departments = Department.objects.filter(Q(name=name) | Q(full_name=name))
    if county_id is not None:
        departments = departments.filter(county_id=county_id)
    found = list(departments[:2])
    if not found:
        raise ValidationError(_("找不到部门：%(name)s") % {"name": name})
    if len(found) > 1:
        raise ValidationError(_("部门名称不唯一：%(name)s，请使用全称") % {"name": name})
    return found[0]


def county_lookup(*, name: str) -> County:
    """A county by its name (澄江市) or division code (530481)."""
    county = County.objects.filter(Q(name=name.strip()) | Q(division_code=name.strip())).first()
    if county is None:
        raise ValidationError(_("找不到县(市、区):%(name)s") % {"name": name})
    return county


def region_lookup(*, code: str) -> Region:
    """A region by its division code (530400)."""
    region = Region.objects.filter(code=code.strip()).first()
    if region is None:
        raise ValidationError(_("找不到区划代码为 %(code)s 的行政区划，请先用 load_regions 载入") % {"code": code})
    return region


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    town: Town | None = None,
    department: Department | None = None,
    county: County | None = None,
    region: Region | None = None,
    email: str = "",
    full_name: str = "",
) -> User:
    """Create a staff account in one role, tied to its town or department as the role requires."""
    if role not in Role.values:
        raise ValidationError(
            _("未知角色：%(role)s（可选：%(roles)s）") % {"role": role, "roles": ", ".join(Role.values)}
        )
    if role == Role.TOWN and town is None:
        raise ValidationError(_("镇(街道)经办人必须指定所属镇(街道)"))
    if role == Role.DEPARTMENT and department is None:
        raise ValidationError(_("部门经办人必须指定所属部门"))
    if role != Role.TOWN and town is not None:
        raise ValidationError(_("只有镇(街道)经办人可以指定镇(街道)"))
    if role != Role.DEPARTMENT and department is not None:
        raise ValidationError(_("只有部门经办人可以指定部门"))
    if region is not None and (role not in (Role.ADMIN, Role.OFFICE) or county is not None):
        raise ValidationError(_("只有市（州）、省级的管理员和办公室用户可以指定区划（不再指定县(市、区)）"))
    if county is not None and role not in (Role.ADMIN, Role.OFFICE):
        raise ValidationError(_("只有管理员和办公室用户可以指定县(市、区)，其他角色随所属镇(街道)或部门确定"))
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("用户名已存在：%(username)s") % {"username": username})

    user = User(
        username=username,
        email=email,
        first_name=full_name,
        role=role,
        county=county,
        region=region,
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


@dataclass(frozen=True)
class RegionsLoaded:
    created: int
    updated: int
    unchanged: int
    counties_attached: int


@transaction.atomic
def regions_load(*, rows: list[RegionRow]) -> RegionsLoaded:
    """Create or update the regions of a checked file (`campaigns.regions.read_region_file`), keyed by code.

    All or nothing: a parent that is neither in the file nor in the tree, or that cannot be the parent, refuses
    the whole file with every such line named. Loading the same file again changes nothing. Afterwards every
    region's path is rebuilt and each county hangs from the county-level region of its division code.
    """
    existing = {region.code: region for region in Region.objects.all()}
    levels = {code: region.level for code, region in existing.items()} | {row.code: row.level for row in rows}
    errors = [error for row in rows if row.parent_code and (error := parent_error(row, levels.get(row.parent_code)))]
    if errors:
        raise RegionFileError(errors)

    created = updated = 0
    new = []
    for row in rows:
        region = existing.get(row.code)
        if region is None:
            new.append(Region(code=row.code, name=row.name, level=row.level, path=f"{row.code}/"))
    Region.objects.bulk_create(new)
    created = len(new)
    by_code = {region.code: region for region in Region.objects.all()}
    changed = []
    for row in rows:
        region = by_code[row.code]
        parent_id = by_code[row.parent_code].pk if row.parent_code else None
        if (region.name, region.level, region.parent_id) != (row.name, row.level, parent_id):
            if row.code in existing:
                updated += 1
            region.name, region.level, region.parent_id = row.name, row.level, parent_id
            changed.append(region)
    Region.objects.bulk_update(changed, ["name", "level", "parent"], batch_size=2000)
    _region_paths_rebuild(by_code.values())
    attached = counties_attach_to_regions()
    return RegionsLoaded(
        created=created, updated=updated, unchanged=len(rows) - created - updated, counties_attached=attached
    )


def _region_paths_rebuild(regions: Iterable[Region]) -> None:
    by_id = {region.pk: region for region in regions}
    paths: dict[int, str] = {}

    def path_of(region: Region) -> str:
        if region.pk not in paths:
            parent = by_id.get(region.parent_id)
            paths[region.pk] = (path_of(parent) if parent else "") + f"{region.code}/"
        return paths[region.pk]

    stale = []
    for region in by_id.values():
        path = path_of(region)
        if region.path != path:
            region.path = path
            stale.append(region)
    Region.objects.bulk_update(stale, ["path"], batch_size=2000)


def counties_attach_to_regions() -> int:
    """Hang every county from the region of its division code; returns how many moved."""
    return sum(county_attach_to_region(county) for county in County.objects.all())


def county_attach_to_region(county: County) -> bool:
    """Hang a county from the region of its division code, creating a root node for it if that region is not
    loaded yet (load_regions later puts the node under its prefecture). True if the county moved."""
    region = Region.objects.filter(code=county.division_code).first()
    if region is None:
        region = Region.objects.create(
            code=county.division_code, name=county.name, level=Region.Level.COUNTY, path=f"{county.division_code}/"
        )
    if county.region_id == region.pk:
        return False
    County.objects.filter(pk=county.pk).update(region=region)
    county.region = region
    return True
