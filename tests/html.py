"""Checks on the HTML a page sends, before a browser gets to repair it."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormNesting(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[int] = []
        self.nested: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            if self.open:
                self.nested.append(dict(attrs).get("action") or f"(line {self.getpos()[0]})")
            self.open.append(self.getpos()[0])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.open:
            self.open.pop()


def nested_forms(html: str) -> list[str]:
    """The forms that start inside another form: a browser drops them (and their fields join the outer form,
    while their closing tag ends the outer one), so such a page can never be submitted as written."""
    parser = _FormNesting()
    parser.feed(html)
    parser.close()
    return parser.nested
