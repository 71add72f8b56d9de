from django.urls import path

from translator import views

app_name = "translator"

urlpatterns = [
    path("translate/", views.translate_page, name="translate"),
    path("translate/download", views.download, name="download"),
    path("translate/apply", views.apply, name="apply"),
]
