"""Every response carries a Content-Security-Policy without inline scripts and a
Permissions-Policy; no template holds a script the policy would block."""

import re
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _directives(header: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in header.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize(
    "path",
    ["/", "/glossary/", "/playground/", "/labs/", "/accounts/login/", "/admin/login/", "/no-such-page"],
)
def test_every_response_has_a_strict_script_policy_and_a_permissions_policy(path):
    response = Client().get(path)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"] and policy["img-src"] == ["'self'", "data:"]
    assert not any("unsafe-eval" in v or "unsafe-inline" in v for v in policy["script-src"])
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


def test_the_kubernetes_api_answers_carry_the_headers_too():
    response = Client().get("/k8s/not-a-token/api")
    assert "Content-Security-Policy" in response and "Permissions-Policy" in response


TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script> block"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler (onclick=…)"),
    (re.compile(r"\bhx-on", re.I), "hx-on (htmx evaluates it: allowEval is false)"),
    (re.compile(r"""hx-vals\s*=\s*['"]\s*js:""", re.I), "hx-vals js: (evaluated)"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


@pytest.mark.parametrize("template", TEMPLATES, ids=[str(t.relative_to(ROOT)) for t in TEMPLATES])
def test_no_template_holds_a_script_the_policy_would_block(template):
    text = template.read_text()
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, f"{template.relative_to(ROOT)}: {', '.join(found)}"


def test_htmx_is_configured_never_to_eval_nor_inject_styles():
    html = Client().get("/").content.decode()
    config = re.search(r"""<meta name="htmx-config" content='([^']*)'""", html).group(1)
    assert '"allowEval":false' in config and '"includeIndicatorStyles":false' in config
