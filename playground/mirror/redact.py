"""Text about a cluster connection, cut down to what may be shown: of any server address,
only its scheme, host and port.

A kubeconfig's server URL can carry an access token in its path or query (this app's own
API facade serves /k8s/<token>/), and urllib3 and the Kubernetes client put the URL they
requested into their error messages and tracebacks. Everything the mirror prints, logs or
stores for the /mirror/ page goes through here first.
"""

from __future__ import annotations

import re
import traceback
from urllib.parse import urlsplit

# scheme://[user:password@]host[:port][/path][?query][#fragment]
_URL = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.\-]*)://([^\s/?#'\"<>()]+)([^\s'\"<>()]*)")
# urllib3: "Max retries exceeded with url: /k8s/<token>/api/v1/pods?watch=1 (Caused by …)"
_WITH_URL = re.compile(r"(with url: )\S+")
# urllib3 and requests reprs: url='/k8s/<token>/…', url="…", path='…'
_QUOTED = re.compile(r"""\b(url|path|request_url)=(['"]).*?\2""")


def _origin(scheme: str, netloc: str) -> str:
    host = netloc.rsplit("@", 1)[-1]  # never user:password
    return f"{scheme}://{host}"


def redact(text: str, *known: str) -> str:
    """`text` with every URL cut to scheme://host:port, urllib3's request paths removed,
    and each of `known` (a server's own path and query) replaced."""
    for secret in sorted({k for k in known if k and len(k) > 1}, key=len, reverse=True):
        text = text.replace(secret, "…")
    text = _URL.sub(lambda m: _origin(m.group(1), m.group(2)), text)
    text = _WITH_URL.sub(r"\1…", text)
    return _QUOTED.sub(lambda m: f"{m.group(1)}={m.group(2)}…{m.group(2)}", text)


def secrets_of(server: str) -> tuple[str, ...]:
    """The parts of a server URL that must never be shown: user info, path and query."""
    parts = urlsplit(server or "")
    found = [parts.query, parts.fragment]
    if parts.path not in ("", "/"):
        found.append(parts.path.rstrip("/"))
    if "@" in parts.netloc:
        found.append(parts.netloc.rsplit("@", 1)[0])
    return tuple(f for f in found if f)


def short(error: BaseException, *known: str) -> str:
    """An error's first line, shortened and redacted."""
    text = str(error) or type(error).__name__
    return redact(text.splitlines()[0], *known)[:200]


def traceback_text(error: BaseException, *known: str) -> str:
    """A whole traceback, chained causes included, redacted line by line."""
    return redact("".join(traceback.format_exception(error)), *known)
