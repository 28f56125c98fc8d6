"""`{{ page|breadcrumb_ancestors }}`: the pages above this one, as read while routing (core.routing)."""

from django import template

from core.routing import breadcrumb_ancestors as ancestors_of

register = template.Library()


@register.filter
def breadcrumb_ancestors(page):
    return ancestors_of(page)
