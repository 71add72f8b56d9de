"""Every namespace gets a `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap,
as the serviceaccount controller and root-ca-cert-publisher do."""

from __future__ import annotations

from playground.engine.controllers.base import Controller, Result
from playground.engine.text import _, join, say

ROOT_CA = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDBTCCAe2gAwIBAgIIUGxheWdyb3VuZDANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQD\n"
    "EwprdWJlcm5ldGVzMB4XDTI2MDEwMTAwMDAwMFoXDTM2MDEwMTAwMDAwMFowFTETMBEG\n"
    "A1UEAxMKa3ViZXJuZXRlczCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAK8s\n"
    "-----END CERTIFICATE-----\n"
)


class ServiceAccountController(Controller):
    name = "serviceaccount"
    watches = ("Namespace", "ServiceAccount", "ConfigMap")

    def on_event(self, etype, kind, old, new):
        if kind == "Namespace" and new is not None and not new["metadata"].get("deletionTimestamp"):
            self.enqueue(new["metadata"]["name"])
        elif etype == "DELETED" and kind in ("ServiceAccount", "ConfigMap"):
            if old["metadata"]["name"] in ("default", "kube-root-ca.crt"):
                self.enqueue(old["metadata"]["namespace"])

    def reconcile(self, key: str) -> Result:
        store = self.cluster.store
        ns = store.get("Namespace", "", key)
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return Result()
        made = []
        if store.get("ServiceAccount", key, "default") is None:
            self.cluster.api.create_internal(
                {
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": {"name": "default", "namespace": key},
                }
            )
            made.append("ServiceAccount default")
        if store.get("ConfigMap", key, "kube-root-ca.crt") is None:
            self.cluster.api.create_internal(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {
                        "name": "kube-root-ca.crt",
                        "namespace": key,
                        "annotations": {
                            "kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."
                        },
                    },
                    "data": {"ca.crt": ROOT_CA},
                }
            )
            made.append("ConfigMap kube-root-ca.crt")
        if not made:
            return Result()
        made_text = join(made, _("%(first)s and %(rest)s"))
        return Result.of(
            self.record(
                "Created", ns, say(_("namespace %(name)s got its %(made)s"), name=key, made=made_text)
            )
        )
