"""rbac.authorization.k8s.io/v1 ClusterRoleBinding: who holds a role cluster-wide."""

from playground.engine import validation
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_defaults, register


def printer(obj: dict, now: float) -> list[str]:
    ref = obj.get("roleRef") or {}
    return [obj["metadata"].get("name", ""), f"{ref.get('kind')}/{ref.get('name')}", age(obj, now)]


register(
    Strategy(
        kind="ClusterRoleBinding",
        group="rbac.authorization.k8s.io",
        version="v1",
        plural="clusterrolebindings",
        namespaced=False,
        has_status=False,
        defaulter=no_defaults,
        validator=validation.role_binding,
        columns=("NAME", "ROLE", "AGE"),
        printer=printer,
        counterpart=None,
    )
)
