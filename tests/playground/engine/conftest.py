from pathlib import Path

import pytest

from playground.engine import Cluster

MANIFESTS = Path(__file__).resolve().parents[3] / "playground" / "manifests"


@pytest.fixture
def cluster():
    return Cluster.new()


@pytest.fixture
def restaurant():
    return (MANIFESTS / "restaurant-rating.yaml").read_text()


def deployment(
    name="web", replicas=3, image="nginx:1.27", cpu=None, labels=None, extra_spec="", pod_extra=""
):
    labels = labels or {"app": name}
    label_yaml = ", ".join(f"{k}: {v}" for k, v in labels.items())
    resources = f"\n          resources: {{requests: {{cpu: {cpu}}}}}" if cpu else ""
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}{extra_spec}
  selector:
    matchLabels: {{{label_yaml}}}
  template:
    metadata:
      labels: {{{label_yaml}}}
    spec:{pod_extra}
      containers:
        - name: main
          image: {image}{resources}
"""


def pod(name="p", image="nginx:1.27", namespace="default", **spec):
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"containers": [{"name": "main", "image": image}]},
    }
    containers = spec.pop("containers", None)
    if containers is not None:
        body["spec"]["containers"] = containers
    body["spec"].update(spec)
    return body


def names(objects):
    return sorted(o["metadata"]["name"] for o in objects)
