"""Every word a template shows goes through gettext, so a county can change it in its catalogue.

The scanner reads each template with Django's own lexer and flags Chinese text (ideographs; punctuation
between values carries no wording) outside ``{% translate %}``, ``{% blocktranslate %}…{% endblocktranslate %}``
and ``_("…")``. Comments are not shown, and ``data-*`` attribute values are hooks for scripts and tests, not
wording.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
QUOTED = r"(?:\"[^\"]*\"|'[^']*')"
TRANSLATED_ARGUMENT = re.compile(rf"_\(\s*{QUOTED}\s*\)")
TRANSLATE_TAG = re.compile(rf"^(?:trans|translate)\s+{QUOTED}")
DATA_ATTRIBUTE = re.compile(rf"\sdata-[\w-]+={QUOTED}")
BLOCK_ENDS = {"blocktrans": "endblocktrans", "blocktranslate": "endblocktranslate", "comment": "endcomment"}


def untranslated(source: str) -> list[tuple[int, str]]:
    """(line, text) for each template token that shows Chinese outside a translation tag."""
    found: list[tuple[int, str]] = []
    until: str | None = None
    for token in Lexer(source).tokenize():
        contents = token.contents
        words = contents.split()
        first = words[0] if words else ""
        if until:
            if token.token_type == TokenType.BLOCK and first == until:
                until = None
            continue
        if token.token_type == TokenType.COMMENT:
            continue
        if token.token_type == TokenType.BLOCK:
            if first in BLOCK_ENDS:
                until = BLOCK_ENDS[first]
                continue
            contents = TRANSLATE_TAG.sub("", contents)
        elif token.token_type == TokenType.TEXT:
            contents = DATA_ATTRIBUTE.sub("", contents)
        contents = TRANSLATED_ARGUMENT.sub("", contents)
        if IDEOGRAPH.search(contents):
            found.append((token.lineno, contents.strip()))
    return found


def test_the_scanner_finds_chinese_text_outside_translation_tags() -> None:
    source = (
        "{% load i18n %}<h1>推送清单</h1>"
        '{% translate "推送清单" %}{% blocktranslate with n=count %}共 {{ n }} 条{% endblocktranslate %}'
        '{{ value|default:_("无") }}{# 注释 #}{% comment %}说明{% endcomment %}<tr data-unit="全市">'
        '<input placeholder="姓名">{{ value|default:"无" }}'
    )
    assert [text for _, text in untranslated(source)] == [
        "<h1>推送清单</h1>",
        '<tr><input placeholder="姓名">',
        'value|default:"无"',
    ]


def test_the_scanner_lets_punctuation_between_values_through() -> None:
    assert untranslated("{{ a }}（{{ b }}）、{{ c }}：") == []


@pytest.mark.parametrize(
    "name", sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")), ids=str
)
def test_template_shows_no_chinese_outside_translation_tags(name: str) -> None:
    assert untranslated((TEMPLATES / name).read_text(encoding="utf-8")) == []


def test_the_catalogue_holds_no_fuzzy_guesses() -> None:
    # msgmerge's guesses are ignored by gettext but would show a county the wrong wording to start from.
    catalogue = TEMPLATES.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    flags = [line for line in catalogue.read_text(encoding="utf-8").splitlines() if line.startswith("#,")]
    assert [line for line in flags if "fuzzy" in line] == []
