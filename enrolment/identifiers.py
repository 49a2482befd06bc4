"""Validation and normalisation of citizen ID numbers (GB 11643) and unified social credit codes (GB 32100).

Both identifiers carry a check character, so a typo is caught here instead of producing a second
person or company in the database. Values that spreadsheets turned into numbers are refused rather
than repaired: Excel keeps 15 significant digits, so the last digits of an 18-digit number are lost.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from operator import mul

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.text import normalize_text

__all__ = [
    "IdentifierError",
    "birth_date_of",
    "make_id_number",
    "make_uscc",
    "mask_id_number",
    "mask_phone",
    "normalize_id_number",
    "normalize_uscc",
]


class IdentifierError(ValueError):
    """An identifier that cannot be accepted; ``str(error)`` is a Chinese message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# What Excel shows or exports for a long number: "5.30422E+17", or "530422199001011234.0" once a float
# has been turned back into text by some tool in between. The exponent sign is required: without it,
# "91530000000005E583" is a perfectly valid credit code.
_NUMBER_AS_TEXT = re.compile(r"\d+(?:\.\d*)?[eE][+-]\d+|\d+\.\d*")


# An ID number exactly as a clean cell holds it (ASCII digits: unlike \d, [0-9] takes no other script's).
_ID_PLAIN = re.compile(r"[0-9]{17}[0-9Xx]")


def _stored_as_number(what: object) -> IdentifierError:
    return IdentifierError(
        _(
            "%(what)s被存成了数字：Excel 只保留 15 位有效数字，末几位可能已变成 0 或显示为科学计数法，无法确认原号码。"
            "请先将该列设置为文本格式，再重新填写%(what)s"
        )
        % {"what": what}
    )


def _clean(value: object, *, what: object) -> str:
    """Common first step: refuse numbers and non-text cells, then drop whitespace and fold full-width forms."""
    if isinstance(value, bool):
        raise IdentifierError(_("%(what)s应为文本，单元格中却是逻辑值（%(value)s）") % {"what": what, "value": value})
    if isinstance(value, int | float | Decimal):
        raise _stored_as_number(what)
    if value is None:
        raise IdentifierError(_("缺少%(what)s") % {"what": what})
    if not isinstance(value, str):
        raise IdentifierError(
            _("%(what)s应为文本，单元格中却是%(type)s类型的值") % {"what": what, "type": type(value).__name__}
        )
    text = normalize_text(value)
    if not text:
        raise IdentifierError(_("缺少%(what)s") % {"what": what})
    if _NUMBER_AS_TEXT.fullmatch(text):
        raise _stored_as_number(what)
    return text.upper()


# --- citizen ID number (GB 11643-1999) -------------------------------------------------------------

_ID = gettext_lazy("身份证号码")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_EARLIEST_BIRTH = date(1900, 1, 1)


# Each character's code point is its digit plus 48 ("0"): the weighted sum of the code points, less 48 times
# the weights' sum, is the weighted sum of the digits (ASCII digits only, which every caller has checked).
_ID_CODE_OFFSET = 48 * sum(_ID_WEIGHTS)


def _id_check_char(first17: str) -> str:
    # ISO 7064 MOD 11-2: the check value c satisfies (sum + c) % 11 == 1.
    check = (12 - (sum(map(mul, first17.encode("ascii"), _ID_WEIGHTS)) - _ID_CODE_OFFSET) % 11) % 11
    return "X" if check == 10 else str(check)


_STARTED_ON = date.today()


def _birth_date(digits: str, *, shown: str) -> date:
    """Parse YYYYMMDD; ``shown`` is how the date is quoted back to the user."""
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdentifierError(
            _("%(what)s中的出生日期“%(shown)s”不是有效日期，请核对号码") % {"what": _ID, "shown": shown}
        ) from None
    if born < _EARLIEST_BIRTH:
        raise IdentifierError(
            _("%(what)s中的出生日期“%(shown)s”早于 1900 年，请核对号码") % {"what": _ID, "shown": shown}
        )
    # A date on or before the day this process started is not in the future: date.today() only for later ones.
    if born > _STARTED_ON and born > date.today():
        raise IdentifierError(_("%(what)s中的出生日期“%(shown)s”晚于今天，请核对号码") % {"what": _ID, "shown": shown})
    return born


def normalize_id_number(value: object) -> str:
    """Return the 18-character citizen ID number, upper-case X, or raise `IdentifierError`.

    A 15-digit first-generation number (born 19YY) is converted to 18 digits. The region code is not
    checked: people registered anywhere in the country live and work in the county.
    """
    if type(value) is str and len(value) == 18 and _ID_PLAIN.fullmatch(value):
        # The usual cell, 18 ASCII characters with nothing to clean: the checks that are left, with their messages.
        return _checked_18(value if value[17] != "x" else value[:17] + "X")
    text = _clean(value, what=_ID)
    if len(text) == 15:
        if not all("0" <= char <= "9" for char in text):
            raise IdentifierError(_("%(what)s含有非法字符：15 位旧号码只能由数字组成") % {"what": _ID})
        _birth_date("19" + text[6:12], shown=text[6:12])
        first17 = text[:6] + "19" + text[6:]
        return first17 + _id_check_char(first17)
    if len(text) != 18:
        raise IdentifierError(_("%(what)s应为 18 位，实际为 %(length)d 位") % {"what": _ID, "length": len(text)})
    for position, char in enumerate(text, start=1):
        # Compared with "0" to "9" because str.isdigit() also accepts digits of other scripts, e.g. "²".
        if not ("0" <= char <= "9" or (char == "X" and position == 18)):
            raise IdentifierError(
                _("%(what)s含有非法字符“%(char)s”（第 %(position)d 位）：前 17 位只能是数字，最后一位只能是数字或 X")
                % {"what": _ID, "char": char, "position": position}
            )
    return _checked_18(text)


# Birth dates (YYYYMMDD) already found valid and on or before the day this process started: valid for good.
# At most one a day since 1900, so the set stays small; later dates are checked every time.
_VALID_BIRTHS: set[str] = set()
_STARTED_DIGITS = _STARTED_ON.strftime("%Y%m%d")


def _checked_18(text: str) -> str:
    """An 18-character number of valid characters: its birth date and check character."""
    digits = text[6:14]
    if digits not in _VALID_BIRTHS:
        _birth_date(digits, shown=digits)
        if digits <= _STARTED_DIGITS:
            _VALID_BIRTHS.add(digits)
    if _id_check_char(text[:17]) != text[17]:
        raise IdentifierError(_("%(what)s校验位错误，号码中有数字填错，请核对") % {"what": _ID})
    return text


def birth_date_of(id_number: object) -> date:
    """Date of birth encoded in an ID number (any form `normalize_id_number` accepts)."""
    normalized = normalize_id_number(id_number)
    return date(int(normalized[6:10]), int(normalized[10:12]), int(normalized[12:14]))


def make_id_number(region: str, birth: date, seq: int) -> str:
    """Build a valid 18-digit ID number, for tests and factories. ``seq`` is the 3-digit sequence code."""
    if not (len(region) == 6 and region.isascii() and region.isdigit()):
        raise ValueError(f"region must be 6 digits, got {region!r}")
    if not 0 <= seq <= 999:
        raise ValueError(f"seq must be between 0 and 999, got {seq}")
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + _id_check_char(first17)


# --- unified social credit code (GB 32100-2015) ----------------------------------------------------

_USCC = gettext_lazy("统一社会信用代码")
# I, O, S, V and Z are left out of the code's alphabet because they look like 1, 0, 5, U and 2.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {char: index for index, char in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_LOOKALIKES = {"I": "1", "O": "0", "S": "5", "V": "U", "Z": "2"}


def _uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUES[char] * weight for char, weight in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: object) -> str:
    """Return the 18-character upper-case unified social credit code, or raise `IdentifierError`."""
    text = _clean(value, what=_USCC)
    if len(text) != 18:
        raise IdentifierError(_("%(what)s应为 18 位，实际为 %(length)d 位") % {"what": _USCC, "length": len(text)})
    for position, char in enumerate(text, start=1):
        if char in _USCC_VALUES:
            continue
        if char in _USCC_LOOKALIKES:
            raise IdentifierError(
                _("%(what)s中不能出现字母 I、O、S、V、Z：第 %(position)d 位是“%(char)s”，是否应为“%(instead)s”？")
                % {"what": _USCC, "position": position, "char": char, "instead": _USCC_LOOKALIKES[char]}
            )
        raise IdentifierError(
            _("%(what)s含有非法字符“%(char)s”（第 %(position)d 位），只能是数字和大写字母")
            % {"what": _USCC, "char": char, "position": position}
        )
    if _uscc_check_char(text[:17]) != text[17]:
        raise IdentifierError(_("%(what)s校验位错误，代码中有字符填错，请核对") % {"what": _USCC})
    return text


def make_uscc(seed: int) -> str:
    """Build a valid unified social credit code, distinct for each ``seed`` below 31**9; for tests and factories."""
    if seed < 0:
        raise ValueError(f"seed must not be negative, got {seed}")
    body = []
    for _position in range(9):
        seed, index = divmod(seed, 31)
        body.append(_USCC_ALPHABET[index])
    # 9 = registered by the market regulator, 1 = enterprise; 530000 = Yunnan.
    first17 = "91530000" + "".join(reversed(body))
    return first17 + _uscc_check_char(first17)


# --- masking for display ---------------------------------------------------------------------------


def _mask(text: str, *, head: int, tail: int) -> str:
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]


def _mask_short(text: str) -> str:
    # Too short to reveal head and tail without revealing most of it.
    return _mask(text, head=0, tail=2) if len(text) > 2 else "*" * len(text)


def mask_id_number(id_number: str) -> str:
    """``530422199001011234`` -> ``530422********1234``: region and last four digits stay visible."""
    text = normalize_text(id_number)
    return _mask(text, head=6, tail=4) if len(text) >= 14 else _mask_short(text)


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``; other lengths keep the first 3 and last 4 when at least 8 long."""
    text = normalize_text(phone)
    return _mask(text, head=3, tail=4) if len(text) >= 8 else _mask_short(text)


# ID numbers (15 or 18 characters) and mobile numbers wherever they stand in a text, e.g. a rejected row's cell.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_personal_text(text: str) -> str:
    """``text`` with every ID number and mobile number in it masked as `mask_id_number` / `mask_phone` do."""
    text = _ID_IN_TEXT.sub(lambda match: mask_id_number(match.group()), text)
    return _MOBILE_IN_TEXT.sub(lambda match: mask_phone(match.group()), text)
