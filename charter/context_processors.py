from django.utils.functional import SimpleLazyObject

from .services import LegalTextsFooter


def legal_texts(request):
    # Lazy: read (in one query) only by templates that render the footer.
    return {"legal_texts": SimpleLazyObject(LegalTextsFooter)}
