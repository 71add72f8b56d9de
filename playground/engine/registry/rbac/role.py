"""rbac.authorization.k8s.io/v1 Role: permissions in one namespace (a vCenter role scoped to a folder)."""

from playground.engine import validation
from playground.engine.printers import created_at
from playground.engine.registry.base import Strategy, no_defaults, register

register(
    Strategy(
        kind="Role",
        group="rbac.authorization.k8s.io",
        version="v1",
        plural="roles",
        namespaced=True,
        has_status=False,
        defaulter=no_defaults,
        validator=validation.role,
        columns=("NAME", "CREATED AT"),
        printer=created_at,
        counterpart=None,
    )
)
