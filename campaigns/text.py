"""Text clean-up shared by the spreadsheet reader and the identifier validators."""

from __future__ import annotations

# Full-width ASCII variants (！ to ～) map onto ASCII by a fixed offset. Chinese input methods
# produce them for digits, letters and brackets, so "所属镇（街道）" must equal "所属镇(街道)".
_FULL_WIDTH_OFFSET = 0xFF01 - 0x21
_FOLD = {code: code - _FULL_WIDTH_OFFSET for code in range(0xFF01, 0xFF5E + 1)}
# Not whitespace for str.split(), but pasted from web pages and Word documents just the same:
# zero-width space/joiners and a stray byte-order mark.
_FOLD.update({code: None for code in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)})


def normalize_text(value: object) -> str:
    """Return ``str(value)`` without any whitespace and with full-width ASCII folded to half-width.

    Whitespace means everything ``str.split()`` splits on: ASCII blanks, tabs and newlines, the
    ideographic space U+3000 and the no-break space U+00A0 among them. No other Unicode
    normalisation is applied. ``None`` becomes ``""``.
    """
    if value is None:
        return ""
    return "".join(str(value).translate(_FOLD).split())


def normalize_spaced_text(value: str) -> str:
    """Free text: whitespace runs collapsed to one space, full-width ASCII folded (what `normalize_text` folds).

    The same as ``" ".join(normalize_text(part) for part in value.split())``: folding never makes whitespace.
    """
    return " ".join(value.split()).translate(_FOLD)
