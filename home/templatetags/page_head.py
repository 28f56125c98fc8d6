"""Template tags of the page's <head> (templates/base.html)."""

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

register = template.Library()


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist, self.name = nodelist, name

    def render(self, context):
        # Already escaped by the variables rendered inside it; blocks inside stay overridable by child templates.
        context[self.name] = mark_safe(self.nodelist.render(context).strip())
        return ""


@register.tag
def capture(parser, token):
    """`{% capture as name %}…{% endcapture %}`: render once, use twice (the page's title in <title> and og:title)."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.simple_tag(takes_context=True)
def public_url(context):
    """This page's address on the public site, for og:url: PUBLIC_BASE_URL, never the Host header a client sent
    (which may be any name, and which Django refuses to read when it is not an allowed host)."""
    request = context.get("request")
    return settings.PUBLIC_BASE_URL + (request.get_full_path() if request is not None else "/")


@register.filter
def on_public_site(url):
    """An address served by this site (an image's rendition), made absolute with PUBLIC_BASE_URL unless it already is
    (object storage)."""
    return url if url.startswith(("http://", "https://")) else settings.PUBLIC_BASE_URL + url
