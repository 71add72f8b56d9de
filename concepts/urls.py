from django.urls import path

from concepts import views

app_name = "concepts"

urlpatterns = [
    path("concepts/", views.catalogue_page, name="catalogue"),
    path("concepts/<slug:slug>/", views.pair_page, name="pair"),
    path("architecture/", views.architecture_page, name="architecture"),
    path("glossary/", views.glossary_page, name="glossary"),
]
