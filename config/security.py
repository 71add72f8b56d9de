"""Response headers that limit what a page may load and do: a Content-Security-Policy and a
Permissions-Policy on every response.

The app serves every script, style and image itself (no CDN), so scripts come only from
this origin: no inline <script>, no inline event handler, no eval (htmx is configured with
allowEval false in templates/base.html). Styles allow 'unsafe-inline' because xterm.js
(the terminal) writes <style> elements at run time and a few templates size bars with a
style attribute; a style cannot run code.
"""

from __future__ import annotations

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        permissions = settings.PERMISSIONS_POLICY
        if permissions and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions
        return response
