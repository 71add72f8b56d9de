"""The kind registry: one Strategy per kind, as upstream's pkg/registry/<group>/<resource>.

Everything the API server, the printers, discovery, protobuf decoding and the pages
need to know about one kind is in that kind's file here, e.g. ``apps/deployment.py``:
``register(Strategy(kind=..., defaulter=..., validator=..., columns=..., ...))``.
Adding a kind is adding one such file and naming it in BUILTIN_KINDS below. See ``base.py`` for
the Strategy's parts and for the per-cluster overlay custom resources use.
"""

import importlib

from playground.engine.registry.base import (
    BUILTIN,
    Registry,
    Strategy,
    no_defaults,
    no_validation,
    register,
)

# Each kind's file, in registration order: the order of kinds.TYPES (the namespace
# controller deletes in it). A new built-in kind is a new file and a line here.
BUILTIN_KINDS = (
    "core.namespace",
    "core.node",
    "core.pod",
    "core.configmap",
    "core.secret",
    "core.resourcequota",
    "core.limitrange",
    "core.event",
    "core.serviceaccount",
    "apps.replicaset",
    "apps.deployment",
    "policy.poddisruptionbudget",
    "coordination.lease",
    "scheduling.priorityclass",
    "core.service",
    "core.endpoints",
    "discovery.endpointslice",
    "networking.ingress",
    "networking.ingressclass",
    "networking.networkpolicy",
    "apps.daemonset",
    "apps.statefulset",
    "apps.controllerrevision",
    "batch.job",
    "batch.cronjob",
    "core.persistentvolume",
    "core.persistentvolumeclaim",
    "storage.storageclass",
    "autoscaling.horizontalpodautoscaler",
    "rbac.role",
    "rbac.clusterrole",
    "rbac.rolebinding",
    "rbac.clusterrolebinding",
    "apiextensions.customresourcedefinition",
    "core.replicationcontroller",
    "core.podtemplate",
    "node.runtimeclass",
    "storage.csidriver",
    "certificates.certificatesigningrequest",
    "admissionregistration.mutatingwebhookconfiguration",
    "admissionregistration.validatingwebhookconfiguration",
    "admissionregistration.validatingadmissionpolicy",
    "admissionregistration.validatingadmissionpolicybinding",
)
for _module in BUILTIN_KINDS:
    importlib.import_module(f"{__name__}.{_module}")

__all__ = ["BUILTIN", "Registry", "Strategy", "no_defaults", "no_validation", "register"]
