"""Free text from a spreadsheet cell is cleaned the same way however it is spelt."""

from __future__ import annotations

import pytest

from campaigns.text import normalize_spaced_text, normalize_text


@pytest.mark.parametrize(
    "value",
    ["澄江市　凤麓街道  １２号", "Ａｂｃ\t\n（东）", " \u200b 张\u200b三 ", "", "plain ascii  text", "\u3000\u00a0"],
)
def test_spaced_text_collapses_whitespace_and_folds_full_width_as_word_by_word_cleaning_would(value: str) -> None:
    assert normalize_spaced_text(value) == " ".join(normalize_text(part) for part in value.split())


def test_spaced_text_keeps_one_space_between_words() -> None:
    assert normalize_spaced_text("澄江市　凤麓街道  １２号") == "澄江市 凤麓街道 12号"
