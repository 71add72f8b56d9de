"""A live app on loopback (gunicorn with threaded workers, as production runs it) and
the real kubectl binaries this machine has."""

import functools
import glob
import json
import os
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest
import yaml

from tests.servers import gunicorn, manage, production_env

# Threaded workers, as the README tells production to run: a watch holds a thread.
GTHREAD = ("--workers", "2", "--worker-class", "gthread", "--threads", "8", "--graceful-timeout", "3")


def _client_version(binary: str) -> str:
    result = subprocess.run(
        [binary, "version", "--client", "-o", "json"], capture_output=True, text=True, timeout=30
    )
    try:
        return json.loads(result.stdout)["clientVersion"]["gitVersion"]
    except (ValueError, KeyError):
        # kubectl 1.20 has no "-o json" for --client alone in some builds; ask plainly.
        found = re.search(r"GitVersion:\"(v[^\"]+)\"|Client Version: (v\S+)", result.stdout + result.stderr)
        return (found.group(1) or found.group(2)) if found else "unknown"


# What scripts/fetch-test-assets brings from PyPI (make test runs it): kubectl 1.34 and
# later as kubectl/kubectl.1.NN, and Helm 4 as helm/helm.4.
TEST_ASSETS = Path(__file__).resolve().parents[3] / ".cache" / "test-assets"
HELM = TEST_ASSETS / "helm" / "helm.4"


def kubectl_binaries() -> dict[str, str]:
    """Every real kubectl here: kubectl.1.NN beside the file `kubectl` links to and in the
    test assets, and `kubectl` itself (Debian's 1.20, or the version dispatcher that picks
    by /version)."""
    found: dict[str, str] = {}
    for binary in sorted(glob.glob(str(TEST_ASSETS / "kubectl" / "kubectl.1.*"))):
        if os.access(binary, os.X_OK) and not binary.endswith((".source", ".partial")):
            found[os.path.basename(binary).removeprefix("kubectl.")] = binary
    on_path = shutil.which("kubectl")
    if on_path:
        real = os.path.realpath(on_path)
        for binary in sorted(glob.glob(os.path.join(os.path.dirname(real), "kubectl.1.*"))):
            found.setdefault(os.path.basename(binary).removeprefix("kubectl."), binary)
        version = _client_version(on_path)
        label = "dispatcher" if "dispatcher" in version else ".".join(version.lstrip("v").split(".")[:2])
        found.setdefault(label, on_path)
    return found


KUBECTLS = kubectl_binaries()


def _numbered() -> list[str]:
    return sorted((k for k in KUBECTLS if k[0].isdigit()), key=lambda v: tuple(map(int, v.split("."))))


def newest_kubectl() -> str:
    return KUBECTLS[_numbered()[-1]]


def newest_minor() -> int:
    numbered = _numbered()
    return int(numbered[-1].split(".")[1]) if numbered else 0


# The scenarios use today's kubectl commands (policy/v1 PDBs, batch/v1 CronJobs, typed
# protobuf creates); kubectl supports a server one minor version away, so they need a
# kubectl within reach of the 1.37 API the sandbox serves.
SCENARIO_MINOR = 27


@pytest.fixture(scope="session")
def api_server(tmp_path_factory):
    """The app under gunicorn (2 processes × 8 threads) on a throwaway SQLite database."""
    if not KUBECTLS:
        pytest.fail("No kubectl on the PATH: sudo apt-get install -y kubernetes-client")
    work = tmp_path_factory.mktemp("kubeapi")
    env = production_env(work, KUBE_API_WATCH_SECONDS="30")
    with gunicorn(env, work, GTHREAD) as (_process, base):
        yield _server(base, env, work)


def _server(base: str, env: dict, work: Path):
    class Server:
        url = base
        environment = env
        directory = work

        def sandbox(self, scenario: str = "", profile: str = "default") -> Path:
            """A new sandbox through the instructors' command; returns its kubeconfig file."""
            args = ["--new", "--server", base, "--profile", profile]
            if scenario:
                args += ["--scenario", scenario]
            result = manage(env, "sandbox_kubeconfig", *args)
            path = work / f"kubeconfig-{len(list(work.glob('kubeconfig-*')))}.yaml"
            path.write_text(result.stdout)
            return path

    return Server()


@pytest.fixture(scope="session")
def tls_server(api_server, tmp_path_factory):
    """The same app and database behind TLS: kubectl sends its bearer token only over https."""
    work = tmp_path_factory.mktemp("tls")
    cert, key = work / "cert.pem", work / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    with gunicorn(api_server.environment, work, GTHREAD, (cert, key)) as (_process, base):
        yield base


class Kubectl:
    """Runs one real kubectl binary with its own kubeconfig and a fresh discovery cache."""

    def __init__(self, binary: str, kubeconfig: Path, cache: Path):
        self.binary, self.kubeconfig, self.cache = binary, kubeconfig, cache

    @functools.cached_property
    def minor(self) -> int:
        """The client's minor version (the dispatcher's is its own, 32)."""
        found = re.match(r"v1\.(\d+)", _client_version(self.binary))
        return int(found.group(1)) if found else 0

    def deleted(self, what: str, namespace: str | None = "default") -> str:
        """What `kubectl delete` prints: 1.34 and later name a namespaced object's namespace."""
        suffix = f" from {namespace} namespace" if namespace and self.minor >= 34 else ""
        return f"{what} deleted{suffix}\n"

    def raw_path(self, path: str) -> str:
        """A path for `get --raw`: kubectl before 1.34 drops the server address's path
        (/k8s/<token>), so it is prefixed here; 1.34 and later keep it themselves."""
        if self.minor >= 34:
            return path
        server = yaml.safe_load(self.kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
        prefix = urllib.parse.urlsplit(server).path.rstrip("/")
        return prefix + path

    def run(self, *args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
        env["KUBECONFIG"] = str(self.kubeconfig)
        env["HOME"] = str(self.cache.parent)  # the dispatcher caches /version under ~/.kube
        return subprocess.run(
            [self.binary, "--cache-dir", str(self.cache), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )

    def ok(self, *args: str, stdin: str | None = None, timeout: float = 60) -> str:
        result = self.run(*args, stdin=stdin, timeout=timeout)
        assert result.returncode == 0, f"kubectl {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def fails(self, *args: str, stdin: str | None = None) -> str:
        result = self.run(*args, stdin=stdin)
        assert result.returncode != 0, f"kubectl {' '.join(args)} should have failed:\n{result.stdout}"
        return result.stderr


def normalise(text: str) -> str:
    """What differs between two runs of the same commands: ages, generated names, addresses."""
    text = re.sub(r"-[a-z0-9]{6,10}-[a-z0-9]{5}(?=\s|$)", "-<rs>-<pod>", text, flags=re.M)
    text = re.sub(r"(replicaset\.apps/[a-z0-9-]+?)-[a-z0-9]{6,10}(?=\s|$)", r"\1-<rs>", text, flags=re.M)
    text = re.sub(r"\b(\d+d)?(\d+h)?(\d+m)?(\d+s)?\b(?=\s|$)", lambda m: "<age>" if m.group(0) else "", text)
    text = re.sub(r"\b\d+\.\d+\.\d+\.\d+\b", "<ip>", text)
    return "\n".join(" ".join(line.split()) for line in text.strip().splitlines())
