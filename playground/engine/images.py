"""What a container does in the simulator: decided from its image and command.

The rules, in order (documented for learners in the README):

1. **Pulling.** An image fails to pull (``ErrImagePull`` then ``ImagePullBackOff``)
   when its registry host ends in ``.invalid`` or ``.example``, or its name or tag
   contains ``doesnotexist``, ``nonexistent`` or ``typo``, or its tag is
   ``broken``. Every other image pulls; known images take their catalogue time,
   others 3 seconds. A node keeps pulled images (``status.images``), so a second
   pod with ``imagePullPolicy: IfNotPresent`` skips the pull.
2. **Running.** With no ``command``/``args``, a server image (nginx, redis, postgres,
   …) runs until stopped; a base image (busybox, alpine, ubuntu, …) runs its shell,
   which exits at once with code 0.
3. **Commands** are read the way a shell would end: ``sleep N`` runs N seconds and
   exits 0; ``sleep infinity``, ``tail -f``, ``while true`` loops and servers run
   forever; ``exit N`` exits with N; ``false`` exits 1; ``true``/``echo`` exit 0.
   In ``sh -c`` scripts the last statement decides. Output of ``echo`` goes to the
   container's log.
4. **Probes.** An ``httpGet`` or ``tcpSocket`` probe passes when its port is one the
   image listens on (or one the container declares); an ``exec`` probe passes unless
   its command is ``false`` or ends in a non-zero ``exit``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class ImageInfo:
    ports: tuple[int, ...]
    pull_seconds: float
    size: int
    server: bool  # runs until stopped when started with its default command
    stop_seconds: float  # how long it takes to stop on SIGTERM
    log: tuple[str, ...] = ()


_NGINX_LOG = (
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
    '[notice] 1#1: using the "epoll" event method',
    "[notice] 1#1: start worker processes",
)

CATALOGUE: dict[str, ImageInfo] = {
    "nginx": ImageInfo((80,), 2.5, 72_000_000, True, 1, _NGINX_LOG),
    "httpd": ImageInfo(
        (80,),
        2.2,
        58_000_000,
        True,
        1,
        (
            "AH00558: httpd: Could not reliably determine the server's fully qualified domain name",
            "Apache/2.4 configured -- resuming normal operations",
        ),
    ),
    "redis": ImageInfo(
        (6379,),
        2.0,
        45_000_000,
        True,
        1,
        ("oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo", "Ready to accept connections tcp"),
    ),
    "postgres": ImageInfo(
        (5432,),
        4.5,
        160_000_000,
        True,
        2,
        (
            "PostgreSQL init process complete; ready for start up.",
            "database system is ready to accept connections",
        ),
    ),
    "mysql": ImageInfo(
        (3306,),
        5.0,
        230_000_000,
        True,
        2,
        (
            "[Server] /usr/sbin/mysqld: ready for connections. Version: '8.4.0'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306",
        ),
    ),
    "mongo": ImageInfo((27017,), 5.0, 280_000_000, True, 2, ("Waiting for connections",)),
    "busybox": ImageInfo((), 1.0, 2_200_000, False, 30),
    "bash": ImageInfo((), 1.0, 6_000_000, False, 30),
    "alpine": ImageInfo((), 1.0, 3_600_000, False, 30),
    "ubuntu": ImageInfo((), 2.5, 29_000_000, False, 30),
    "debian": ImageInfo((), 2.5, 48_000_000, False, 30),
    "python": ImageInfo((), 4.0, 370_000_000, False, 30),
    "node": ImageInfo((), 4.0, 390_000_000, False, 30),
    "registry.k8s.io/pause": ImageInfo((), 0.5, 320_000, True, 0),
    "registry.k8s.io/kube-proxy": ImageInfo((), 2.0, 30_000_000, True, 1),
    "registry.k8s.io/kube-apiserver": ImageInfo((6443,), 2.0, 28_000_000, True, 1),
    "registry.k8s.io/kube-controller-manager": ImageInfo((10257,), 2.0, 26_000_000, True, 1),
    "registry.k8s.io/kube-scheduler": ImageInfo((10259,), 2.0, 20_000_000, True, 1),
    "registry.k8s.io/etcd": ImageInfo((2379,), 3.0, 57_000_000, True, 1),
    "registry.k8s.io/coredns/coredns": ImageInfo(
        (53, 8080, 8181, 9153), 1.5, 16_000_000, True, 1, ("CoreDNS-1.11.3", "linux/amd64, go1.22")
    ),
    "ghcr.io/flannel-io/flannel": ImageInfo((), 2.0, 33_000_000, True, 1),
    "quay.io/metallb/controller": ImageInfo((7472,), 1.5, 28_000_000, True, 1),
    "quay.io/metallb/speaker": ImageInfo((7472,), 1.5, 40_000_000, True, 1),
    "quay.io/prometheus/node-exporter": ImageInfo(
        (9100,), 1.5, 11_000_000, True, 1, ("Starting node_exporter", "Listening on address=[::]:9100")
    ),
    "fluent/fluent-bit": ImageInfo((2020,), 1.5, 30_000_000, True, 1, ("Fluent Bit v3.1 started",)),
    "k8s.gcr.io/echoserver": ImageInfo((8080,), 2.0, 46_000_000, True, 1),
    "registry.k8s.io/e2e-test-images/agnhost": ImageInfo((80, 8080), 2.0, 51_000_000, True, 1),
    "hashicorp/http-echo": ImageInfo((5678,), 1.0, 4_000_000, True, 1),
    "registry.k8s.io/ingress-nginx/controller": ImageInfo(
        (80, 443, 10254),
        3.0,
        105_000_000,
        True,
        1,
        ("NGINX Ingress controller", "Starting NGINX Ingress controller"),
    ),
    # The restaurant-rating sample application.
    "restreview-ui": ImageInfo((80,), 2.5, 90_000_000, True, 1, _NGINX_LOG),
    "restreview-appserver": ImageInfo(
        (4567,), 3.0, 120_000_000, True, 1, ("== Sinatra has taken the stage on 4567 for production",)
    ),
    "restreview-db": ImageInfo(
        (5432,), 4.5, 160_000_000, True, 2, ("database system is ready to accept connections",)
    ),
    "yelb-ui": ImageInfo((80,), 2.5, 90_000_000, True, 1, _NGINX_LOG),
    "yelb-appserver": ImageInfo(
        (4567,), 3.0, 120_000_000, True, 1, ("== Sinatra has taken the stage on 4567 for production",)
    ),
    "yelb-db": ImageInfo(
        (5432,), 4.5, 160_000_000, True, 2, ("database system is ready to accept connections",)
    ),
}
_SERVER_WORDS = (
    "server",
    "web",
    "api",
    "app",
    "ui",
    "frontend",
    "backend",
    "nginx",
    "proxy",
    "gateway",
    "db",
)
DEFAULT_SERVER = ImageInfo((80, 8080), 3.0, 80_000_000, True, 1, ("server started",))

_BAD_HOST = re.compile(r"(^|[./])[^/]*\.(invalid|example)(/|:|$)")
_BAD_WORDS = ("doesnotexist", "nonexistent", "does-not-exist", "typo")


@dataclass(frozen=True)
class ImageRef:
    registry: str
    repository: str  # without registry
    tag: str
    digest: str

    @property
    def full(self) -> str:
        name = f"{self.registry}/{self.repository}"
        return f"{name}@{self.digest}" if self.digest and not self.tag else f"{name}:{self.tag}"


@lru_cache(maxsize=4096)
def parse_image(image: str) -> ImageRef:
    digest = ""
    if "@" in image:
        image, digest = image.split("@", 1)
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = "docker.io", image
    tag = ""
    last = path.rsplit("/", 1)[-1]
    if ":" in last:
        path, tag = path.rsplit(":", 1)
    if registry == "docker.io" and "/" not in path:
        path = f"library/{path}"
    if not tag and not digest:
        tag = "latest"
    return ImageRef(registry, path, tag, digest)


@lru_cache(maxsize=4096)
def pull_error(image: str) -> str | None:
    """The container runtime's error when this image cannot be pulled, else None."""
    ref = parse_image(image)
    full = ref.full
    lowered = image.lower()
    if _BAD_HOST.search(ref.registry + "/") or ref.registry.endswith((".invalid", ".example")):
        return (
            f'failed to pull and unpack image "{full}": failed to resolve reference "{full}": '
            f'failed to do request: Head "https://{ref.registry}/v2/{ref.repository}/manifests/{ref.tag or ref.digest}": '
            f"dial tcp: lookup {ref.registry.split(':')[0]}: no such host"
        )
    if any(word in lowered for word in _BAD_WORDS) or ref.tag == "broken":
        return f'failed to pull and unpack image "{full}": failed to resolve reference "{full}": {full}: not found'
    return None


@lru_cache(maxsize=4096)
def info(image: str) -> ImageInfo:
    ref = parse_image(image)
    repo = ref.repository
    candidates = [f"{ref.registry}/{repo}", repo, repo.removeprefix("library/"), repo.rsplit("/", 1)[-1]]
    for name in candidates:
        if name in CATALOGUE:
            return CATALOGUE[name]
    base = repo.rsplit("/", 1)[-1]
    if any(word in base for word in _SERVER_WORDS):
        return DEFAULT_SERVER
    return DEFAULT_SERVER


def image_id(image: str) -> str:
    """A stable content digest for an image reference, as a runtime would report it."""
    ref = parse_image(image)
    digest = ref.digest or "sha256:" + hashlib.sha256(ref.full.encode()).hexdigest()
    return f"{ref.registry}/{ref.repository}@{digest}"


@dataclass(frozen=True)
class Behaviour:
    """What a started container does: run for `seconds` (None: forever), then exit."""

    seconds: float | None
    exit_code: int
    log: tuple[str, ...]


_SLEEP = re.compile(r"^sleep\s+(\d+(?:\.\d+)?)([smhd]?)$")
_EXIT = re.compile(r"^exit\s+(-?\d+)$")
_ECHO = re.compile(r"""^echo\s+(?:-[ne]+\s+)?(?P<text>.*)$""")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _statements(script: str) -> list[str]:
    return [stmt for _, stmt in _chain(script)]


def _chain(script: str) -> list[tuple[str, str]]:
    """The script's simple statements, each with the operator before it (";", "&&" or "||").

    A shell runs the statement after `&&` only when the one before succeeded and the one
    after `||` only when it failed: `[[ ... ]] || exit 1` is a guard, not an exit.
    """
    script = re.sub(r"\\\n", " ", script.strip())
    parts = re.split(r"\s*(;|&&|\|\||\n)\s*", script)
    chain: list[tuple[str, str]] = []
    op = ";"
    for i, part in enumerate(parts):
        if i % 2:
            op = ";" if part == "\n" else part
        elif part.strip() and not part.lstrip().startswith("#"):
            chain.append((op, part.strip()))
    return chain


def _runs_forever(stmt: str) -> bool:
    """A statement that starts a long-running program: `exec <program>` (the shell hands the
    container to it) or a `start-<service>` launcher script, as images' entry scripts do."""
    words = stmt.split()
    if words[0] == "exec" and len(words) > 1:
        return True
    return words[0].rsplit("/", 1)[-1].startswith("start-")


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


# Long-running programs: a container whose command starts one of these keeps running.
DAEMONS = {
    "nginx",
    "httpd",
    "apache2",
    "redis-server",
    "postgres",
    "mysqld",
    "mongod",
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kube-proxy",
    "coredns",
    "flanneld",
    "node_exporter",
    "fluent-bit",
    "java",
    "node",
    "npm",
    "gunicorn",
    "uvicorn",
    "http-echo",
    "agnhost",
    "echoserver",
    "pause",
}


def behaviour(image: str, command: list | None, args: list | None) -> Behaviour:
    base = info(image)
    argv = [str(a) for a in (command or [])] + [str(a) for a in (args or [])]
    if not argv:
        if base.server:
            return Behaviour(None, 0, base.log)
        return Behaviour(0, 0, ())
    program = argv[0].rsplit("/", 1)[-1]
    image_program = parse_image(image).repository.rsplit("/", 1)[-1]
    # Arguments only, or the image's own server binary: the server runs as usual.
    if base.server and (not command or program == image_program or program in DAEMONS):
        return Behaviour(None, 0, base.log)
    # `sh -c 'script'` and friends: read the script.
    if (
        len(argv) >= 3
        and argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash")
        and argv[1] in ("-c", "-ec", "-xc")
    ):
        script = argv[2]
    elif argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash") and len(argv) == 1:
        return Behaviour(0, 0, ())
    else:
        script = " ".join(argv)
    log: list[str] = []
    if re.search(r"while\s+(true|:)|tail\s+-f|sleep\s+infinity|tail\s+-F", script):
        for stmt in _statements(script):
            echo = _ECHO.match(stmt)
            if echo:
                log.append(_unquote(echo.group("text")))
                break
        return Behaviour(None, 0, tuple(log))
    seconds = 0.0
    exit_code = 0
    for op, stmt in _chain(script):
        if (op == "&&" and exit_code != 0) or (op == "||" and exit_code == 0):
            continue
        sleep = _SLEEP.match(stmt)
        echo = _ECHO.match(stmt)
        exit_match = _EXIT.match(stmt)
        if sleep:
            seconds += float(sleep.group(1)) * _UNITS[sleep.group(2)]
            exit_code = 0
        elif echo:
            log.append(_unquote(echo.group("text")))
            exit_code = 0
        elif exit_match:
            exit_code = int(exit_match.group(1)) % 256
            break
        elif stmt in ("false", "/bin/false"):
            exit_code = 1
        elif stmt in ("true", "/bin/true", ":"):
            exit_code = 0
        elif (
            stmt.split()[0].rsplit("/", 1)[-1]
            in ("nginx", "redis-server", "postgres", "httpd", "python", "node", "java", "npm")
            and "-c" not in stmt.split()[1:2]
        ):
            return Behaviour(None, 0, tuple(log) + base.log)
        elif base.server and _runs_forever(stmt):
            return Behaviour(None, 0, tuple(log) + base.log)
        else:
            exit_code = 0
    return Behaviour(seconds, exit_code, tuple(log))


_FILE_CHECK = re.compile(r"^(?:cat|ls|test -[ef]|\[ -[ef])\s+(\S+?)(?:\s+\])?$")


def exec_probe_fails_from(probe: dict, command: list | None, args: list | None) -> float | None:
    """When an exec probe that reads a file (`cat /tmp/healthy`, `test -e`, `ls`) starts to fail,
    in seconds after the container started, for a script that creates the file with `touch` and
    removes it with `rm` between `sleep`s (the liveness-exec example); None when the file stays
    or the script does not remove it."""
    check = " ".join(str(a) for a in (probe.get("exec") or {}).get("command") or [])
    argv = [str(a) for a in (command or [])] + [str(a) for a in (args or [])]
    if len(argv) < 3 or argv[0].rsplit("/", 1)[-1] not in ("sh", "bash", "ash") or argv[1] != "-c":
        return None
    match = _FILE_CHECK.match(check.strip())
    if match is None:
        return None
    path, clock, exists, gone_at = match.group(1), 0.0, False, None
    for _, stmt in _chain(argv[2]):
        sleep = _SLEEP.match(stmt)
        words = stmt.split()
        if sleep:
            clock += float(sleep.group(1)) * _UNITS[sleep.group(2)]
        elif words[0] == "touch" and path in words[1:]:
            exists, gone_at = True, None
        elif words[0] == "rm" and path in words[1:] and exists:
            exists, gone_at = False, clock
    return gone_at


def probe_passes(probe: dict, image: str, declared_ports: set[int], named_ports: dict[str, int]) -> bool:
    if "exec" in probe:
        command = probe["exec"].get("command") or []
        return behaviour(image, command, None).exit_code == 0
    action = probe.get("httpGet") or probe.get("tcpSocket") or probe.get("grpc")
    if action is None:
        return True
    port = action.get("port")
    if isinstance(port, str):
        if port.isdigit():
            port = int(port)
        elif port in named_ports:
            port = named_ports[port]
        else:
            return False
    listening = set(info(image).ports) | declared_ports
    return port in listening
