"""The CustomResourceDefinition shape every addon's CRDs share, built in one place."""

from __future__ import annotations

AGE = {"jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"}


def crd(
    group: str,
    kind: str,
    plural: str,
    scope: str,
    properties: dict,
    *,
    required: list[str],
    columns: list[dict],
    annotations: dict,
    description: str,
    short_names=(),
    categories=(),
    status: bool = False,
    version: str = "v1",
) -> dict:
    """One served and stored version, apiVersion/kind/metadata beside the given properties."""
    names = {"kind": kind, "listKind": f"{kind}List", "plural": plural, "singular": kind.lower()}
    if categories:
        names["categories"] = list(categories)
    if short_names:
        names["shortNames"] = list(short_names)
    served = {
        "name": version,
        "served": True,
        "storage": True,
        "schema": {
            "openAPIV3Schema": {
                "type": "object",
                "description": description,
                "required": required,
                "properties": {
                    "apiVersion": {"type": "string"},
                    "kind": {"type": "string"},
                    "metadata": {"type": "object"},
                    **properties,
                },
            }
        },
        "additionalPrinterColumns": columns,
    }
    if status:
        served["subresources"] = {"status": {}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}", "annotations": annotations},
        "spec": {"group": group, "scope": scope, "names": names, "versions": [served]},
    }
