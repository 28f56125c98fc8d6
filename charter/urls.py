from django.urls import path, register_converter

from . import views
from .models import LegalTextKind


class LegalTextKindConverter:
    regex = "|".join(kind.value for kind in LegalTextKind)

    def to_python(self, value):
        return LegalTextKind(value)

    def to_url(self, value):
        return LegalTextKind(value).value


register_converter(LegalTextKindConverter, "legal_text")

app_name = "charter"
urlpatterns = [
    path("<legal_text:kind>/", views.current, name="current"),
    path("<legal_text:kind>/versions/", views.history, name="history"),
    path("<legal_text:kind>/versions/<int:number>/", views.version, name="version"),
    path("donnees-personnelles/commune/<slug:slug>/", views.privacy_for_commune, name="privacy_for_commune"),
]
