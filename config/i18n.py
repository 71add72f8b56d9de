"""The first visit chooses the language from Accept-Language (docs/i18n.md).

English pages keep their URLs (i18n_patterns without a prefix for English), so Django's
LocaleMiddleware always serves them in English. This middleware, placed after it, sends a
visitor whose browser prefers another of LANGUAGES, and who has not chosen a language yet
(no language cookie), from an English page to the same page in that language. Once the
switcher has set the cookie, the URL alone decides.
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import translate_url
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language_from_path, get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header


class FirstVisitLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        redirect = self.redirect(request)
        if redirect is not None:
            return redirect
        response = self.get_response(request)
        if request.method in ("GET", "HEAD") and get_language_from_path(request.path_info) is None:
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    def redirect(self, request):
        if request.method not in ("GET", "HEAD") or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            return None
        if request.headers.get("HX-Request") or get_language_from_path(request.path_info) is not None:
            return None
        language = preferred_language(request.headers.get("Accept-Language", ""))
        if language is None or language == settings.LANGUAGE_CODE:
            return None
        url = translate_url(request.get_full_path(), language)
        if url == request.get_full_path():
            return None  # not a page (the API, health probes, the admin)
        response = HttpResponseRedirect(url)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


def preferred_language(header: str) -> str | None:
    """The first language of Accept-Language the site speaks ("zh-CN" → "zh-hans"), if any."""
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            continue
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return None
