import pytest
from django.core.exceptions import ValidationError

from communes.validators import contrast_ratio, validate_brand_colour, validate_insee_code, validate_space_slug
from tests.factories import CommuneFactory


@pytest.mark.parametrize("code", ["54395", "54025", "2A004", "2B033"])
def test_valid_insee_codes_are_accepted(code):
    validate_insee_code(code)


@pytest.mark.parametrize("code", ["5439", "543955", "ABCDE", "2C123", "54 39", "", "5439a"])
def test_invalid_insee_codes_are_refused_with_a_french_message(code):
    with pytest.raises(ValidationError) as error:
        validate_insee_code(code)

    assert "cinq caractères" in error.value.messages[0]


def test_duplicate_insee_code_is_refused(db):
    CommuneFactory(insee_code="54395", slug="nancy")
    duplicate = CommuneFactory.build(insee_code="54395", slug="nancy-bis")

    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()

    assert error.value.message_dict["insee_code"] == ["Une commune porte déjà ce code INSEE."]


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("colour", ["#1D4F91", "#000000", "#6B6B6B", "#8a1538"])
def test_dark_enough_brand_colours_are_accepted(colour):
    validate_brand_colour(colour)


# #767676 passes on white (4.54:1) but not on the pale banner grey (4.16:1).
@pytest.mark.parametrize("colour", ["#FFFF00", "#FFFFFF", "#767676", "#7fb3d5"])
def test_too_pale_brand_colour_is_refused_with_its_contrast(colour):
    with pytest.raises(ValidationError) as error:
        validate_brand_colour(colour)

    assert "trop claire" in error.value.messages[0]
    assert "4.5:1" in error.value.messages[0]


@pytest.mark.parametrize("colour", ["bleu", "#12345", "1D4F91", "#GGGGGG"])
def test_malformed_brand_colour_is_refused(colour):
    with pytest.raises(ValidationError) as error:
        validate_brand_colour(colour)

    assert "hexadécimal" in error.value.messages[0]


@pytest.mark.parametrize("slug", ["recherche", "admin", "documents", "media", "static"])
def test_slug_that_would_shadow_a_site_address_is_refused(slug):
    with pytest.raises(ValidationError) as error:
        validate_space_slug(slug)

    assert "réservée" in error.value.messages[0]


def test_ordinary_commune_slug_is_accepted():
    validate_space_slug("essey-les-nancy")


def test_an_embedded_player_gets_its_accessible_title():
    from home.templatetags.embeds import with_iframe_title

    html = with_iframe_title('<iframe src="https://video.example/1"></iframe>', "Présentation du projet")
    kept = with_iframe_title('<iframe title="Déjà nommé" src="x"></iframe>', "Autre")

    assert '<iframe title="Présentation du projet" src=' in html
    assert kept.count("title=") == 1 and "Déjà nommé" in kept
