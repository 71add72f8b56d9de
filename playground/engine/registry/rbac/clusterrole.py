"""rbac.authorization.k8s.io/v1 ClusterRole: permissions cluster-wide (a global vCenter role)."""

from playground.engine import validation
from playground.engine.printers import created_at
from playground.engine.registry.base import Strategy, no_defaults, register

register(
    Strategy(
        kind="ClusterRole",
        group="rbac.authorization.k8s.io",
        version="v1",
        plural="clusterroles",
        namespaced=False,
        has_status=False,
        defaulter=no_defaults,
        validator=validation.role,
        columns=("NAME", "CREATED AT"),
        printer=created_at,
        counterpart=None,
    )
)
