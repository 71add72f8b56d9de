from django.urls import include, path, re_path

from concepts import views as concept_views
from playground.kubeapi import views as kubeapi

urlpatterns = [
    path("", concept_views.home, name="home"),
    path("healthz", concept_views.healthz, name="healthz"),
    # Each sandbox's Kubernetes API: bearer token (https) or the token in the path (http).
    re_path(r"^k8s/(?P<rest>(?:api|apis|version|openapi)(?:/.*)?)$", kubeapi.api_with_bearer),
    re_path(r"^k8s/(?P<token>[^/]+)(?:/(?P<rest>.*))?$", kubeapi.api_with_token, name="kube-api"),
    path("", include("concepts.urls")),
    path("", include("playground.urls")),
]
