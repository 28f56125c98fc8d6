"""Input that no part of the site can read, refused at the door with a clear French answer rather than a 500.

- Text with a NUL character: PostgreSQL stores and compares none, so a NUL in a parameter that reaches a query
  (a search, a filter, a lookup by path) fails there. Bytes that are not UTF-8 (lone surrogates included) cannot
  stand for any text a visitor typed. Both are refused for every request, in the address, the query string and
  form data, before any view, middleware below or query sees them (`RefuseUnreadableInputMiddleware`).
- Numbers: `whole_number` reads an integer a database can hold; larger ones are refused here rather than by the
  database.

Refusals are logged at INFO, without the values: a probe of the site is not an incident.
"""

import logging
from urllib.parse import unquote_to_bytes

from django.http import HttpResponseBadRequest, JsonResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from rest_framework.views import APIView

from .outage import render_error_page

logger = logging.getLogger(__name__)

# PostgreSQL's and SQLite's integers (ids, OFFSET) are 64-bit.
DATABASE_INTEGER_MAX = 2**63 - 1

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def whole_number(value, *, minimum=0, maximum=DATABASE_INTEGER_MAX):
    """`value`, text from a request, as an integer from `minimum` to `maximum`; ValueError otherwise."""
    number = int(value)  # ValueError for what is not a number (or has more than 4300 digits)
    if not minimum <= number <= maximum:
        raise ValueError(f"{number} is not between {minimum} and {maximum}")
    return number


def _is_utf8(raw):
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _url_encoded_is_utf8(text_or_bytes):
    raw = text_or_bytes.encode("latin-1", "replace") if isinstance(text_or_bytes, str) else text_or_bytes
    return _is_utf8(unquote_to_bytes(raw))


def unreadable_input(request):
    """Why this request's address or parameters cannot be read as text, or "" when they can."""
    if "\x00" in request.path:
        return "NUL in the path"
    # Django replaces undecodable bytes silently: the raw query string and form body are checked first.
    if not _url_encoded_is_utf8(request.META.get("QUERY_STRING", "")):
        return "query string is not UTF-8"
    is_form = request.method == "POST" and request.content_type in FORM_CONTENT_TYPES
    if is_form and request.content_type == FORM_CONTENT_TYPES[0] and not _url_encoded_is_utf8(request.body):
        return "form data is not UTF-8"
    for where, parameters in (("GET", request.GET), ("POST", request.POST if is_form else QueryDict())):
        for name, values in parameters.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return f"NUL in {where} parameter {name[:40]!r}"
    return ""


def _answers_in_json(request):
    """Whether the address is the API's: a Django REST framework view answers in JSON."""
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    view_class = getattr(view, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


def refusal_response(request, message):
    """A 400 with `message`: a JSON object `{"message": …}` for the API, the site's French page otherwise."""
    if _answers_in_json(request):
        response = JsonResponse({"message": message}, status=400, json_dumps_params={"ensure_ascii": False})
    else:
        response = render_error_page("400.html", HttpResponseBadRequest, message=message)
    # Logged once, at INFO, by the caller: not again as a WARNING by Django's request logger.
    response._has_been_logged = True
    return response


class RefuseUnreadableInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reason = unreadable_input(request)
        if not reason:
            return self.get_response(request)
        logger.info("Refused %s %s: %s", request.method, request.path.replace("\x00", "\\x00")[:200], reason)
        message = _(
            "Votre demande contient des caractères qui ne peuvent pas être lus (caractère nul ou texte mal "
            "encodé). Vérifiez ce que vous avez saisi ou copié, puis réessayez."
        )
        return refusal_response(request, message)
