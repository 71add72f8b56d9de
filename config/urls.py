from django.contrib import admin
from django.urls import include, path, re_path

from concepts import views as concept_views
from playground.kubeapi import views as kubeapi

urlpatterns = [
    path("", concept_views.home, name="home"),
    path("healthz", concept_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    # Each sandbox's Kubernetes API: bearer token (https) or the token in the path (http).
    re_path(r"^k8s/(?P<rest>(?:api|apis|version|openapi)(?:/.*)?)$", kubeapi.api_with_bearer),
    re_path(r"^k8s/(?P<token>[^/]+)(?:/(?P<rest>.*))?$", kubeapi.api_with_token, name="kube-api"),
    # `kubectl get --raw /…` drops the server URL's path: answer health probes, and API
    # paths with a bearer token (https), or explain how to put the token back.
    re_path(r"^(?P<rest>(?:livez|readyz)(?:/.*)?)$", kubeapi.api_at_root),
    re_path(r"^(?P<rest>(?:api|apis|version|openapi)(?:/.*)?)$", kubeapi.api_at_root),
    path("", include("concepts.urls")),
    path("", include("playground.urls")),
    path("", include("translator.urls")),
]
