"""Password rules (等保 2.0 身份鉴别): at least ten characters with letters and digits, not the username, not common.

Django's validators give the length, similarity, common-password and all-digits rules; `LettersAndDigitsValidator`
adds the mix. `generate_password` makes one that passes them all, for accounts an administrator sets up (their
owner must change it at first login).
"""

from __future__ import annotations

import secrets
import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class LettersAndDigitsValidator:
    """At least one letter and one digit, and not the username itself (whatever its case)."""

    def validate(self, password: str, user: object = None) -> None:
        if not any(char.isascii() and char.isalpha() for char in password) or not any(
            char.isdigit() for char in password
        ):
            raise ValidationError(_("密码必须同时包含字母和数字。"), code="password_letters_and_digits")
        username = getattr(user, "username", "") or ""
        if username and password.casefold() == username.casefold():
            raise ValidationError(_("密码不能与用户名相同。"), code="password_is_username")

    def get_help_text(self) -> str:
        return _("密码必须同时包含字母和数字，且不能与用户名相同。")


_ALPHABET = string.ascii_letters + string.digits


def generate_password(length: int = 16) -> str:
    while True:
        password = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password
