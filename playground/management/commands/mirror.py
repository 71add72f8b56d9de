"""Keep a real cluster's copy in the database, read-only, until stopped:

    python manage.py mirror my-context [other-context ...]
    python manage.py mirror --list

Credentials stay in the kubeconfig (KUBECONFIG or ~/.kube/config) or the pod's service
account; the database and the pages only ever see names, addresses and objects.
"""

import signal
import threading
import time

from django.core.management.base import BaseCommand, CommandError

from playground.mirror import redact, service, sources


class Command(BaseCommand):
    help = "Mirror real clusters (kubeconfig contexts, or 'in-cluster') into the database, read-only."

    def add_arguments(self, parser):
        parser.add_argument("contexts", nargs="*", help="context names; several are mirrored at once")
        parser.add_argument("--all", action="store_true", help="every context the kubeconfig lists")
        parser.add_argument("--list", action="store_true", help="print the contexts and exit")
        parser.add_argument(
            "--forget", action="store_true", help="delete the stored copy of the named clusters and exit"
        )
        parser.add_argument("--watch-seconds", type=int, default=300, help="how long each watch runs")
        parser.add_argument(
            "--max-backoff", type=float, default=30, help="longest wait between reconnects (seconds)"
        )
        parser.add_argument("--heartbeat", type=float, default=10, help="seconds between /version checks")

    def handle(self, *args, **options):
        """Whatever goes wrong is told with server addresses cut to scheme, host and port:
        a kubeconfig's server path or query may hold a token (playground/mirror/redact.py)."""
        known = _known_secrets()
        try:
            return self._handle(*args, **options)
        except CommandError as error:
            raise CommandError(redact.redact(str(error), *known)) from None
        except Exception as error:
            self.stderr.write(redact.traceback_text(error, *known))
            raise CommandError(redact.short(error, *known)) from None

    def _handle(self, *args, **options):
        if options["forget"]:  # also for clusters no longer in the kubeconfig
            if not options["contexts"]:
                raise CommandError("Name the mirrored clusters to forget.")
            for name in options["contexts"]:
                self.stdout.write(f"{name}: {service.forget(name):,} objects deleted")
            return
        try:
            available = sources.contexts()
        except sources.SourceError as error:
            raise CommandError(str(error)) from None
        if options["list"]:
            for context in available:
                mark = "*" if context.current else " "
                self.stdout.write(f"{mark} {context.name}\t{context.server}\t{context.namespace}")
            return
        names = [c.name for c in available] if options["all"] else options["contexts"]
        if not names:
            raise CommandError("Name a context (see --list), or give --all.")

        unknown = [n for n in names if n not in {c.name for c in available}]
        if unknown:
            known = ", ".join(c.name for c in available) or f"none (looked in {sources.kubeconfig_path()})"
            raise CommandError(f"Unknown context {', '.join(map(repr, unknown))}; available: {known}")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        running = []
        try:
            for name in names:
                running.append(
                    service.Running(
                        name,
                        watch_seconds=options["watch_seconds"],
                        heartbeat=options["heartbeat"],
                        max_backoff=options["max_backoff"],
                    )
                )
                self.stdout.write(f"mirroring {name} ({running[-1].record.server})")
            reported: dict[str, str] = {}
            announced: set[str] = set()
            while not stop.wait(1):
                for mirror in running:
                    if mirror.sink.fatal:
                        raise CommandError(f"{mirror.name}: {mirror.sink.fatal}")
                    line = _progress_line(mirror)
                    if line != reported.get(mirror.name):
                        reported[mirror.name] = line
                        self.stdout.write(line)
                    if mirror.name not in announced and mirror.synced():
                        announced.add(mirror.name)
                        self.stdout.write(
                            f"{mirror.name}: synced in {time.monotonic() - mirror.started:.1f} s; following changes"
                        )
        except sources.SourceError as error:
            raise CommandError(str(error)) from None
        finally:
            for mirror in running:
                mirror.stop()
            self.stdout.write("stopped")


def _known_secrets() -> tuple[str, ...]:
    """The path, query and user info of every server the kubeconfig names."""
    try:
        clusters, _current = sources._clusters(sources.kubeconfig_path())
    except Exception:  # noqa: BLE001 - an unreadable kubeconfig is reported elsewhere
        return ()
    found: list[str] = []
    for cluster in clusters.values():
        server = cluster.get("server") if isinstance(cluster, dict) else None
        if isinstance(server, str):
            found.extend(redact.secrets_of(server))
    return tuple(found)


def _progress_line(mirror) -> str:
    progress = dict(mirror.sink.progress_by)
    listing = {k: v for k, v in progress.items() if v.get("state") in ("listing", "relisting")}
    if mirror.sink.problem:
        return f"{mirror.name}: not responding: {mirror.sink.problem}"
    if listing:
        parts = []
        for key, entry in sorted(listing.items()):
            total = entry.get("listed", 0) + (entry.get("remaining") or 0)
            parts.append(
                f"{key} {entry.get('listed', 0):,}" + (f"/{total:,}" if entry.get("remaining") else "")
            )
        return f"{mirror.name}: listing " + ", ".join(parts)
    return f"{mirror.name}: {sum(v.get('listed', 0) for v in progress.values()):,} objects listed"
