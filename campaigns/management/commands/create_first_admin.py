from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from campaigns.models import Role, User
from campaigns.passwords import generate_password
from campaigns.services import user_create


class Command(BaseCommand):
    help = "系统中还没有任何用户时，创建首个管理员并一次性显示随机生成的密码。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args: object, username: str, **options: object) -> None:
        if User.objects.exists():
            return
        password = generate_password()
        user_create(username=username, password=password, role=Role.ADMIN)
        User.objects.filter(username=username).update(is_superuser=True)
        # Boxed, at the end of `make run`'s set-up, so it is not lost in the migrations' output above it.
        rule = "=" * 60
        lines = [
            rule,
            "  " + _("首个管理员已创建（密码仅显示这一次，请登录后修改）"),
            "  " + _("用户名：%(username)s") % {"username": username},
            "  " + _("密码：%(password)s") % {"password": password},
            rule,
        ]
        self.stdout.write(self.style.WARNING("\n".join(["", *lines, ""])))
