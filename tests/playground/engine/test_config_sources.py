"""A Secret's stringData, and a pod waiting for the ConfigMap or Secret it references."""

import base64

POD = """
apiVersion: v1
kind: Pod
metadata: {name: shop}
spec:
  containers:
    - name: shop
      image: nginx:1.27
      env:
        - name: LOG_LEVEL
          valueFrom: {configMapKeyRef: {name: settings, key: LOG_LEVEL}}
        - name: DB_PASSWORD
          valueFrom: {secretKeyRef: {name: db, key: password}}
"""


def test_string_data_is_written_into_data_base64_encoded_and_not_kept(cluster):
    """Convert_v1_Secret_To_core_Secret (pkg/apis/core/v1/conversion.go): stringData is
    merged into data, its value winning over the same key, and never stored."""
    cluster.apply(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\n"
        "data: {password: b2xk, user: c2hvcA==}\nstringData: {password: S3cret-lab}\n"
    )
    secret = cluster.get("Secret", "db")
    assert "stringData" not in secret
    assert secret["type"] == "Opaque"
    assert base64.b64decode(secret["data"]["password"]).decode() == "S3cret-lab"
    assert secret["data"]["user"] == "c2hvcA=="


def test_a_pod_starts_once_the_config_map_and_secret_it_needs_exist(cluster):
    """pod_workers.go completeWork: a failed sync (CreateContainerConfigError) is retried
    after the kubelet's backOffPeriod, so objects created later are picked up."""
    cluster.apply(POD)
    cluster.advance(30)
    waiting = cluster.get("Pod", "shop")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting == {"reason": "CreateContainerConfigError", "message": 'configmap "settings" not found'}
    cluster.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {LOG_LEVEL: info}\n")
    cluster.advance(30)
    waiting = cluster.get("Pod", "shop")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["message"] == 'secret "db" not found'
    messages = [e["message"] for e in cluster.events(name="shop") if e["reason"] == "Failed"]
    assert messages == ['Error: configmap "settings" not found', 'Error: secret "db" not found']
    cluster.apply("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: x}\n")
    cluster.advance(30)
    pod = cluster.get("Pod", "shop")
    assert pod["status"]["phase"] == "Running"
    assert "running" in pod["status"]["containerStatuses"][0]["state"]
