"""Validation of the facts that identify a commune and style its space."""

import re

from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

# Five characters: five digits, or 2A/2B and three digits for Corsica.
INSEE_CODE_PATTERN = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
POSTAL_CODE_PATTERN = re.compile(r"^\d{5}$")
HEX_COLOUR_PATTERN = re.compile(r"^#[0-9A-Fa-f]{6}$")

# WCAG 2.1 AA (RGAA 3.2) for normal text: white text on the brand colour, and
# the brand colour as text on the site's backgrounds (white and the pale
# banner grey of static/css/site.css), all need this ratio.
MINIMUM_CONTRAST_RATIO = 4.5
BACKGROUNDS = ("#FFFFFF", "#F3F5F8")


def validate_insee_code(value):
    if not INSEE_CODE_PATTERN.match(value or ""):
        raise ValidationError(
            _(
                "Le code INSEE « %(value)s » n'est pas valide : il compte exactement cinq caractères, "
                "cinq chiffres (par exemple 54395), ou 2A ou 2B suivis de trois chiffres pour la Corse."
            ),
            code="invalid_insee_code",
            params={"value": value},
        )


def validate_postal_codes(value):
    invalid = [code for code in (value or "").split() if not POSTAL_CODE_PATTERN.match(code)]
    if invalid:
        raise ValidationError(
            _("Codes postaux non valides : %(codes)s. Saisissez des codes à cinq chiffres séparés par des espaces."),
            code="invalid_postal_codes",
            params={"codes": ", ".join(invalid)},
        )


# Path prefixes served outside the page tree whose bare root may not resolve.
RESERVED_PATH_PREFIXES = {"api", "documents", "flux", "media", "static"}


def validate_space_slug(value):
    """A commune's space lives at /<slug>/: the slug must not shadow another route."""
    try:
        route_name = resolve(f"/{value}/").url_name
    except Resolver404:
        route_name = None
    if value in RESERVED_PATH_PREFIXES or route_name not in (None, "wagtail_serve"):
        raise ValidationError(
            _("L'adresse « /%(slug)s/ » est réservée par le site : choisissez un autre identifiant."),
            code="reserved_slug",
            params={"slug": value},
        )


def relative_luminance(hex_colour):
    """Relative luminance of an sRGB colour, as defined by WCAG 2.1."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first, second):
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def validate_brand_colour(value):
    """Invariant 7: a colour too pale for accessible contrast with white is refused."""
    if not HEX_COLOUR_PATTERN.match(value or ""):
        raise ValidationError(
            _("Saisissez une couleur au format hexadécimal, par exemple #1D4F91."),
            code="invalid_colour",
        )
    ratio = min(contrast_ratio(value, background) for background in BACKGROUNDS)
    if ratio < MINIMUM_CONTRAST_RATIO:
        raise ValidationError(
            _(
                "La couleur %(value)s est trop claire : son contraste avec le fond des pages est de %(ratio)s:1, "
                "il faut au moins %(minimum)s:1 pour que les textes restent lisibles (RGAA 3.2). "
                "Choisissez une teinte plus foncée."
            ),
            code="insufficient_contrast",
            params={"value": value, "ratio": f"{ratio:.2f}", "minimum": MINIMUM_CONTRAST_RATIO},
        )
