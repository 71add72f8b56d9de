"""The chart's install test reuses the live app and its sandboxes from the sandbox API's tests
(gunicorn on loopback, `api_server.sandbox()` for a kubeconfig)."""

from tests.playground.kubeapi.conftest import api_server  # noqa: F401
