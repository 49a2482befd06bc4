from datetime import date, timedelta
from decimal import Decimal

import pytest

from enrolment.identifiers import (
    IdentifierError,
    birth_date_of,
    make_id_number,
    make_uscc,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_uscc,
)

# The worked example from GB 11643-1999 (18 digits) and the same person's first-generation number.
STANDARD_EXAMPLE = "11010519491231002X"
FIRST_GENERATION_EXAMPLE = "110105491231002"


def with_last_char(id_number: str, last: str) -> str:
    return id_number[:-1] + last


# --- citizen ID numbers ------------------------------------------------------------------------------


def test_it_accepts_the_standard_example() -> None:
    assert normalize_id_number(STANDARD_EXAMPLE) == STANDARD_EXAMPLE


@pytest.mark.parametrize("region", ["532423", "530422", "530481", "110105", "440305", "650102"])
def test_it_accepts_valid_ids_from_any_region(region: str) -> None:
    id_number = make_id_number(region, date(1985, 7, 14), 37)
    assert normalize_id_number(id_number) == id_number


def test_it_accepts_a_lower_case_x_and_stores_it_upper_case() -> None:
    assert normalize_id_number(STANDARD_EXAMPLE.lower()) == STANDARD_EXAMPLE


def test_it_strips_spaces_and_folds_full_width_digits() -> None:
    full_width = "１１０１０５\u3000１９４９１２３１\u00a0００２ｘ"
    assert normalize_id_number(f" {full_width}\t") == STANDARD_EXAMPLE


def test_it_rejects_an_id_with_a_bad_check_digit() -> None:
    with pytest.raises(IdentifierError, match="身份证号码校验位错误"):
        normalize_id_number(with_last_char(STANDARD_EXAMPLE, "1"))


def test_it_rejects_a_birth_date_of_31_february() -> None:
    with pytest.raises(IdentifierError, match="出生日期“19900231”不是有效日期"):
        normalize_id_number("530422" + "19900231" + "1234")


def test_it_rejects_a_birth_date_in_the_future() -> None:
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(IdentifierError, match="晚于今天"):
        normalize_id_number(make_id_number("530422", tomorrow, 1))


def test_it_rejects_a_birth_date_before_1900() -> None:
    with pytest.raises(IdentifierError, match="早于 1900 年"):
        normalize_id_number(make_id_number("530422", date(1899, 12, 31), 1))


def test_it_converts_a_15_digit_number_to_18_digits() -> None:
    assert normalize_id_number(FIRST_GENERATION_EXAMPLE) == STANDARD_EXAMPLE


def test_it_rejects_a_15_digit_number_with_a_bad_birth_date() -> None:
    with pytest.raises(IdentifierError, match="出生日期“490231”不是有效日期"):
        normalize_id_number("110105490231002")


@pytest.mark.parametrize("number", [530422199001011234, 5.304221990010113e17, Decimal(530422199001011234)])
def test_it_rejects_an_id_stored_as_a_number(number: object) -> None:
    with pytest.raises(IdentifierError, match="被存成了数字.*设置为文本格式"):
        normalize_id_number(number)


@pytest.mark.parametrize("text", ["5.30422E+17", "5.304221990010113e+17", "530422199001011234.0", "１.２Ｅ＋１７"])
def test_it_rejects_an_id_in_scientific_notation_or_with_a_decimal_point(text: str) -> None:
    with pytest.raises(IdentifierError, match="被存成了数字.*设置为文本格式"):
        normalize_id_number(text)


@pytest.mark.parametrize("value", [None, "", "  \u3000 "])
def test_it_reports_a_missing_id(value: object) -> None:
    with pytest.raises(IdentifierError, match="^缺少身份证号码$"):
        normalize_id_number(value)


@pytest.mark.parametrize("value", ["11010519491231002", "11010519491231002X1", "1101"])
def test_it_rejects_an_id_of_the_wrong_length(value: str) -> None:
    with pytest.raises(IdentifierError, match=f"应为 18 位，实际为 {len(value)} 位"):
        normalize_id_number(value)


@pytest.mark.parametrize(
    ("value", "char", "position"),
    [("1101051949123100XX", "X", 17), ("11010519491231002Y", "Y", 18), ("110105194912310-2X", "-", 16)],
)
def test_it_names_the_illegal_character_in_an_id(value: str, char: str, position: int) -> None:
    with pytest.raises(IdentifierError, match=f"非法字符“{char}”（第 {position} 位）"):
        normalize_id_number(value)


def test_it_rejects_digits_from_other_scripts() -> None:
    # "²" passes str.isdigit(); it must not pass as an ID digit.
    with pytest.raises(IdentifierError, match="非法字符“²”"):
        normalize_id_number("²" + STANDARD_EXAMPLE[1:])


def test_it_rejects_a_cell_that_is_not_text() -> None:
    with pytest.raises(IdentifierError, match="应为文本"):
        normalize_id_number(date(1990, 1, 1))
    with pytest.raises(IdentifierError, match="应为文本"):
        normalize_id_number(True)


def test_it_reads_the_birth_date_of_an_id() -> None:
    assert birth_date_of(STANDARD_EXAMPLE) == date(1949, 12, 31)
    assert birth_date_of(FIRST_GENERATION_EXAMPLE) == date(1949, 12, 31)


def test_make_id_number_builds_what_the_validator_accepts() -> None:
    assert make_id_number("110105", date(1949, 12, 31), 2) == STANDARD_EXAMPLE
    ids = {make_id_number("530422", date(2000, 2, 29), seq) for seq in range(1000)}
    assert len(ids) == 1000
    assert all(normalize_id_number(id_number) == id_number for id_number in ids)


def test_make_id_number_refuses_impossible_input() -> None:
    with pytest.raises(ValueError):
        make_id_number("53042", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_id_number("530422", date(1990, 1, 1), 1000)


# --- unified social credit codes ------------------------------------------------------------------

# The worked example published with GB 32100-2015.
USCC_EXAMPLE = "91350100M000100Y43"


def test_it_accepts_a_valid_uscc() -> None:
    assert normalize_uscc(USCC_EXAMPLE) == USCC_EXAMPLE


def test_it_accepts_a_lower_case_uscc_with_spaces_and_full_width_letters() -> None:
    assert normalize_uscc(" 91350100ｍ000100y43\u3000") == USCC_EXAMPLE


def test_it_rejects_a_uscc_with_a_bad_check_character() -> None:
    with pytest.raises(IdentifierError, match="统一社会信用代码校验位错误"):
        normalize_uscc(with_last_char(USCC_EXAMPLE, "4"))


@pytest.mark.parametrize(("letter", "lookalike"), [("I", "1"), ("O", "0"), ("S", "5"), ("V", "U"), ("Z", "2")])
def test_it_rejects_the_letters_left_out_of_the_uscc_alphabet(letter: str, lookalike: str) -> None:
    code = USCC_EXAMPLE[:8] + letter + USCC_EXAMPLE[9:]
    with pytest.raises(IdentifierError, match=f"第 9 位是“{letter}”，是否应为“{lookalike}”"):
        normalize_uscc(code)


def test_it_rejects_a_uscc_of_the_wrong_length() -> None:
    with pytest.raises(IdentifierError, match="应为 18 位，实际为 15 位"):
        normalize_uscc("350100400001234")


def test_it_rejects_a_uscc_with_punctuation() -> None:
    with pytest.raises(IdentifierError, match="非法字符“-”（第 9 位）"):
        normalize_uscc("91350100-000100Y43")


def test_it_accepts_a_uscc_that_looks_like_a_number_without_an_exponent_sign() -> None:
    # Digits, an E, digits: not "5E583" in scientific notation but a valid code.
    assert normalize_uscc("91530000000005E583") == "91530000000005E583"


def test_it_rejects_a_uscc_stored_as_a_number() -> None:
    with pytest.raises(IdentifierError, match="统一社会信用代码被存成了数字"):
        normalize_uscc(1.2530000431234568e17)


def test_it_reports_a_missing_uscc() -> None:
    with pytest.raises(IdentifierError, match="^缺少统一社会信用代码$"):
        normalize_uscc(" ")


def test_make_uscc_builds_distinct_valid_codes() -> None:
    codes = {make_uscc(seed) for seed in range(0, 31**4, 97)}
    assert len(codes) == len(range(0, 31**4, 97))
    assert all(normalize_uscc(code) == code for code in codes)


# --- masks -----------------------------------------------------------------------------------------


def test_it_masks_an_id_number_keeping_region_and_last_four() -> None:
    assert mask_id_number("53042219900101123X") == "530422********123X"


def test_it_masks_an_11_digit_mobile_number() -> None:
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("0875-2123456", "087*****3456"), ("87654321", "876*4321"), ("1234567", "*****67"), ("12", "**"), ("", "")],
)
def test_it_masks_phone_numbers_of_other_lengths(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_masks_leave_an_empty_value_empty() -> None:
    assert mask_id_number("") == ""
    assert mask_phone("") == ""
