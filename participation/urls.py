from django.urls import path
from wagtail.utils.urlpatterns import decorate_urlpatterns

from core.origins import public_form

from . import views
from .views import comments, follows

app_name = "participation"
# The pages of the links sent by email: public forms, checked by origin rather than by a CSRF token (core.origins).
urlpatterns = decorate_urlpatterns(
    [
        path("confirmer/<str:token>/", views.confirm, name="confirm"),
        path("confirmer-action/<str:token>/", views.confirm_action, name="confirm_action"),
        path("contester/<str:token>/", views.appeal, name="appeal"),
        path("contester-commentaire/<str:token>/", comments.appeal_comment, name="appeal_comment"),
        path("inscription/confirmer/<str:token>/", views.confirm_registration_link, name="confirm_registration"),
        path("inscription/annuler/<str:token>/", views.cancel_registration_link, name="cancel_registration"),
        path("mes-donnees/<str:token>/", views.my_data, name="my_data"),
        path("mes-donnees/<str:token>/telecharger/", views.my_data_download, name="my_data_download"),
    ],
    public_form,
) + [
    # RFC 8058: a mail provider's one-click POST may come from anywhere; the signed link is the proof (csrf_exempt).
    path("ne-plus-suivre/<str:token>/", follows.unsubscribe_link, name="unsubscribe"),
]
