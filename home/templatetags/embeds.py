import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def with_iframe_title(embed_html, title):
    """Give an embedded player its accessible name (RGAA 2.1): providers' iframes often have none."""
    html = str(embed_html)
    if re.search(r"<iframe\b[^>]*\btitle=", html):
        return mark_safe(html)  # noqa: S308 - the provider's embed HTML, as Wagtail renders it
    return mark_safe(re.sub(r"<iframe\b", f'<iframe title="{escape(title)}"', html, count=1))  # noqa: S308
