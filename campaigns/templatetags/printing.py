"""The printed page's title block: what a page is called, read from the page's own ``title`` block."""

from __future__ import annotations

from django import template
from django.template.context import Context
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def page_title(context: Context) -> SafeString | str:
    """The ``title`` block as the page filled it in (the browser tab's text, without the site name), so the
    printed title and the tab never disagree and no page has to say its title twice."""
    blocks = context.render_context.get(BLOCK_CONTEXT_KEY)
    node = blocks.get_block("title") if blocks else None
    return node.nodelist.render(context).strip() if node else ""
