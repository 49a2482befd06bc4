import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.models import Role
from campaigns.places import PlaceError, town_lookup
from campaigns.services import county_lookup, department_lookup, region_lookup, user_create


class Command(BaseCommand):
    help = "创建用户。密码取自环境变量 NEW_USER_PASSWORD,未设置时交互输入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help="admin | office | town | department")
        parser.add_argument("--town", help="所属镇(街道),全称或简称")
        parser.add_argument("--department", help="所属部门")
        parser.add_argument("--county", help="管理员、办公室用户限定的县(市、区),名称或区划代码;省级账号不填")
        parser.add_argument("--region", help="市(州)、省级管理员和办公室用户所属区划的代码(如 530400),可见其下各县")
        parser.add_argument("--email", default="")

    def handle(self, *args: object, **options: str) -> None:
        role = options["role"]
        if role not in Role.values:
            raise CommandError(
                _("未知角色：%(role)s（可选：%(roles)s）") % {"role": role, "roles": ", ".join(Role.values)}
            )
        try:
            town = town_lookup(name=options["town"]) if options["town"] else None
            department = department_lookup(name=options["department"]) if options["department"] else None
            county = county_lookup(name=options["county"]) if options["county"] else None
            region = region_lookup(code=options["region"]) if options["region"] else None
            password = os.environ.get("NEW_USER_PASSWORD") or self._ask_password()
            user = user_create(
                username=options["username"],
                password=password,
                role=role,
                town=town,
                department=department,
                county=county,
                region=region,
                email=options["email"],
            )
        except PlaceError as exc:
            raise CommandError(exc.message) from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(
            _("已创建用户 %(username)s(%(role)s)") % {"username": user.username, "role": user.get_role_display()}
        )

    def _ask_password(self) -> str:
        try:
            first = getpass.getpass(_("密码："))
            second = getpass.getpass(_("再次输入密码："))
        except EOFError:
            raise CommandError(_("没有可输入密码的终端：请通过环境变量 NEW_USER_PASSWORD 提供密码")) from None
        if first != second:
            raise CommandError(_("两次输入的密码不一致"))
        if not first:
            raise CommandError(_("密码不能为空"))
        return first
