from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language

from concepts import views as concept_views
from playground.kubeapi import views as kubeapi

# Outside the language prefix: the Kubernetes API (for kubectl), health probes, the admin
# and the language switcher's form target.
urlpatterns = [
    path("healthz", concept_views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    # Each sandbox's Kubernetes API: bearer token (https) or the token in the path (http).
    re_path(r"^k8s/(?P<rest>(?:api|apis|version|openapi)(?:/.*)?)$", kubeapi.api_with_bearer),
    re_path(r"^k8s/(?P<token>[^/]+)(?:/(?P<rest>.*))?$", kubeapi.api_with_token, name="kube-api"),
    # `kubectl get --raw /…` drops the server URL's path: answer health probes, and API
    # paths with a bearer token (https), or explain how to put the token back.
    re_path(r"^(?P<rest>(?:livez|readyz)(?:/.*)?)$", kubeapi.api_at_root),
    re_path(r"^(?P<rest>(?:api|apis|version|openapi)(?:/.*)?)$", kubeapi.api_at_root),
]
# The pages: English at the usual URLs, every other language under /<language>/ (docs/i18n.md).
urlpatterns += i18n_patterns(
    path("", concept_views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("concepts.urls")),
    path("", include("playground.urls")),
    path("", include("translator.urls")),
    prefix_default_language=False,
)
