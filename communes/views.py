"""The communes' own look on the public site."""

from django.http import HttpResponse
from django.utils.cache import patch_cache_control

from .gate import active_commune_ids
from .models import Commune
from .validators import HEX_COLOUR_PATTERN

# A colour changed in the admin shows within this many seconds.
BRAND_COLOURS_MAX_AGE = 300


def brand_colours(request):
    """Each online commune's accent colour, as a stylesheet.

    The pages mark a commune's elements with `data-commune="<slug>"`: a style attribute would need 'unsafe-inline'
    in the Content-Security-Policy. Colours are checked again here, so that nothing but a colour reaches the CSS.
    """
    communes = Commune.objects.filter(pk__in=active_commune_ids()).exclude(brand_colour="").order_by("slug")
    rules = [
        f'[data-commune="{slug}"] {{ --accent: {colour}; }}\n'
        for slug, colour in communes.values_list("slug", "brand_colour")
        if HEX_COLOUR_PATTERN.match(colour)
    ]
    response = HttpResponse("".join(rules), content_type="text/css; charset=utf-8")
    patch_cache_control(response, public=True, max_age=BRAND_COLOURS_MAX_AGE)
    return response
