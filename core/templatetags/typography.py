"""French typography in templates: `{% load typography %}` (the rules are in `core.typography`)."""

from django import template

from core import typography

register = template.Library()


@register.filter
def french_date(day, arg=""):
    """`{{ day|french_date }}` → "1er mars 2026"; `{{ day|french_date:"weekday" }}` → "dimanche 1er mars 2026"."""
    return typography.french_date(day, weekday=arg == "weekday")


@register.filter
def french_datetime(moment):
    """`{{ moment|french_datetime }}` → "vendredi 25 décembre 2026 à 18 h"."""
    return typography.french_datetime(moment)


@register.simple_tag
def french_period(start, end):
    """`{% french_period start end %}` → "le 25 décembre 2026" or "du 1er mars 2026 au 3 avril 2026"."""
    return typography.french_period(start, end)


@register.filter
def french_plural(count):
    """`{% blocktranslate with shown=n count counter=n|french_plural %}{{ shown }} résultat{% plural %}…`."""
    return typography.french_plural(count)


@register.filter(is_safe=True)
def french_spacing(text):
    return typography.french_spacing(text)
