"""The communes' own look on the public site."""

from django.http import HttpResponse

from .gate import active_commune_ids
from .models import Commune
from .validators import HEX_COLOUR_PATTERN


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
    # Kept and revalidated like the pages (core.pagecache): a colour changed in the admin shows at the next page.
    return HttpResponse("".join(rules), content_type="text/css; charset=utf-8")
