"""A small Kubernetes API on loopback for the mirror's tests and benchmark.

It serves lists (with limit/continue and remainingItemCount, as kube-apiserver pages
them) and watches (NDJSON, bookmarks, 410 Expired for a compacted resourceVersion),
from objects the test controls: recorded responses from a real cluster, or a
generated one. Every request is recorded so a test can say what left the client.
"""

from __future__ import annotations

import base64
import json
import queue
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

RECORDED = Path(__file__).parent / "recorded"


def status(code: int, reason: str, message: str) -> dict:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class FakeApi:
    def __init__(self, version: str = "v1.31.2"):
        self.version = version
        self.lock = threading.Lock()
        self.revision = 1000
        self.compacted = 0  # watches from an older resourceVersion get 410 Expired
        self.lists: dict[
            str, dict
        ] = {}  # path -> {"kind": ListKind, "apiVersion": .., "items": {(ns, name): obj}}
        self.watchers: dict[str, list[queue.Queue]] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.server: ThreadingHTTPServer | None = None
        self.port = 0
        self.prefix = ""  # a path the API is served under (the server URL's path)
        self.scheme = "http"

    # Content ------------------------------------------------------------------

    def serve(self, path: str, list_kind: str, api_version: str, items: list[dict] = ()) -> None:
        with self.lock:
            entry = self.lists.setdefault(path, {"kind": list_kind, "apiVersion": api_version, "items": {}})
            for item in items:
                meta = item["metadata"]
                entry["items"][(meta.get("namespace", ""), meta["name"])] = item

    def load_recorded(self, folder: Path = RECORDED) -> None:
        """Every recorded list response: a file per path, named after it."""
        for file in sorted(folder.glob("*.json")):
            body = json.loads(file.read_text())
            path = "/" + file.stem.replace("__", "/")
            self.serve(path, body["kind"], body["apiVersion"], body["items"])
            rv = int(body.get("metadata", {}).get("resourceVersion") or 0)
            self.revision = max(
                self.revision, rv, *(int(i["metadata"].get("resourceVersion", 0)) for i in body["items"])
            )

    def _next(self) -> str:
        self.revision += 1
        return str(self.revision)

    def change(self, path: str, event: str, obj: dict) -> dict:
        """ADDED, MODIFIED or DELETED: stored, and sent to the open watches on path."""
        with self.lock:
            obj = json.loads(json.dumps(obj))
            obj["metadata"]["resourceVersion"] = self._next()
            key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
            items = self.lists[path]["items"]
            if event == "DELETED":
                items.pop(key, None)
            else:
                items[key] = obj
            for q in self.watchers.get(path, []):
                q.put({"type": event, "object": obj})
            return obj

    def bookmark(self, path: str) -> str:
        with self.lock:
            rv = self._next()
            entry = self.lists[path]
            kind = entry["kind"].removesuffix("List")
            for q in self.watchers.get(path, []):
                q.put(
                    {
                        "type": "BOOKMARK",
                        "object": {
                            "kind": kind,
                            "apiVersion": entry["apiVersion"],
                            "metadata": {"resourceVersion": rv},
                        },
                    }
                )
            return rv

    def expire(self, path: str | None = None) -> None:
        """Compact history: open watches end with a 410 ERROR event, as etcd compaction does."""
        with self.lock:
            self.compacted = self.revision
            for p, queues in self.watchers.items():
                if path in (None, p):
                    for q in queues:
                        q.put(
                            {
                                "type": "ERROR",
                                "object": status(
                                    410, "Expired", f"too old resource version: 1 ({self.revision})"
                                ),
                            }
                        )

    def drop_watches(self) -> None:
        with self.lock:
            for queues in self.watchers.values():
                for q in queues:
                    q.put(None)

    def requests_to(self, path: str, watch: bool | None = None) -> list[dict]:
        return [
            q for m, p, q in list(self.requests) if p == path and (watch is None or ("watch" in q) == watch)
        ]

    # Server -------------------------------------------------------------------

    def start(self, port: int = 0, tls: tuple[Path, Path] | None = None) -> str:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parts = urlsplit(self.path)
                if api.prefix and parts.path.startswith(api.prefix + "/"):
                    # Served under a path, as this app's facade serves /k8s/<token>/.
                    parts = parts._replace(path=parts.path[len(api.prefix) :])
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                api.requests.append(("GET", parts.path, query))
                if parts.path == "/version":
                    return self._send(
                        200, {"major": "1", "minor": api.version.split(".")[1], "gitVersion": api.version}
                    )
                if parts.path not in api.lists:
                    return self._send(
                        404, status(404, "NotFound", "the server could not find the requested resource")
                    )
                if query.get("watch") in ("true", "1"):
                    return self._watch(parts.path, query)
                return self._list(parts.path, query)

            def _other(self):
                api.requests.append((self.command, urlsplit(self.path).path, {}))
                self._send(405, status(405, "MethodNotAllowed", "the fake API is read-only too"))

            do_POST = do_PUT = do_PATCH = do_DELETE = _other

            def _list(self, path, query):
                with api.lock:
                    entry = api.lists[path]
                    items = sorted(entry["items"].items())
                    rv = str(api.revision)
                offset = 0
                if query.get("continue"):
                    token = json.loads(base64.b64decode(query["continue"]))
                    if int(token["rv"]) < api.compacted:
                        return self._send(
                            410,
                            status(
                                410,
                                "Expired",
                                "The provided continue parameter is too old to display a consistent list result.",
                            ),
                        )
                    offset, rv = token["start"], token["rv"]
                limit = int(query.get("limit") or 0) or len(items)
                page = [obj for _, obj in items[offset : offset + limit]]
                meta = {"resourceVersion": rv}
                left = len(items) - offset - len(page)
                if left > 0:
                    meta["continue"] = base64.b64encode(
                        json.dumps({"rv": rv, "start": offset + limit}).encode()
                    ).decode()
                    meta["remainingItemCount"] = left
                self._send(
                    200,
                    {
                        "kind": entry["kind"],
                        "apiVersion": entry["apiVersion"],
                        "metadata": meta,
                        "items": page,
                    },
                )

            def _watch(self, path, query):
                rv = int(query.get("resourceVersion") or 0)
                q: queue.Queue = queue.Queue()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                with api.lock:
                    if rv and rv < api.compacted:
                        q.put(
                            {
                                "type": "ERROR",
                                "object": status(
                                    410, "Expired", f"too old resource version: {rv} ({api.compacted})"
                                ),
                            }
                        )
                    api.watchers.setdefault(path, []).append(q)
                timeout = float(query.get("timeoutSeconds") or 30)
                try:
                    while True:
                        try:
                            event = q.get(timeout=timeout)
                        except queue.Empty:
                            break
                        if event is None:
                            return  # dropped: close without the final chunk, like a dead server
                        data = json.dumps(event).encode() + b"\n"
                        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                        self.wfile.flush()
                        if event["type"] == "ERROR":
                            break
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass
                finally:
                    with api.lock:
                        api.watchers[path].remove(q)
                    self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """The API goes away: the listener closes and open watches are cut."""
        if self.server is not None:
            self.drop_watches()
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def kubeconfig(url: str, name: str = "fake", token: str = "fake-token-not-a-secret") -> str:  # noqa: S107
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": name, "cluster": {"server": url}}],
            "users": [{"name": f"{name}-user", "user": {"token": token}}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": f"{name}-user"}}],
            "current-context": name,
        }
    )
