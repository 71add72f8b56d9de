"""rbac.authorization.k8s.io/v1 RoleBinding: who holds a role in one namespace."""

from playground.engine import validation
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_defaults, register


def printer(obj: dict, now: float) -> list[str]:
    ref = obj.get("roleRef") or {}
    return [obj["metadata"].get("name", ""), f"{ref.get('kind')}/{ref.get('name')}", age(obj, now)]


register(
    Strategy(
        kind="RoleBinding",
        group="rbac.authorization.k8s.io",
        version="v1",
        plural="rolebindings",
        namespaced=True,
        has_status=False,
        defaulter=no_defaults,
        validator=validation.role_binding,
        columns=("NAME", "ROLE", "AGE"),
        printer=printer,
        counterpart=None,
    )
)
