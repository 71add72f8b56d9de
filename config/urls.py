from django.urls import include, path

from concepts import views as concept_views

urlpatterns = [
    path("", concept_views.home, name="home"),
    path("healthz", concept_views.healthz, name="healthz"),
    path("", include("concepts.urls")),
    path("", include("playground.urls")),
]
