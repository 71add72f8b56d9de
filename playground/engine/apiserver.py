"""The API server: the only way into the store.

Every write goes decode → default → validate → admit → store, exactly in upstream's
order, so a learner gets the same error at the same point as on a real cluster.
Controllers inside the engine write through :meth:`ApiServer.commit`, a fast path
that skips decoding (their objects are already well-formed) but not the store's
bookkeeping.
"""

from __future__ import annotations

from playground.engine import admission, quantity, schema, validation
from playground.engine import patch as patching
from playground.engine.backref import ClusterRef
from playground.engine.errors import (
    ApiError,
    already_exists,
    bad_request,
    conflict,
    invalid_object,
    not_found,
    not_registered,
    too_many_requests,
)
from playground.engine.podstatus import pod_ready
from playground.engine.registry import BUILTIN, Strategy
from playground.engine.registry.autoscaling import hpa_v1
from playground.engine.selectors import (
    compile_label_selector,
    field_matches,
    matches,
    parse_field_selector,
    parse_label_selector,
)
from playground.engine.util import deep_copy, int_or_percent, object_key, parse_time, rfc3339


class ApiServer:
    cluster = ClusterRef()  # weak: see playground/engine/backref.py

    def __init__(self, cluster):
        self.cluster = cluster
        self.store = cluster.store
        # Namespaces a multi-document dry run will have created by the time it gets there.
        self.assumed_namespaces: set[str] = set()
        # The kinds this cluster serves: the built-in ones, and those registered here at
        # run time (custom resources), which no other cluster sees.
        self.registry = BUILTIN.overlay()
        # Unknown fields dropped from non-strict writes since the caller last cleared it:
        # the API facade answers them as Warning headers (fieldValidation=Warn).
        self.warnings: list[str] = []

    # Types -----------------------------------------------------------------

    def resource_type(self, kind: str) -> Strategy:
        rt = self.registry.get(kind)
        if rt is None:
            raise not_registered(kind)
        return rt

    def now(self) -> str:
        return rfc3339(self.cluster.clock)

    # Reads -----------------------------------------------------------------

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict:
        rt = self.resource_type(kind)
        ns = (namespace or "default") if rt.namespaced else ""
        obj = self.store.get(kind, ns, name)
        if obj is None:
            raise not_found(rt, name)
        return obj

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        label_selector=None,
        field_selector: str | None = None,
    ) -> list[dict]:
        rt = self.resource_type(kind)
        if isinstance(label_selector, dict):
            requirements = compile_label_selector(label_selector)
        else:
            requirements = parse_label_selector(label_selector or "")
        fields = parse_field_selector(kind, field_selector or "")
        ns = namespace if rt.namespaced else None
        items = [
            obj
            for obj in self.store.iter(kind, ns)
            if (not requirements or matches(requirements, obj["metadata"].get("labels")))
            and (not fields or field_matches(fields, obj))
        ]
        items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        return items

    # Decoding --------------------------------------------------------------

    def decode(self, body, namespace: str | None = None, strict: bool = True) -> tuple[Strategy, dict]:
        if not isinstance(body, dict):
            raise bad_request(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml"
            )
        if hpa_v1.is_v1_body(body):  # served as a view of the stored autoscaling/v2 object
            body = hpa_v1.to_v2(body)
        kind = body.get("kind")
        api_version = body.get("apiVersion")
        if not kind:
            raise bad_request(f"Object 'Kind' is missing in '{_short(body)}'")
        if not api_version:
            raise bad_request(f"Object 'apiVersion' is missing in '{_short(body)}'")
        rt = self.registry.get(kind)
        # A custom resource is accepted in each served version (stored in its storage one).
        if rt is None or api_version not in getattr(rt, "api_versions", (rt.api_version,)):
            raise not_registered(kind, api_version)
        where = f'{kind} in version "{api_version.rpartition("/")[2]}" cannot be handled as a {kind}'
        try:
            if hasattr(rt, "unknown_fields"):  # a custom resource: its CRD's structural schema
                unknown = rt.unknown_fields(body)
            else:
                unknown = schema.check(body, kind, api_version)
        except schema.DecodeError as exc:
            raise bad_request(f"{where}: {exc.message}") from None
        # A custom resource is unstructured: such a number is a float64 there, and no
        # field of it is a time.
        if not hasattr(rt, "unknown_fields"):
            too_big = _beyond_int64(body)
            if too_big is not None:
                raise bad_request(
                    f"{where}: json: cannot unmarshal number {too_big} into Go value of type int64"
                )
            bad_time = _bad_time(body)
            if bad_time is not None:
                raise bad_request(
                    f'{where}: parsing time "{bad_time}" as "2006-01-02T15:04:05Z07:00": cannot parse '
                    f'"{bad_time}" as "2006"'
                )
        if unknown and strict:
            fields = ", ".join(f'unknown field "{path}"' for path in unknown)
            raise bad_request(f"{where}: strict decoding error: {fields}")
        for value in rt.quantities(body) if rt.quantities else ():
            try:
                quantity.parse(value)
            except quantity.QuantityError:
                raise bad_request(f"{where}: {quantity.QUANTITY_ERROR}") from None
        obj = deep_copy(body)
        for path in unknown:  # non-strict: unknown fields are dropped, as the decoder does
            _drop(obj, path)
            self.warnings.append(f'unknown field "{path}"')
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise bad_request(f"{where}: metadata must be an object")
        if rt.namespaced:
            body_ns = meta.get("namespace")
            target = namespace or body_ns or "default"
            if body_ns and namespace and body_ns != namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            meta["namespace"] = target
        else:
            meta.pop("namespace", None)
        return rt, obj

    # Writes ----------------------------------------------------------------

    def create(self, body, namespace: str | None = None, dry_run: bool = False, strict: bool = True) -> dict:
        rt, obj = self.decode(body, namespace, strict)
        return self._create(rt, obj, dry_run=dry_run, user=True)

    def create_internal(self, obj: dict) -> dict:
        """Create an object a controller built: no decoding, but defaults and admission."""
        rt = self.registry[obj["kind"]]
        return self._create(rt, obj, dry_run=False, user=False)

    def _create(self, rt: Strategy, obj: dict, dry_run: bool, user: bool) -> dict:
        meta = obj["metadata"]
        kind = rt.kind
        for field in (
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "deletionTimestamp",
            "generation",
        ):
            meta.pop(field, None)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = f"{meta['generateName']}{self.cluster.rng.suffix()}"
        limits = self.cluster.limits
        limits.check_create(rt, obj)
        rt.default(obj)
        if kind == "Pod":
            # Mutating admission (LimitRanger's defaults) comes before validation.
            admission.limit_ranger_defaults(self.store, obj)
        if user:
            limits.check_object(rt, obj)
            errors = rt.validate(obj)
            if errors:
                raise invalid_object(rt, meta.get("name") or meta.get("generateName", ""), errors)
        name = meta["name"]
        namespace = meta.get("namespace", "")
        if rt.namespaced:
            admission.namespace_lifecycle(
                self.store, rt, name, namespace, self.assumed_namespaces if dry_run else frozenset()
            )
        if self.store.get(kind, namespace, name) is not None:
            raise already_exists(rt, name)
        if kind == "Pod":
            admission.service_account(self.store, obj, self.cluster.rng)
            admission.priority(self.store, rt, obj)
            admission.default_tolerations(obj)
            admission.limit_ranger(self.store, rt, obj)
        admission.pod_security(self, rt, obj, warn=user)
        admission.resource_quota(self.store, rt, kind, obj)
        if kind == "Service":
            errors = self.cluster.allocator.allocate(obj)
            if errors:
                raise invalid_object(rt, name, errors)
        rt.prepare_for_create(obj)
        if dry_run:
            meta["uid"] = meta.get("uid") or "dry-run"
            meta["creationTimestamp"] = self.now()
            return obj
        meta["uid"] = self.cluster.rng.uid()
        meta["creationTimestamp"] = self.now()
        if rt.after_uid is not None:
            rt.after_uid(obj)
        generation = rt.next_generation(obj, None)
        if generation is not None:
            meta["generation"] = generation
        meta["resourceVersion"] = str(self.store.next_revision())
        return self.store.put(kind, obj, "ADDED")

    def update(
        self,
        body,
        namespace: str | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
        strict: bool = True,
        skip_unchanged: bool = False,
    ) -> dict:
        rt, obj = self.decode(body, namespace, strict)
        return self._update(rt, obj, subresource=subresource, dry_run=dry_run, skip_unchanged=skip_unchanged)

    def _update(
        self,
        rt: Strategy,
        obj: dict,
        subresource: str | None = None,
        dry_run: bool = False,
        scaling: bool = False,
        skip_unchanged: bool = False,
    ) -> dict:
        """skip_unchanged: the body is the client's own (decoded from a request, or a patch's
        result), so an equal object means nothing changed; an engine caller may have changed
        the stored object in place, so for it a write is always a write."""
        kind = rt.kind
        meta = obj["metadata"]
        name = meta.get("name")
        if not name:
            raise invalid_object(
                rt, "", [validation.required("metadata.name", "name or generateName is required")]
            )
        namespace = meta.get("namespace", "")
        old = self.store.get(kind, namespace, name)
        if old is None:
            raise not_found(rt, name)
        rv = meta.get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise conflict(rt, name)
        if meta.get("uid") and meta["uid"] != old["metadata"]["uid"]:
            raise conflict(
                rt,
                name,
                f"Precondition failed: UID in precondition: {meta['uid']}, UID in object meta: {old['metadata']['uid']}",
            )
        # Server-owned metadata survives every update.
        for field in (
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
        ):
            if field in old["metadata"]:
                meta[field] = old["metadata"][field]
            else:
                meta.pop(field, None)
        # Field ownership (server-side apply) is kept unless the writer sends its own.
        if "managedFields" not in meta and "managedFields" in old["metadata"]:
            meta["managedFields"] = old["metadata"]["managedFields"]
        if subresource == "status":
            new = rt.status_update(obj, old)
            # A custom resource's status is its CRD's schema's business.
            errors = [] if hasattr(rt, "unknown_fields") else validation.status_errors(kind, new)
            if errors:
                raise invalid_object(rt, name, errors)
        elif subresource in rt.subresource_updates:
            new, errors = rt.subresource_updates[subresource](obj, old)
            if errors:
                raise invalid_object(rt, name, errors)
            admission.pod_security(self, rt, new, old, subresource)
            admission.resource_quota(self.store, rt, kind, new, old)
        else:
            new = obj
            rt.prepare_for_update(new, old)
            rt.default(new)
            errors = rt.validate_update(new, old)
            if not errors and kind == "Service":
                errors = self.cluster.allocator.allocate(new, old)
            if errors:
                raise invalid_object(rt, name, errors)
            # Admission mutations of the original survive (service account, priority).
            rt.keep_admitted(new, old)
            admission.pod_security(self, rt, new, old, "scale" if scaling else None)
            if kind == "PersistentVolumeClaim":
                admission.pvc_resize(self.store, rt, new, old)
                admission.resource_quota(self.store, rt, kind, new, old)
        self.cluster.limits.check_object(rt, new, old)
        if skip_unchanged and _unchanged(new, old):
            # The storage layer skips a write that changes nothing: no new resourceVersion, no
            # watch event (kubectl then prints "patched (no change)").
            return old
        if dry_run:
            return new
        return self.commit(kind, new, old)

    def commit(self, kind: str, new: dict, old: dict | None) -> dict:
        """Store a new version of an object (controllers' fast path)."""
        meta = dict(new["metadata"])
        if old is not None:
            generation = self.registry[kind].next_generation(new, old)
            if generation is not None:
                meta["generation"] = generation
        meta["resourceVersion"] = str(self.store.next_revision())
        stored = {**new, "metadata": meta}
        # Finalizers gone from an object being deleted: it can go now.
        if meta.get("deletionTimestamp") and not meta.get("finalizers") and kind not in ("Pod", "Namespace"):
            self.store.put(kind, stored, "MODIFIED")
            self.store.remove(kind, stored)
            return stored
        return self.store.put(kind, stored, "MODIFIED" if old is not None else "ADDED")

    def patch(
        self,
        kind: str,
        name: str,
        namespace: str | None,
        body,
        patch_type: str = "strategic",
        subresource: str | None = None,
        dry_run: bool = False,
        strict: bool = True,
        skip_unchanged: bool = False,
    ) -> dict:
        rt = self.resource_type(kind)
        current = self.get(kind, name, namespace)
        if patch_type == "merge":
            if not isinstance(body, dict):
                raise bad_request(
                    "json: cannot unmarshal array into Go value of type map[string]interface {}"
                )
            result = patching.merge_patch(current, body)
        elif patch_type == "json":
            result = patching.json_patch(current, body)
        elif patch_type == "strategic":
            if not isinstance(body, dict):
                raise bad_request(
                    "json: cannot unmarshal array into Go value of type map[string]interface {}"
                )
            result = patching.strategic_merge_patch(current, body, schema.root(kind, rt.api_version))
        else:
            raise ApiError(
                415, "UnsupportedMediaType", f"the server does not support patch type {patch_type!r}"
            )
        if not isinstance(result, dict):
            raise bad_request("the patch did not produce an object")
        result.setdefault("metadata", {})
        result["metadata"]["name"] = name
        if rt.namespaced:
            result["metadata"]["namespace"] = current["metadata"]["namespace"]
        # A patch that names no resourceVersion applies to the current version.
        patched_rv = isinstance(body, dict) and (body.get("metadata") or {}).get("resourceVersion")
        if not patched_rv:
            result["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        result.setdefault("apiVersion", rt.api_version)
        result.setdefault("kind", kind)
        rt2, obj = self.decode(result, namespace, strict)
        return self._update(rt2, obj, subresource=subresource, dry_run=dry_run, skip_unchanged=skip_unchanged)

    # Deletion ----------------------------------------------------------------

    def delete(
        self,
        kind: str,
        name: str,
        namespace: str | None = None,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: dict | None = None,
        dry_run: bool = False,
    ) -> dict:
        rt = self.resource_type(kind)
        obj = self.get(kind, name, namespace)
        meta = obj["metadata"]
        if preconditions:
            if preconditions.get("uid") and preconditions["uid"] != meta["uid"]:
                raise conflict(
                    rt,
                    name,
                    f"Precondition failed: UID in precondition: {preconditions['uid']}, UID in object meta: {meta['uid']}",
                )
            if (
                preconditions.get("resourceVersion")
                and preconditions["resourceVersion"] != meta["resourceVersion"]
            ):
                raise conflict(rt, name)
        if propagation_policy not in (None, "Background", "Foreground", "Orphan"):
            raise bad_request(
                f'propagationPolicy: Unsupported value: {propagation_policy!r}: supported values: "Foreground", "Background", "Orphan"'
            )
        if dry_run:
            return obj
        if kind == "Namespace":
            return self._delete_namespace(obj)
        if kind == "Pod":
            return self._delete_pod(obj, grace_period_seconds)
        finalizers = list(meta.get("finalizers") or [])
        # A kind may hold its objects back until it has cleaned up (a CRD's custom resources).
        finalizers += [f for f in getattr(rt, "delete_finalizers", ()) if f not in finalizers]
        policy = propagation_policy or "Background"
        if policy == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        if policy == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        if finalizers:
            if meta.get("deletionTimestamp") and finalizers == list(meta.get("finalizers") or []):
                return obj
            new_meta = {**meta, "finalizers": finalizers, "deletionGracePeriodSeconds": 0}
            new_meta.setdefault("deletionTimestamp", self.now())
            return self.commit(kind, {**obj, "metadata": new_meta}, obj)
        self.store.remove(kind, obj)
        return obj

    def _delete_namespace(self, obj: dict) -> dict:
        if obj["metadata"]["name"] in ("default", "kube-system", "kube-public", "kube-node-lease"):
            rt = self.registry["Namespace"]
            from playground.engine.errors import forbidden

            raise forbidden(rt, obj["metadata"]["name"], "this namespace may not be deleted")
        if obj["metadata"].get("deletionTimestamp"):
            return obj
        new = {
            **obj,
            "metadata": {**obj["metadata"], "deletionTimestamp": self.now()},
            "status": {"phase": "Terminating"},
        }
        return self.commit("Namespace", new, obj)

    def _delete_pod(self, pod: dict, grace_period_seconds: int | None) -> dict:
        spec = pod.get("spec") or {}
        grace = (
            grace_period_seconds
            if grace_period_seconds is not None
            else spec.get("terminationGracePeriodSeconds", 30)
        )
        grace = max(int(grace), 0)
        meta = pod["metadata"]
        phase = (pod.get("status") or {}).get("phase")
        # Unscheduled or finished pods, and forced deletions, go at once.
        if grace == 0 or not spec.get("nodeName") or phase in ("Succeeded", "Failed"):
            if meta.get("finalizers"):
                new_meta = {
                    **meta,
                    "deletionTimestamp": meta.get("deletionTimestamp") or self.now(),
                    "deletionGracePeriodSeconds": 0,
                }
                return self.commit("Pod", {**pod, "metadata": new_meta}, pod)
            self.store.remove("Pod", pod)
            return pod
        if meta.get("deletionTimestamp"):
            current = meta.get("deletionGracePeriodSeconds", grace)
            if grace >= current:
                return pod
        deadline = self.cluster.clock + grace
        new_meta = {**meta, "deletionTimestamp": rfc3339(deadline), "deletionGracePeriodSeconds": grace}
        stored = self.commit("Pod", {**pod, "metadata": new_meta}, pod)
        self.cluster.enqueue("kubelet", object_key(meta["namespace"], meta["name"]))
        return stored

    def remove_now(self, kind: str, obj: dict) -> None:
        """Final removal once a kubelet or a controller is done with an object."""
        self.store.remove(kind, obj)

    # Subresources ---------------------------------------------------------

    def bind(self, name: str, namespace: str, node_name: str) -> dict:
        pod = self.get("Pod", name, namespace)
        if (pod.get("spec") or {}).get("nodeName"):
            raise conflict(
                self.registry["Pod"],
                name,
                f'pod {name} is already assigned to node "{pod["spec"]["nodeName"]}"',
            )
        if self.store.get("Node", "", node_name) is None:
            raise not_found(self.registry["Node"], node_name)
        from playground.engine.util import set_condition

        status = dict(pod.get("status") or {})
        status["conditions"] = set_condition(
            status.get("conditions") or [],
            {"type": "PodScheduled", "status": "True", "lastProbeTime": None},
            self.now(),
        )
        new = {**pod, "spec": {**pod["spec"], "nodeName": node_name}, "status": status}
        return self.commit("Pod", new, pod)

    def evict(
        self, name: str, namespace: str, dry_run: bool = False, grace_period_seconds: int | None = None
    ) -> dict:
        """policy/v1 Eviction: a delete that honours PodDisruptionBudgets."""
        pod = self.get("Pod", name, namespace)
        labels = pod["metadata"].get("labels") or {}
        budgets = [
            pdb
            for pdb in self.store.iter("PodDisruptionBudget", namespace)
            if matches(compile_label_selector((pdb.get("spec") or {}).get("selector")), labels)
        ]
        phase = (pod.get("status") or {}).get("phase")
        if pod["metadata"].get("deletionTimestamp") or phase in ("Succeeded", "Failed", "Pending"):
            budgets = []
        if len(budgets) > 1:
            raise ApiError(
                500,
                "InternalError",
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
            )
        if budgets:
            pdb = budgets[0]
            status = pdb.get("status") or {}
            # The budget must have been observed since it last changed.
            if (
                status.get("observedGeneration", 0) < pdb["metadata"].get("generation", 1)
                or "disruptionsAllowed" not in status
            ):
                self.cluster.controllers["disruption"].sync(pdb)
                pdb = self.store.get("PodDisruptionBudget", namespace, pdb["metadata"]["name"])
                status = pdb.get("status") or {}
            if not pod_ready(pod) and status.get("currentHealthy", 0) >= status.get("desiredHealthy", 0):
                pass
            elif status.get("disruptionsAllowed", 0) <= 0:
                raise too_many_requests(
                    "Cannot evict pod as it would violate the pod's disruption budget.",
                    causes=[
                        {
                            "reason": "DisruptionBudget",
                            "message": (
                                f"The disruption budget {pdb['metadata']['name']} needs "
                                f"{status.get('desiredHealthy', 0)} healthy pods and has "
                                f"{status.get('currentHealthy', 0)} currently"
                            ),
                        }
                    ],
                )
            elif not dry_run:
                disrupted = dict(status.get("disruptedPods") or {})
                disrupted[name] = self.now()
                new_status = {
                    **status,
                    "disruptionsAllowed": status["disruptionsAllowed"] - 1,
                    "disruptedPods": disrupted,
                }
                self.commit("PodDisruptionBudget", {**pdb, "status": new_status}, pdb)
        if dry_run:
            return pod
        self.delete("Pod", name, namespace, grace_period_seconds=grace_period_seconds)
        return pod

    def get_scale(self, kind: str, name: str, namespace: str | None) -> dict:
        obj = self.get(kind, name, namespace)
        rt = self.resource_type(kind)
        if hasattr(rt, "scale_of"):  # a custom resource: its CRD's scale paths
            return rt.scale_of(obj)
        status = obj.get("status") or {}
        selector = (obj.get("spec") or {}).get("selector")
        if kind == "ReplicationController" and selector:  # a plain label map (SelectorFromSet)
            selector = {"matchLabels": selector}
        from playground.engine.selectors import format_selector

        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {
                "name": name,
                "namespace": obj["metadata"]["namespace"],
                "uid": obj["metadata"]["uid"],
                "resourceVersion": obj["metadata"]["resourceVersion"],
                "creationTimestamp": obj["metadata"]["creationTimestamp"],
            },
            "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 1)},
            "status": {"replicas": status.get("replicas", 0), "selector": format_selector(selector)},
        }

    def scale(
        self, kind: str, name: str, namespace: str | None, replicas: int, resource_version: str | None = None
    ) -> dict:
        rt = self.resource_type(kind)
        if "scale" not in rt.subresources:
            raise not_found(rt, name)
        obj = self.get(kind, name, namespace)
        if resource_version and resource_version != obj["metadata"]["resourceVersion"]:
            raise conflict(rt, name)
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise invalid_object(
                rt,
                name,
                [validation.invalid("spec.replicas", replicas, "must be greater than or equal to 0")],
            )
        self.cluster.limits.check_replicas(rt, name, replicas)
        if hasattr(rt, "with_replicas"):  # a custom resource: its CRD's specReplicasPath
            return self._update(rt, rt.with_replicas(obj, replicas), scaling=True)
        new = {**obj, "spec": {**obj["spec"], "replicas": replicas}}
        new = deep_copy(new)
        return self._update(rt, new, scaling=True)


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _beyond_int64(body) -> str | None:
    """The first integer no Go int64 field holds (the decoder's limit), else None."""
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, int) and not isinstance(node, bool) and not INT64_MIN <= node <= INT64_MAX:
            # Python writes no integer of more than 4300 digits: name a huge one by its size.
            return str(node) if node.bit_length() < 10_000 else f"of {node.bit_length()} bits"
    return None


# The metav1.Time and MicroTime fields of the built-in kinds: the decoder reads each as an
# RFC 3339 time, and the loops and printers rely on it.
TIME_FIELDS = frozenset(
    {
        "creationTimestamp",
        "deletionTimestamp",
        "firstTimestamp",
        "lastTimestamp",
        "eventTime",
        "lastObservedTime",
        "startTime",
        "completionTime",
        "lastTransitionTime",
        "lastUpdateTime",
        "lastProbeTime",
        "lastHeartbeatTime",
        "lastScaleTime",
        "lastScheduleTime",
        "lastSuccessfulTime",
        "startedAt",
        "finishedAt",
        "renewTime",
        "acquireTime",
        "timeAdded",
    }
)


def _bad_time(body) -> str | None:
    """The first value of a time field that does not read as a time, else None."""
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in TIME_FIELDS and value is not None:
                    if not isinstance(value, str):
                        continue  # the schema check reports a wrong type
                    try:
                        parse_time(value)
                    except ValueError:
                        return value[:64]
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, dict | list))
    return None


def _short(body: dict) -> str:
    import json

    text = json.dumps(body, separators=(",", ":"))
    return text if len(text) < 200 else text[:200] + "…"


def _drop(obj: dict, path: str) -> None:
    import re

    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    node = obj
    for part in parts[:-1]:
        if part.startswith("["):
            node = node[int(part[1:-1])]
        else:
            node = node[part]
    last = parts[-1]
    if isinstance(node, dict):
        node.pop(last, None)


def desired_healthy(pdb: dict, expected: int) -> int:
    spec = pdb.get("spec") or {}
    if spec.get("minAvailable") is not None:
        return int_or_percent(spec["minAvailable"], expected, round_up=True)
    if spec.get("maxUnavailable") is not None:
        return max(0, expected - int_or_percent(spec["maxUnavailable"], expected, round_up=True))
    return expected


def _without_write_noise(obj: dict) -> dict:
    meta = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
    if "managedFields" in meta:
        meta["managedFields"] = [
            {k: v for k, v in entry.items() if k != "time"} if isinstance(entry, dict) else entry
            for entry in meta["managedFields"] or []
        ]
    return {**obj, "metadata": meta}


def _unchanged(new: dict, old: dict) -> bool:
    """Equal but for the resourceVersion and the managed fields' timestamps."""
    return _without_write_noise(new) == _without_write_noise(old)
