"""Gateway API (gateway.networking.k8s.io), the standard channel of bundle v1.4.0.

The six CRDs of that bundle's ``standard-install.yaml`` (BackendTLSPolicy, GatewayClass,
Gateway, GRPCRoute, HTTPRoute, ReferenceGrant) with its short names, categories, printer
columns and bundle-version and channel annotations. Bundles v1.5 and later add ListenerSet
and TLSRoute to the standard channel; they are not served here. BackendTLSPolicy is stored,
not acted on (the simulated gateway opens no TLS to backends). Their schemas validate the fields a lesson uses
(a listener's name, port and protocol; a route's parentRefs, hostnames, path matches and
backendRefs, with upstream's defaults) and keep the rest (filters, TLS options,
infrastructure) as sent. The v1beta1 versions the bundle still serves are left out.

The GatewayClass a profile offers names its simulated implementation: in the kubeadm
profiles an honestly fictional ``example.net/sandbox-gateway-controller`` on the MetalLB
pool; in the vSphere profile the Avi Kubernetes Operator's (AKO) controller name
``ako.vmware.com/avi-lb`` (AKO's Gateway API guide: "A GatewayClass avi-lb with
controllerName as ako.vmware.com/avi-lb will get installed").
"""

from __future__ import annotations

from playground.engine.addons import common
from playground.engine.text import _

GROUP = "gateway.networking.k8s.io"
BUNDLE_VERSION = "v1.4.0"
SANDBOX_CONTROLLER = "example.net/sandbox-gateway-controller"
AVI_CONTROLLER = "ako.vmware.com/avi-lb"

_ANY = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
_ANY_LIST = {"type": "array", "items": _ANY}
_NAME = {"type": "string", "maxLength": 253, "minLength": 1}
_SECTION = {
    "type": "string",
    "maxLength": 253,
    "minLength": 1,
    "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
}
_HOSTNAME = {
    "type": "string",
    "maxLength": 253,
    "minLength": 1,
    "pattern": "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
}
_PORT = {"type": "integer", "format": "int32", "minimum": 1, "maximum": 65535}
_GROUP = {
    "type": "string",
    "maxLength": 253,
    "pattern": "^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
}
_KIND = {
    "type": "string",
    "maxLength": 63,
    "minLength": 1,
    "pattern": "^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$",
}
_NAMESPACE = {"type": "string", "maxLength": 63, "minLength": 1, "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"}
_CONDITIONS = {"type": "array", "maxItems": 8, "items": _ANY}

_PARENT_REF = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "group": {**_GROUP, "default": GROUP},
        "kind": {**_KIND, "default": "Gateway"},
        "namespace": _NAMESPACE,
        "name": _NAME,
        "sectionName": _SECTION,
        "port": _PORT,
    },
}
_BACKEND_REF = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "group": {**_GROUP, "default": ""},
        "kind": {**_KIND, "default": "Service"},
        "name": _NAME,
        "namespace": _NAMESPACE,
        "port": _PORT,
        "weight": {"type": "integer", "format": "int32", "default": 1, "minimum": 0, "maximum": 1000000},
        "filters": {**_ANY_LIST, "maxItems": 16},
    },
}
_ROUTE_STATUS = {
    "type": "object",
    "required": ["parents"],
    "properties": {
        "parents": {
            "type": "array",
            "maxItems": 32,
            "items": {
                "type": "object",
                "required": ["controllerName", "parentRef"],
                "properties": {
                    "conditions": _CONDITIONS,
                    "controllerName": _NAME,
                    "parentRef": _PARENT_REF,
                },
            },
        }
    },
}
_PENDING = [
    {
        "type": kind,
        "status": "Unknown",
        "reason": "Pending",
        "message": "Waiting for controller",
        "lastTransitionTime": "1970-01-01T00:00:00Z",
    }
    for kind in ("Accepted", "Programmed")
]


def _crd(
    kind: str,
    plural: str,
    scope: str,
    spec: dict,
    status: dict | None,
    columns: list[dict],
    short_names=(),
    version: str = "v1",
) -> dict:
    properties = {"spec": spec} if status is None else {"spec": spec, "status": status}
    return common.crd(
        GROUP,
        kind,
        plural,
        scope,
        properties,
        required=["spec"],
        columns=columns,
        annotations={
            "api-approved.kubernetes.io": "https://github.com/kubernetes-sigs/gateway-api/pull/3328",
            "gateway.networking.k8s.io/bundle-version": BUNDLE_VERSION,
            "gateway.networking.k8s.io/channel": "standard",
        },
        description=DESCRIPTIONS[kind],
        short_names=short_names,
        categories=["gateway-api"],
        status=status is not None,
        version=version,
    )


_AGE = common.AGE


def _route_spec(rule: dict) -> dict:
    return {
        "type": "object",
        "properties": {
            "parentRefs": {"type": "array", "maxItems": 32, "items": _PARENT_REF},
            "hostnames": {"type": "array", "maxItems": 16, "items": _HOSTNAME},
            "rules": {"type": "array", "maxItems": 16, "items": rule},
        },
    }


def crds() -> list[dict]:
    gateway_class = _crd(
        "GatewayClass",
        "gatewayclasses",
        "Cluster",
        {
            "type": "object",
            "required": ["controllerName"],
            "properties": {
                "controllerName": {
                    "type": "string",
                    "maxLength": 253,
                    "minLength": 1,
                    "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$",
                },
                "description": {"type": "string", "maxLength": 64},
                "parametersRef": {
                    "type": "object",
                    "required": ["group", "kind", "name"],
                    "properties": {"group": _GROUP, "kind": _KIND, "name": _NAME, "namespace": _NAMESPACE},
                },
            },
        },
        {
            "type": "object",
            "default": {"conditions": [c for c in _PENDING if c["type"] == "Accepted"]},
            "properties": {"conditions": _CONDITIONS, "supportedFeatures": _ANY_LIST},
        },
        [
            {"jsonPath": ".spec.controllerName", "name": "Controller", "type": "string"},
            {
                "jsonPath": '.status.conditions[?(@.type=="Accepted")].status',
                "name": "Accepted",
                "type": "string",
            },
            _AGE,
            {"jsonPath": ".spec.description", "name": "Description", "priority": 1, "type": "string"},
        ],
        short_names=("gc",),
    )
    listener = {
        "type": "object",
        "required": ["name", "port", "protocol"],
        "properties": {
            "name": _SECTION,
            "hostname": _HOSTNAME,
            "port": _PORT,
            "protocol": {
                "type": "string",
                "maxLength": 255,
                "minLength": 1,
                "pattern": "^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9]+$",
            },
            "tls": _ANY,
            "allowedRoutes": {
                "type": "object",
                "default": {"namespaces": {"from": "Same"}},
                "properties": {
                    "kinds": {
                        "type": "array",
                        "maxItems": 8,
                        "items": {
                            "type": "object",
                            "required": ["kind"],
                            "properties": {"group": {**_GROUP, "default": GROUP}, "kind": _KIND},
                        },
                    },
                    "namespaces": {
                        "type": "object",
                        "default": {"from": "Same"},
                        "properties": {
                            "from": {
                                "type": "string",
                                "default": "Same",
                                "enum": ["All", "Selector", "Same"],
                            },
                            "selector": _ANY,
                        },
                    },
                },
            },
        },
    }
    gateway = _crd(
        "Gateway",
        "gateways",
        "Namespaced",
        {
            "type": "object",
            "required": ["gatewayClassName", "listeners"],
            "properties": {
                "gatewayClassName": _NAME,
                "listeners": {"type": "array", "minItems": 1, "maxItems": 64, "items": listener},
                "addresses": {"type": "array", "maxItems": 16, "items": _ANY},
                "infrastructure": _ANY,
                "allowedListeners": _ANY,
                "tls": _ANY,
            },
        },
        {
            "type": "object",
            "default": {"conditions": _PENDING},
            "properties": {
                "addresses": {"type": "array", "maxItems": 16, "items": _ANY},
                "conditions": _CONDITIONS,
                "listeners": {"type": "array", "maxItems": 64, "items": _ANY},
                "attachedListenerSets": {"type": "integer", "format": "int32"},
            },
        },
        [
            {"jsonPath": ".spec.gatewayClassName", "name": "Class", "type": "string"},
            {"jsonPath": ".status.addresses[*].value", "name": "Address", "type": "string"},
            {
                "jsonPath": '.status.conditions[?(@.type=="Programmed")].status',
                "name": "Programmed",
                "type": "string",
            },
            _AGE,
        ],
        short_names=("gtw",),
    )
    path_match = {
        "type": "object",
        "default": {"type": "PathPrefix", "value": "/"},
        "properties": {
            "type": {
                "type": "string",
                "default": "PathPrefix",
                "enum": ["Exact", "PathPrefix", "RegularExpression"],
            },
            "value": {"type": "string", "default": "/", "maxLength": 1024},
        },
    }
    http_rule = {
        "type": "object",
        "properties": {
            "name": _SECTION,
            "matches": {
                "type": "array",
                "maxItems": 64,
                "default": [{"path": {"type": "PathPrefix", "value": "/"}}],
                "items": {
                    "type": "object",
                    "properties": {
                        "path": path_match,
                        "headers": {**_ANY_LIST, "maxItems": 16},
                        "queryParams": {**_ANY_LIST, "maxItems": 16},
                        "method": {
                            "type": "string",
                            "enum": [
                                "GET",
                                "HEAD",
                                "POST",
                                "PUT",
                                "DELETE",
                                "CONNECT",
                                "OPTIONS",
                                "TRACE",
                                "PATCH",
                            ],
                        },
                    },
                },
            },
            "filters": {**_ANY_LIST, "maxItems": 16},
            "backendRefs": {"type": "array", "maxItems": 16, "items": _BACKEND_REF},
            "timeouts": _ANY,
        },
    }
    http_route = _crd(
        "HTTPRoute",
        "httproutes",
        "Namespaced",
        _route_spec(http_rule),
        _ROUTE_STATUS,
        [{"jsonPath": ".spec.hostnames", "name": "Hostnames", "type": "string"}, _AGE],
    )
    http_route["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"][
        "rules"
    ]["default"] = [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}]}]
    grpc_rule = {
        "type": "object",
        "properties": {
            "name": _SECTION,
            "matches": {"type": "array", "maxItems": 64, "items": _ANY},
            "filters": {**_ANY_LIST, "maxItems": 16},
            "backendRefs": {"type": "array", "maxItems": 16, "items": _BACKEND_REF},
        },
    }
    grpc_route = _crd(
        "GRPCRoute",
        "grpcroutes",
        "Namespaced",
        _route_spec(grpc_rule),
        _ROUTE_STATUS,
        [{"jsonPath": ".spec.hostnames", "name": "Hostnames", "type": "string"}, _AGE],
    )
    peer = {"type": "object", "required": ["group", "kind"], "properties": {"group": _GROUP, "kind": _KIND}}
    reference_grant = _crd(
        "ReferenceGrant",
        "referencegrants",
        "Namespaced",
        {
            "type": "object",
            "required": ["from", "to"],
            "properties": {
                "from": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 16,
                    "items": {
                        "type": "object",
                        "required": ["group", "kind", "namespace"],
                        "properties": {**peer["properties"], "namespace": _NAMESPACE},
                    },
                },
                "to": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 16,
                    "items": {
                        "type": "object",
                        "required": ["group", "kind"],
                        "properties": {**peer["properties"], "name": _NAME},
                    },
                },
            },
        },
        None,
        [_AGE],
        short_names=("refgrant",),
        version="v1beta1",
    )
    target = {
        "type": "object",
        "required": ["group", "kind", "name"],
        "properties": {"group": _GROUP, "kind": _KIND, "name": _NAME, "sectionName": _SECTION},
    }
    backend_tls_policy = _crd(
        "BackendTLSPolicy",
        "backendtlspolicies",
        "Namespaced",
        {
            "type": "object",
            "required": ["targetRefs", "validation"],
            "properties": {
                "targetRefs": {"type": "array", "minItems": 1, "maxItems": 16, "items": target},
                "validation": {
                    "type": "object",
                    "required": ["hostname"],
                    "x-kubernetes-preserve-unknown-fields": True,
                    "properties": {"hostname": _HOSTNAME},
                },
                "options": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        {"type": "object", "properties": {"ancestors": {"type": "array", "maxItems": 16, "items": _ANY}}},
        [_AGE],
        short_names=("btlspolicy",),
    )
    return [backend_tls_policy, gateway_class, gateway, grpc_route, http_route, reference_grant]


# What `kubectl explain <kind>` says of each (in our words).
DESCRIPTIONS = {  # _(): kubectl explain prints the English, the workspace shows them translated
    "GatewayClass": _(
        "GatewayClass names a class of Gateways that one controller (spec.controllerName) "
        "implements, typically set up by the infrastructure team. It is cluster-scoped."
    ),
    "Gateway": _(
        "Gateway asks for a traffic-handling point (a load balancer or proxy) of a GatewayClass: "
        "its listeners say which ports, protocols and hostnames it accepts, and which routes may attach."
    ),
    "HTTPRoute": _(
        "HTTPRoute says how HTTP requests arriving at the Gateways in spec.parentRefs are matched "
        "(hostnames, paths, headers) and forwarded to backends, usually Services."
    ),
    "GRPCRoute": _(
        "GRPCRoute says how gRPC requests arriving at the Gateways in spec.parentRefs are matched "
        "(service and method) and forwarded to backends."
    ),
    "BackendTLSPolicy": _(
        "BackendTLSPolicy says how a Gateway connects to the backends in spec.targetRefs "
        "over TLS: the hostname to verify and the CA certificates to trust."
    ),
    "ReferenceGrant": _(
        "ReferenceGrant, in the namespace of the objects referred to, allows objects of the "
        "kinds and namespaces in spec.from to refer to them (a route to a Service in another namespace)."
    ),
}


def controller_name(cluster) -> str | None:
    """The controllerName this cluster's simulated gateway implementation answers to."""
    from playground.engine.network import load_balancer

    return {"metallb": SANDBOX_CONTROLLER, "nsx": AVI_CONTROLLER}.get(load_balancer(cluster) or "")


def classes(cluster) -> list[dict]:
    controller = controller_name(cluster)
    if controller is None:
        return []
    if controller == AVI_CONTROLLER:
        name, description = "avi-lb", "Avi Load Balancer (AKO) on NSX"
    else:
        name, description = "sandbox", "The sandbox's gateway, on MetalLB's pool"
    return [
        {
            "apiVersion": f"{GROUP}/v1",
            "kind": "GatewayClass",
            "metadata": {"name": name},
            "spec": {"controllerName": controller, "description": description},
        }
    ]
