from django.urls import path

from . import views

app_name = "participation"
urlpatterns = [
    path("confirmer/<str:token>/", views.confirm, name="confirm"),
    path("contester/<str:token>/", views.appeal, name="appeal"),
]
