"""The kubelets: one per node, sharing one implementation and keyed by pod.

Each pod moves through the states a real kubelet reports, on the simulated clock:
image pull (or ``ErrImagePull``/``ImagePullBackOff``), container created and
started, running, exited (shown until the next relist), restarted at once the first time,
then with ``CrashLoopBackOff`` back-off (10 s
doubling to 5 min), readiness from probes, init containers first. What an image or
command does is decided by :mod:`playground.engine.images`.

Runtime facts that are not API fields (when a pull finishes, a container's log)
live in ``state``, which is serialised with the cluster.
"""

from __future__ import annotations

import functools
import ipaddress
import math
from collections.abc import Iterator

from playground.engine import images, quantity
from playground.engine.backref import ClusterRef
from playground.engine.errors import ApiError
from playground.engine.podstatus import node_ready_status
from playground.engine.resources import pod_resources
from playground.engine.text import Text, _, join, message_fields, say
from playground.engine.util import key_of, rfc3339, set_condition, split_key

# pkg/kubelet/kubelet.go: backOffPeriod and MaxContainerBackOff (the crash-loop back-off).
BACKOFF_START = 10
BACKOFF_MAX = 300
# plegRelistPeriod: how soon after an exit the kubelet syncs the pod again.
RELIST_SECONDS = 1
# How long the runtime takes to apply an in-place resize and report it.
RESIZE_SECONDS = 1
# The pod's sandbox and network: its first container runs this long after its image is there.
START_SECONDS = 1.0
LOG_LINES_KEPT = 200
PULL_BACKOFF_REPORT = 5


@functools.lru_cache(maxsize=8192)
def _cidr_bounds(cidr: str) -> tuple[int, int, int]:
    network = ipaddress.ip_network(cidr, strict=False)
    return network.version, int(network.network_address), network.num_addresses


def _pod_cidr_addresses(cidr: str, used: int) -> Iterator[str]:
    """A pod CIDR's addresses from .2 up (the network address is not one, .1 is the
    bridge, the last is broadcast), as ipaddress spells them; enough of them to find a
    free one when `used` are taken. IPv4 ones are spelled without building an address
    object for each, which the kubelet otherwise pays once per pod already there."""
    version, base, size = _cidr_bounds(cidr)
    stop = min(size - 1, used + 3)
    if version != 4:
        for offset in range(2, stop):
            yield str(ipaddress.IPv6Address(base + offset))
        return
    for value in range(base + 2, base + stop):
        yield f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


def backoff_delay(restarts: int) -> int:
    return min(BACKOFF_START * (2 ** max(restarts - 1, 0)), BACKOFF_MAX) if restarts else BACKOFF_START


class Kubelet:
    cluster = ClusterRef()  # weak: see playground/engine/backref.py
    name = "kubelet"
    component = "kubelet"
    watches = ("Pod", "ConfigMap", "Secret", "PersistentVolumeClaim", "Node")

    def __init__(self, cluster):
        self.cluster = cluster
        # pod uid -> runtime state
        self.state: dict[str, dict] = {}
        # volume -> node it is attached to; pods waiting for a volume to mount
        self.attachments: dict[str, str] = {}
        self.waiting_mounts: set[str] = set()
        # node -> {ip: pod uid}
        self.ips: dict[str, dict[str, str]] = {}
        # pod uid -> (status, spec, node) of a pod left steady by its last sync: all its
        # containers running and ready, nothing due, no volumes or references whose
        # objects could change under it. A sync of the same pod status, spec and node
        # would change nothing (the resync after the kubelet's own status write), so it
        # is skipped. A cache only: not saved.
        self.steady: dict[str, tuple[dict | None, dict | None, dict]] = {}

    # Watch -------------------------------------------------------------------

    def on_event(self, etype: str, kind: str, old: dict | None, new: dict | None) -> None:
        if kind == "Pod":
            pod = new or old
            if new is None:
                self._forget(old)
                self._retry_pending_resizes((old.get("spec") or {}).get("nodeName"))
                return
            if (new.get("spec") or {}).get("nodeName"):
                self.cluster.enqueue(self.name, key_of(pod))
        elif kind in ("ConfigMap", "Secret", "PersistentVolumeClaim") and self.waiting_mounts:
            for key in list(self.waiting_mounts):
                self.cluster.enqueue(self.name, key)
        elif kind == "Node" and new is not None and old is not None:
            # A node coming back to life resumes its pods.
            if self.cluster.node_is_down(old["metadata"]["name"]) is False and node_ready_status(
                old
            ) != node_ready_status(new):
                for pod in self.cluster.store.pods_on(new["metadata"]["name"]):
                    self.cluster.enqueue(self.name, key_of(pod))

    def _retry_pending_resizes(self, node_name: str | None) -> None:
        """A pod leaving a node frees room: deferred resizes there are tried again
        (the allocation manager's RetryPendingResizes)."""
        if not node_name:
            return
        for other in self.cluster.store.pods_on(node_name):
            if (self.state.get(other["metadata"].get("uid")) or {}).get("resize_pending"):
                self.cluster.enqueue(self.name, key_of(other))

    def _forget(self, pod: dict) -> None:
        uid = pod["metadata"].get("uid")
        node_name = (pod.get("spec") or {}).get("nodeName")
        # Detach volumes no other pod on that node still uses.
        for pv_name, attached in list(self.attachments.items()):
            if attached != node_name:
                continue
            still_used = any(
                self._pod_uses_volume(other, pv_name)
                for other in self.cluster.store.pods_on(node_name)
                if other["metadata"].get("uid") != uid
            )
            if not still_used:
                del self.attachments[pv_name]
                for key in list(self.waiting_mounts):
                    self.cluster.enqueue(self.name, key)
        st = self.state.pop(uid, None)
        self.steady.pop(uid, None)
        node = (pod.get("spec") or {}).get("nodeName")
        if st and node and st.get("ip") and not (pod.get("spec") or {}).get("hostNetwork"):
            self.ips.get(node, {}).pop(st["ip"], None)
            self.ips.get(f"ns:{pod['metadata']['namespace']}", {}).pop(st["ip"], None)

    # Reconcile ---------------------------------------------------------------

    def reconcile(self, key: str) -> dict | None:
        cluster = self.cluster
        ns, name = split_key(key)
        pod = cluster.store.get("Pod", ns, name)
        if pod is None:
            return None
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name or cluster.node_is_down(node_name):
            return None
        node = cluster.store.get("Node", "", node_name)
        if node is None:
            return None
        if pod["metadata"].get("deletionTimestamp"):
            return self._terminate(pod, node_name)
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return None
        steady = self.steady.get(pod["metadata"].get("uid"))
        if (
            steady is not None
            and steady[0] is pod.get("status")
            and steady[1] is pod.get("spec")
            and steady[2] is node
        ):
            return None
        return self._sync(pod, node)

    def _terminate(self, pod: dict, node_name: str) -> dict | None:
        cluster = self.cluster
        uid = pod["metadata"]["uid"]
        st = self.state.get(uid)
        deadline = cluster.parse_time(pod["metadata"]["deletionTimestamp"])
        if st is None or not st.get("killing"):
            stop_after = 0.0
            if st is not None:
                # The app containers first, then the sidecars, the last one first
                # (killContainersWithSyncResult with restartable init containers).
                sidecars = [c for c in pod["spec"].get("initContainers") or [] if _sidecar(c)]
                for group in (pod["spec"].get("containers") or [], list(reversed(sidecars))):
                    group_stop = 0.0
                    for c in group:
                        cs = st["containers"].get(c["name"])
                        if cs and cs["stage"] == "running":
                            cluster.recorder.record(
                                pod,
                                "Normal",
                                "Killing",
                                f"Stopping container {c['name']}",
                                "kubelet",
                                node_name,
                            )
                            group_stop = max(group_stop, images.info(c["image"]).stop_seconds)
                    stop_after += group_stop
                st["killing"] = True
            grace = pod["metadata"].get("deletionGracePeriodSeconds", 30)
            finish = min(cluster.clock + stop_after, cluster.clock + grace, deadline)
            if st is not None:
                st["killed_at"] = finish
            if finish > cluster.clock:
                cluster.schedule_at(finish, self.name, key_of(pod))
                return {
                    "component": "kubelet",
                    "action": "Killing",
                    "kind": "Pod",
                    "namespace": pod["metadata"]["namespace"],
                    "name": pod["metadata"]["name"],
                    **message_fields(
                        say(
                            _("%(node)s is stopping the containers of %(pod)s"),
                            node=node_name,
                            pod=pod["metadata"]["name"],
                        )
                    ),
                }
        elif st.get("killed_at", 0) > cluster.clock:
            cluster.schedule_at(st["killed_at"], self.name, key_of(pod))
            return None
        # Containers have stopped: the kubelet confirms the deletion (grace period 0).
        if pod["metadata"].get("finalizers"):
            return None
        cluster.api.remove_now("Pod", pod)
        return {
            "component": "kubelet",
            "action": "Deleted",
            "kind": "Pod",
            "namespace": pod["metadata"]["namespace"],
            "name": pod["metadata"]["name"],
            **message_fields(
                say(
                    _("%(node)s stopped %(pod)s; the pod is gone"),
                    node=node_name,
                    pod=pod["metadata"]["name"],
                )
            ),
        }

    def _new_state(self, pod: dict, node: dict) -> dict:
        # Host-network pods share the node's address; others get one from its pod CIDR.
        if (pod.get("spec") or {}).get("hostNetwork"):
            ip = _node_ip(node)
        else:
            ip = self._namespace_ip(pod) or self._allocate_ip(node, pod["metadata"]["uid"])
        return {
            "ip": ip,
            "containers": {},
            "init_done": 0,
            "started": self.cluster.clock,
            # What the kubelet admitted the pod with, and what the runtime now applies.
            "allocated": _resizable(pod),
            "actuated": _resizable(pod),
        }

    def _namespace_ip(self, pod: dict) -> str | None:
        """With NSX (NCP), pods take addresses from their namespace's segment subnet."""
        ns = self.cluster.store.get("Namespace", "", pod["metadata"]["namespace"])
        subnet = ((ns or {}).get("metadata", {}).get("annotations") or {}).get("ncp/subnet")
        if not subnet:
            return None
        used = self.ips.setdefault(f"ns:{pod['metadata']['namespace']}", {})
        network = ipaddress.ip_network(subnet)
        for offset in range(2, network.num_addresses - 1):
            ip = str(network.network_address + offset)
            if ip not in used:
                used[ip] = pod["metadata"]["uid"]
                return ip
        return None

    def _allocate_ip(self, node: dict, uid: str) -> str:
        if (node.get("spec") or {}).get("podCIDR") is None:
            return ""
        node_name = node["metadata"]["name"]
        used = self.ips.setdefault(node_name, {})
        # .1 is the bridge (cni0); hand out from .2 upward, lowest free first.
        for ip in _pod_cidr_addresses(node["spec"]["podCIDR"], len(used)):
            if ip not in used:
                used[ip] = uid
                return ip
        return ""

    def _sync(self, pod: dict, node: dict) -> dict | None:
        cluster = self.cluster
        now = cluster.clock
        uid = pod["metadata"]["uid"]
        node_name = node["metadata"]["name"]
        key = key_of(pod)
        st = self.state.get(uid)
        first = st is None
        if first:
            st = self.state[uid] = self._new_state(pod, node)
        spec = pod["spec"]
        init = spec.get("initContainers") or []
        containers = spec.get("containers") or []
        actions: list[Text] = []
        next_due: float | None = None

        def due(at: float) -> None:
            nonlocal next_due
            next_due = at if next_due is None else min(next_due, at)

        missing = self._missing_config(pod)
        mount_problem = self._mount_problem(pod, node_name)
        if mount_problem is not None:
            reason, text, source = mount_problem
            message = str(text)  # the Event's message, and the step's in English
            if st.get("mount_problem") != message:
                st["mount_problem"] = message
                cluster.recorder.record(
                    pod, "Warning", reason, message, source, node_name if source == "kubelet" else None
                )
            self.waiting_mounts.add(key)
            status = self._status(pod, node, st)
            if status != (pod.get("status") or {}):
                cluster.api.commit("Pod", {**pod, "status": status}, pod)
            return {
                "component": f"kubelet ({node_name})",
                "action": reason,
                "kind": "Pod",
                "namespace": pod["metadata"]["namespace"],
                "name": pod["metadata"]["name"],
                **message_fields(text),
            }
        st.pop("mount_problem", None)
        self.waiting_mounts.discard(key)
        self._attach(pod, node_name)
        # Sidecars (restartable init containers) already started keep running, restarting
        # on exit, beside whatever starts next (computeInitContainerActions).
        for c in init[: st["init_done"]]:
            if _sidecar(c):
                cs = st["containers"].setdefault(c["name"], {"stage": "new", "restarts": 0})
                self._advance_container(pod, node, c, cs, st, missing, actions, due, True)
        if st["init_done"] < len(init):
            c = init[st["init_done"]]
            cs = st["containers"].setdefault(c["name"], {"stage": "new", "restarts": 0})
            self._advance_container(pod, node, c, cs, st, missing, actions, due, True)
            # A sidecar lets the next one start once it runs; an init container once it succeeded.
            if (
                (cs["stage"] == "running")
                if _sidecar(c)
                else (cs["stage"] == "exited" and cs.get("exit_code") == 0)
            ):
                st["init_done"] += 1
                due(now)
        else:
            for c in containers:
                cs = st["containers"].setdefault(c["name"], {"stage": "new", "restarts": 0})
                self._advance_container(pod, node, c, cs, st, missing, actions, due, False)
            self._stop_sidecars_when_done(pod, st, init, containers, actions, due)
        self._resize(pod, node, st, actions, due)
        status = self._status(pod, node, st)
        changed = status != (pod.get("status") or {})
        if changed:
            stored = cluster.api.commit("Pod", {**pod, "status": status}, pod)
        else:
            stored = pod
        if next_due is not None:
            cluster.schedule_at(next_due, self.name, key)
        elif not init and self._steady(stored, st, containers, now):
            self.steady[uid] = (stored.get("status"), stored.get("spec"), node)
        else:
            self.steady.pop(uid, None)
        if not actions and not changed:
            return None
        message = (
            join(actions, _("%(first)s; %(rest)s"))
            if actions
            else say(_("updated the status of %(pod)s"), pod=pod["metadata"]["name"])
        )
        return {
            "component": f"kubelet ({node_name})",
            "action": "SyncPod",
            "kind": "Pod",
            "namespace": pod["metadata"]["namespace"],
            "name": pod["metadata"]["name"],
            **message_fields(message),
        }

    def _resize(self, pod: dict, node: dict, st: dict, actions: list, due) -> None:
        """In-place resize (KEP-1287, GA in 1.35): a change of the containers' cpu or memory
        (through the ``resize`` subresource) is admitted like a new pod would be
        (``canResizePod`` in pkg/kubelet/allocation): beyond the node's allocatable it is
        Infeasible, beyond what the other pods leave free it is Deferred (retried when a
        pod on the node goes away); otherwise it is allocated and applied, in progress
        until the runtime reports the new values (``RESIZE_SECONDS``). A container whose
        ``resizePolicy`` says RestartContainer for a changed resource restarts."""
        now = self.cluster.clock
        desired = _resizable(pod)
        allocated = st.setdefault("allocated", desired)
        st.setdefault("actuated", allocated)
        if desired == allocated:
            st.pop("resize_pending", None)
        else:
            verdict = self._resize_verdict(pod, node, desired)
            if verdict is not None:
                if st.get("resize_pending") != list(verdict):
                    st["resize_pending"] = list(verdict)
                    actions.append(
                        say(
                            _("resize of %(pod)s is %(verdict)s: %(reason)s"),
                            pod=pod["metadata"]["name"],
                            verdict=verdict[0],
                            reason=verdict[1],
                        )
                    )
            else:
                st.pop("resize_pending", None)
                self._apply_resize(pod, st, allocated, desired, due)
                st["allocated"] = desired
                st["resize_done_at"] = now + RESIZE_SECONDS
                actions.append(say(_("resizing %(pod)s in place"), pod=pod["metadata"]["name"]))
        done_at = st.get("resize_done_at")
        if done_at is not None:
            if done_at <= now:
                st["actuated"] = st["allocated"]
                del st["resize_done_at"]
            else:
                due(done_at)

    def _apply_resize(self, pod: dict, st: dict, before: dict, after: dict, due) -> None:
        """resizePolicy RestartContainer: the container restarts to take a changed resource."""
        spec = pod["spec"]
        for c in (spec.get("containers") or []) + [
            x for x in spec.get("initContainers") or [] if _sidecar(x)
        ]:
            changed = {
                name
                for section in ("requests", "limits")
                for name in ("cpu", "memory")
                if (before.get(c["name"]) or {}).get(section, {}).get(name)
                != (after.get(c["name"]) or {}).get(section, {}).get(name)
            }
            restart = any(
                p.get("resourceName") in changed and p.get("restartPolicy") == "RestartContainer"
                for p in c.get("resizePolicy") or []
            )
            cs = st["containers"].get(c["name"])
            if restart and cs is not None and cs["stage"] == "running":
                cs.update(exit_at=self.cluster.clock, exit_code=0, resize_restart=True)
                due(self.cluster.clock)

    def _resize_verdict(self, pod: dict, node: dict, desired: dict) -> tuple[str, str] | None:
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        capacity = {
            "cpu": quantity.millis(allocatable.get("cpu", "0")),
            "memory": quantity.to_int(allocatable.get("memory", "0")),
        }
        wanted = _requests_of(pod, desired)
        for name in ("memory", "cpu"):
            if wanted.get(name, 0) > capacity[name]:
                return (
                    "Infeasible",
                    f"Node didn't have enough capacity: {name}, requested: {wanted[name]}, capacity: {capacity[name]}",
                )
        used = {"cpu": 0, "memory": 0}
        for other in self.cluster.store.pods_on(node["metadata"]["name"]):
            if other["metadata"]["uid"] == pod["metadata"]["uid"] or (other.get("status") or {}).get(
                "phase"
            ) in ("Succeeded", "Failed"):
                continue
            other_st = self.state.get(other["metadata"]["uid"]) or {}
            for name, value in _requests_of(other, other_st.get("allocated") or _resizable(other)).items():
                if name in used:
                    used[name] += value
        for name in ("cpu", "memory"):
            if wanted.get(name, 0) + used[name] > capacity[name]:
                return (
                    "Deferred",
                    f"Node didn't have enough resource: {name}, requested: {wanted.get(name, 0)}, "
                    f"used: {used[name]}, capacity: {capacity[name]}",
                )
        return None

    def _stop_sidecars_when_done(self, pod, st, init, containers, actions, due) -> None:
        """A pod whose app containers have all finished for good (restartPolicy Never or
        OnFailure) stops its sidecars, the last one first, each taking as long as it takes
        to stop on SIGTERM up to the grace period (then SIGKILL, exit code 137)."""
        sidecars = [c for c in init if _sidecar(c)]
        if not sidecars or pod["spec"].get("restartPolicy", "Always") == "Always":
            return
        for c in containers:
            cs = st["containers"].get(c["name"])
            if cs is None or cs["stage"] != "exited":
                return
            if self._restarts(pod, c, cs["last_state"]["exitCode"], False):
                return
        now = self.cluster.clock
        node_name = pod["spec"]["nodeName"]
        grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
        for c in reversed(sidecars):
            cs = st["containers"].get(c["name"])
            if cs is None or cs.get("stopping"):
                continue
            cs["stopping"] = True
            if cs["stage"] != "running":
                if cs.get("last_state"):
                    cs["stage"] = "exited"
                continue
            seconds = images.info(c.get("image", "")).stop_seconds
            cs.update(exit_at=min(now + seconds, now + grace), exit_code=0 if seconds < grace else 137)
            self.cluster.recorder.record(
                pod, "Normal", "Killing", f"Stopping container {c['name']}", "kubelet", node_name
            )
            actions.append(
                say(
                    _("%(node)s is stopping sidecar %(container)s: the app containers have finished"),
                    node=node_name,
                    container=c["name"],
                )
            )
            due(cs["exit_at"])

    @staticmethod
    def _steady(pod: dict, st: dict, containers: list, now: float) -> bool:
        """Whether a sync of this pod, as stored, would change nothing until the pod,
        its status or its node changes (see ``self.steady``)."""
        if st.get("mount_problem") or st.get("killing") or st.get("resize_pending"):
            return False
        spec = pod.get("spec") or {}
        for volume in spec.get("volumes") or []:
            if "configMap" in volume or "secret" in volume or "persistentVolumeClaim" in volume:
                return False
        if not containers:
            return False
        for c in containers:
            if c.get("env") or c.get("envFrom"):
                return False
            cs = st["containers"].get(c["name"])
            if (
                cs is None
                or cs["stage"] != "running"
                or cs.get("exit_at") is not None
                or cs.get("ready_at") is None
                or cs["ready_at"] > now
            ):
                return False
        return True

    def _bound_volume(self, pod: dict, volume: dict) -> str | None:
        """The PersistentVolume a pod volume's claim is bound to, if any."""
        claim_name = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        if not claim_name:
            return None
        claim = self.cluster.store.get("PersistentVolumeClaim", pod["metadata"]["namespace"], claim_name)
        return ((claim or {}).get("spec") or {}).get("volumeName")

    def _pod_uses_volume(self, pod: dict, pv_name: str) -> bool:
        return any(
            self._bound_volume(pod, volume) == pv_name
            for volume in (pod.get("spec") or {}).get("volumes") or []
        )

    def _mount_problem(self, pod: dict, node_name: str) -> tuple[str, Text, str] | None:
        """Volumes that cannot be set up yet: a missing ConfigMap or Secret, or a
        ReadWriteOnce volume still attached to another node (Multi-Attach). The message is
        a Text whose English is the kubelet's own (the Event keeps it); the step shows it
        in the visitor's language."""
        store = self.cluster.store
        ns = pod["metadata"]["namespace"]
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            for kind, field, key in (("ConfigMap", "configMap", "name"), ("Secret", "secret", "secretName")):
                source = volume.get(field)
                if source and not source.get("optional") and store.get(kind, ns, source.get(key, "")) is None:
                    return (
                        "FailedMount",
                        say(
                            _(
                                'MountVolume.SetUp failed for volume "%(volume)s" : %(kind)s "%(name)s" not found'
                            ),
                            volume=volume["name"],
                            kind=kind.lower(),
                            name=source.get(key),
                        ),
                        "kubelet",
                    )
            claim_name = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim_name:
                pv_name = self._bound_volume(pod, volume)
                pv = store.get("PersistentVolume", "", pv_name) if pv_name else None
                if pv is None:
                    continue
                modes = (pv.get("spec") or {}).get("accessModes") or []
                if "ReadWriteOnce" in modes or "ReadWriteOncePod" in modes:
                    attached = self.attachments.get(pv_name)
                    if attached and attached != node_name:
                        users = sorted(
                            p["metadata"]["name"]
                            for p in store.pods_on(attached)
                            if any(
                                (v.get("persistentVolumeClaim") or {}).get("claimName") == claim_name
                                for v in p["spec"].get("volumes") or []
                            )
                            and p["metadata"]["namespace"] == ns
                        )
                        if users:
                            return (
                                "FailedAttachVolume",
                                say(
                                    _(
                                        'Multi-Attach error for volume "%(volume)s" Volume is already used by pod(s) %(pods)s'
                                    ),
                                    volume=pv_name,
                                    pods=", ".join(users),
                                ),
                                "attachdetach-controller",
                            )
                        del self.attachments[pv_name]
        return None

    def _attach(self, pod: dict, node_name: str) -> None:
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            pv_name = self._bound_volume(pod, volume)
            if pv_name and pv_name not in self.attachments:
                self.attachments[pv_name] = node_name
                self.cluster.recorder.record(
                    pod,
                    "Normal",
                    "SuccessfulAttachVolume",
                    f'AttachVolume.Attach succeeded for volume "{pv_name}" ',
                    "attachdetach-controller",
                )

    def _missing_config(self, pod: dict) -> str | None:
        """CreateContainerConfigError: a referenced ConfigMap or Secret that does not exist."""
        store = self.cluster.store
        ns = pod["metadata"]["namespace"]
        for c in (pod["spec"].get("containers") or []) + (pod["spec"].get("initContainers") or []):
            for env in c.get("env") or []:
                ref = env.get("valueFrom") or {}
                for kind, field in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                    target = ref.get(field)
                    if target and not target.get("optional"):
                        obj = store.get(kind, ns, target.get("name", ""))
                        if obj is None:
                            return f'{kind.lower()} "{target.get("name")}" not found'
                        data = (obj.get("data") or {}) | (obj.get("stringData") or {})
                        if target.get("key") not in data:
                            return (
                                f"couldn't find key {target.get('key')} in {kind} {ns}/{target.get('name')}"
                            )
            for source in c.get("envFrom") or []:
                for kind, field in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                    target = source.get(field)
                    if (
                        target
                        and not target.get("optional")
                        and store.get(kind, ns, target.get("name", "")) is None
                    ):
                        return f'{kind.lower()} "{target.get("name")}" not found'
        return None

    def _advance_container(self, pod, node, c, cs, st, missing, actions, due, is_init) -> None:
        cluster = self.cluster
        now = cluster.clock
        node_name = node["metadata"]["name"]
        image = c.get("image", "")
        rec = cluster.recorder.record
        # Pulling
        if cs["stage"] in ("new", "pull-backoff") and cs.get("until", 0) <= now:
            present = image in self._node_images(node)
            pull_policy = c.get("imagePullPolicy", "IfNotPresent")
            if present and pull_policy != "Always":
                rec(
                    pod,
                    "Normal",
                    "Pulled",
                    f'Container image "{image}" already present on machine',
                    "kubelet",
                    node_name,
                )
                cs.update(stage="creating", until=now + (0 if st.get("sandbox") else START_SECONDS))
            elif pull_policy == "Never":
                message = f'Container image "{image}" is not present with pull policy of Never'
                rec(pod, "Warning", "ErrImageNeverPull", message, "kubelet", node_name)
                cs.update(stage="never-pull", reason="ErrImageNeverPull", message=message)
                return
            else:
                rec(pod, "Normal", "Pulling", f'Pulling image "{image}"', "kubelet", node_name)
                seconds = images.info(image).pull_seconds if images.pull_error(image) is None else 1.0
                cs.update(stage="pulling", until=now + seconds, pull_started=now)
                actions.append(say(_("%(node)s is pulling %(image)s"), node=node_name, image=image))
                due(now + seconds)
                return
        if cs["stage"] == "pulling":
            if cs["until"] > now:
                due(cs["until"])
                return
            error = images.pull_error(image)
            if error:
                cs["pull_failures"] = cs.get("pull_failures", 0) + 1
                rec(
                    pod, "Warning", "Failed", f'Failed to pull image "{image}": {error}', "kubelet", node_name
                )
                rec(pod, "Warning", "Failed", "Error: ErrImagePull", "kubelet", node_name)
                delay = backoff_delay(cs["pull_failures"])
                cs.update(
                    stage="pull-backoff",
                    reason="ErrImagePull",
                    message=f"failed to pull and unpack image: {error}",
                    until=now + delay,
                    shown_backoff=False,
                )
                actions.append(
                    say(_("%(node)s could not pull %(image)s: ErrImagePull"), node=node_name, image=image)
                )
                due(now + PULL_BACKOFF_REPORT)
                return
            seconds = cs["until"] - cs.get("pull_started", now)
            size = images.info(image).size
            rec(
                pod,
                "Normal",
                "Pulled",
                f'Successfully pulled image "{image}" in {_go_duration(seconds)} ({_go_duration(seconds)} including waiting). Image size: {size} bytes.',
                "kubelet",
                node_name,
            )
            self._add_node_image(node, image, size)
            cs.update(stage="creating", until=now + (0 if st.get("sandbox") else START_SECONDS))
        if cs["stage"] == "pull-backoff":
            # The next pod sync after a failed pull reports the back-off.
            if (
                not cs.get("shown_backoff")
                and now >= cs["until"] - backoff_delay(cs["pull_failures"]) + PULL_BACKOFF_REPORT
            ):
                cs.update(
                    reason="ImagePullBackOff", message=f'Back-off pulling image "{image}"', shown_backoff=True
                )
                rec(pod, "Normal", "BackOff", f'Back-off pulling image "{image}"', "kubelet", node_name)
                rec(pod, "Warning", "Failed", "Error: ImagePullBackOff", "kubelet", node_name)
                actions.append(
                    say(
                        _("%(node)s backs off pulling %(image)s: ImagePullBackOff"),
                        node=node_name,
                        image=image,
                    )
                )
            due(cs["until"])
            return
        if cs["stage"] == "creating":
            # Creating and starting a container takes the runtime a moment, image present or not.
            if cs.get("until", 0) > now:
                due(cs["until"])
                return
            if missing:
                if cs.get("reason") != "CreateContainerConfigError" or cs.get("message") != missing:
                    rec(pod, "Warning", "Failed", f"Error: {missing}", "kubelet", node_name)
                    actions.append(
                        say(
                            _("%(node)s cannot start %(container)s: %(error)s"),
                            node=node_name,
                            container=c["name"],
                            error=missing,
                        )
                    )
                cs.update(reason="CreateContainerConfigError", message=missing)
                # pod_workers.go completeWork: a sync that failed is retried after the
                # kubelet's backOffPeriod (10 s), so a ConfigMap or Secret created later is found.
                due(now + BACKOFF_START)
                return
            cs.pop("reason", None)
            cs.pop("message", None)
            st["sandbox"] = True
            rec(pod, "Normal", "Created", f"Created container: {c['name']}", "kubelet", node_name)
            rec(pod, "Normal", "Started", f"Started container {c['name']}", "kubelet", node_name)
            behaviour = images.behaviour(image, c.get("command"), c.get("args"))
            started = now
            cs.update(
                stage="running",
                started_at=started,
                container_id=f"containerd://{cluster.rng.hex(16)}{cluster.rng.hex(16)}{cluster.rng.hex(16)}{cluster.rng.hex(16)}",
            )
            self._log(st, c["name"], behaviour.log, started, cs["restarts"])
            actions.append(
                say(_("%(node)s started container %(container)s"), node=node_name, container=c["name"])
            )
            exit_at = None
            if behaviour.seconds is not None:
                exit_at = started + behaviour.seconds
                cs["exit_code"] = behaviour.exit_code
            # A startup probe holds the other probes off until it succeeds; failing
            # failureThreshold times in a row, it has the container killed and restarted
            # (prober worker.go doProbe: liveness and readiness wait for `started`).
            startup = c.get("startupProbe")
            started_ok = started
            if startup:
                if self._probe_ok(c, startup):
                    started_ok = started + startup.get("initialDelaySeconds", 0)
                else:
                    started_ok = None
                    period = startup.get("periodSeconds", 10)
                    threshold = startup.get("failureThreshold", 3)
                    kill_at = started + startup.get("initialDelaySeconds", 0) + period * threshold
                    if exit_at is None or kill_at < exit_at:
                        exit_at = kill_at
                        cs["exit_code"] = 137
                        cs["startup_failed"] = True
                        cs["unhealthy_probe"] = "Startup"
                        cs["unhealthy_at"] = [kill_at - period * k for k in range(threshold - 1, -1, -1)]
                if started_ok is not None and started_ok > now:
                    due(started_ok)
            cs["started_ok_at"] = started_ok
            liveness = c.get("livenessProbe")
            # A probe that starts failing later (its file removed by the script) fails from then.
            fails_from = liveness and images.exec_probe_fails_from(liveness, c.get("command"), c.get("args"))
            if liveness and started_ok is not None and (fails_from or not self._probe_ok(c, liveness)):
                first = max(started + liveness.get("initialDelaySeconds", 0), started_ok)
                period = liveness.get("periodSeconds", 10)
                if fails_from and started + fails_from > first:
                    first += math.ceil((started + fails_from - first) / period) * period
                kill_at = first + period * liveness.get("failureThreshold", 3)
                if exit_at is None or kill_at < exit_at:
                    exit_at = kill_at
                    cs["exit_code"] = 137
                    cs["liveness_failed"] = True
                    cs["unhealthy_probe"] = "Liveness"
                    # Each failed probe is an Unhealthy event (the prober's), one period apart,
                    # the failureThreshold-th at the kill.
                    period = liveness.get("periodSeconds", 10)
                    threshold = liveness.get("failureThreshold", 3)
                    cs["unhealthy_at"] = [kill_at - period * k for k in range(threshold - 1, -1, -1)]
            cs["exit_at"] = exit_at
            readiness = c.get("readinessProbe")
            if started_ok is None:
                cs["ready_at"] = None  # never started: readiness is not probed
            elif readiness:
                ready_at = max(started + readiness.get("initialDelaySeconds", 0), started_ok)
                cs["ready_at"] = ready_at if self._probe_ok(c, readiness) else None
                if cs["ready_at"] is None:
                    rec(
                        pod,
                        "Warning",
                        "Unhealthy",
                        self._probe_failure("Readiness", readiness, c, st),
                        "kubelet",
                        node_name,
                    )
                elif ready_at > now:
                    due(ready_at)
            else:
                cs["ready_at"] = started_ok
                if started_ok > now:
                    due(started_ok)
            if exit_at is not None:
                due(exit_at)
            return
        if cs["stage"] == "running":
            if cs.get("ready_at") and cs["ready_at"] > now:
                due(cs["ready_at"])
            if cs.get("started_ok_at") and cs["started_ok_at"] > now:
                due(cs["started_ok_at"])
            unhealthy = cs.get("unhealthy_at") or []
            which = cs.get("unhealthy_probe", "Liveness")
            while unhealthy and unhealthy[0] <= now:
                unhealthy.pop(0)
                rec(
                    pod,
                    "Warning",
                    "Unhealthy",
                    self._probe_failure(which, c.get(f"{which.lower()}Probe") or {}, c, st),
                    "kubelet",
                    node_name,
                )
            if unhealthy:
                due(unhealthy[0])
            if cs.get("exit_at") is not None:
                if cs["exit_at"] > now:
                    due(cs["exit_at"])
                    return
                code = cs.get("exit_code", 0)
                killed = cs.pop("liveness_failed", False)
                startup_killed = cs.pop("startup_failed", False)
                if killed or startup_killed:
                    probe = "startup" if startup_killed else "liveness"
                    rec(
                        pod,
                        "Normal",
                        "Killing",
                        f"Container {c['name']} failed {probe} probe, will be restarted",
                        "kubelet",
                        node_name,
                    )
                previous = cs.get("last_state")
                cs.update(
                    stage="exited",
                    finished_at=cs["exit_at"],
                    last_state={
                        "exitCode": code,
                        "reason": "Completed" if code == 0 else "Error",
                        "startedAt": rfc3339(cs["started_at"]),
                        "finishedAt": rfc3339(cs["exit_at"]),
                        "containerID": cs["container_id"],
                    },
                )
                if previous is not None:
                    cs["previous_state"] = previous
                else:
                    cs.pop("previous_state", None)
                actions.append(
                    say(
                        _("container %(container)s exited with code %(code)s"), container=c["name"], code=code
                    )
                )
                restart = self._restarts(pod, c, code, is_init) and not cs.get("stopping")
                if cs.pop("resize_restart", False):
                    killed = restart = True
                if killed and restart:
                    # computePodActions kills and starts the container again in one sync.
                    self._restart_or_back_off(pod, node, c, cs, st, missing, actions, due, is_init)
                elif restart:
                    # The exit shows (Error, Completed) until the next relist's sync decides.
                    due(cs["exit_at"] + RELIST_SECONDS)
                return
            return
        if cs["stage"] == "exited":
            code = cs["last_state"]["exitCode"]
            if cs.get("stopping") or not self._restarts(pod, c, code, is_init):
                return
            if now < cs["finished_at"] + RELIST_SECONDS:
                due(cs["finished_at"] + RELIST_SECONDS)
                return
            self._restart_or_back_off(pod, node, c, cs, st, missing, actions, due, is_init)
            return
        if cs["stage"] == "crash-backoff":
            if cs["until"] > now:
                due(cs["until"])
                return
            self._restart_or_back_off(pod, node, c, cs, st, missing, actions, due, is_init)

    @staticmethod
    def _restarts(pod: dict, c: dict, code: int, is_init: bool) -> bool:
        """ShouldContainerBeRestarted: the pod's restartPolicy (a sidecar's own ``Always``)
        for an app container; an init container only when it failed, unless Never."""
        policy = pod["spec"].get("restartPolicy", "Always")
        if _sidecar(c):
            return True
        if is_init:
            return code != 0 and policy != "Never"
        return policy == "Always" or (policy == "OnFailure" and code != 0)

    def _restart_or_back_off(self, pod, node, c, cs, st, missing, actions, due, is_init) -> None:
        """``doBackOff`` (pkg/kubelet/kuberuntime/kuberuntime_manager.go) over
        flowcontrol.Backoff: the first restart is immediate and starts a 10 s back-off
        (``backOffPeriod``); while the exit is younger than the back-off the container waits
        in CrashLoopBackOff; each later restart doubles it, up to 5 min
        (``MaxContainerBackOff``); an exit more than twice that after the last restart
        (10 min of running) starts over."""
        now = self.cluster.clock
        finished = cs["finished_at"]
        backoff, updated = cs.get("backoff"), cs.get("backoff_at")
        expired = backoff is None or finished - updated > 2 * BACKOFF_MAX
        if not expired and now - finished < backoff:
            until = finished + backoff
            if cs["stage"] != "crash-backoff":
                cs.update(stage="crash-backoff", until=until, delay=backoff)
                self.cluster.recorder.record(
                    pod,
                    "Warning",
                    "BackOff",
                    f"Back-off restarting failed container {c['name']} in pod "
                    f"{pod['metadata']['name']}_{pod['metadata']['namespace']}({pod['metadata']['uid']})",
                    "kubelet",
                    node["metadata"]["name"],
                )
                actions.append(
                    say(
                        _("container %(container)s backs off for %(delay)s"),
                        container=c["name"],
                        delay=_go_duration(backoff),
                    )
                )
            due(until)
            return
        cs["backoff"] = BACKOFF_START if expired else min(backoff * 2, BACKOFF_MAX)
        cs["backoff_at"] = now
        # The restart goes through the image step again, as a real kubelet's does.
        cs["restarts"] += 1
        cs.update(stage="new", until=now)
        self._advance_container(pod, node, c, cs, st, missing, actions, due, is_init)

    def _probe_ok(self, c: dict, probe: dict) -> bool:
        declared = {p.get("containerPort") for p in c.get("ports") or [] if p.get("containerPort")}
        named = {p["name"]: p.get("containerPort") for p in c.get("ports") or [] if p.get("name")}
        return images.probe_passes(probe, c.get("image", ""), declared, named)

    def _probe_failure(self, which: str, probe: dict, c: dict, st: dict) -> str:
        if "httpGet" in probe:
            action = probe["httpGet"]
            port = action.get("port")
            return (
                f'{which} probe failed: Get "http://{st.get("ip", "")}:{port}{action.get("path", "/")}": '
                f"dial tcp {st.get('ip', '')}:{port}: connect: connection refused"
            )
        if "tcpSocket" in probe:
            port = probe["tcpSocket"].get("port")
            return f"{which} probe failed: dial tcp {st.get('ip', '')}:{port}: connect: connection refused"
        command = [str(a) for a in (probe.get("exec") or {}).get("command") or []]
        if len(command) == 2 and command[0] == "cat":  # what busybox's cat prints for a missing file
            return f"{which} probe failed: cat: can't open '{command[1]}': No such file or directory"
        return f"{which} probe failed: command exited with a non-zero status"

    def _node_images(self, node: dict) -> set[str]:
        return {
            name
            for image in (node.get("status") or {}).get("images") or []
            for name in image.get("names") or []
        }

    def _add_node_image(self, node: dict, image: str, size: int) -> None:
        current = self.cluster.store.get("Node", "", node["metadata"]["name"])
        if current is None or image in self._node_images(current):
            return
        ref = images.parse_image(image)
        entry = {
            "names": [images.image_id(image), image if image != ref.full else ref.full],
            "sizeBytes": size,
        }
        if image != ref.full:
            entry["names"].append(ref.full)
        status = dict(current.get("status") or {})
        status["images"] = list(status.get("images") or []) + [entry]
        self.cluster.api.commit("Node", {**current, "status": status}, current)

    def _log(self, st: dict, container: str, lines: tuple[str, ...], started: float, restart: int) -> None:
        logs = st.setdefault("logs", {})
        previous = logs.get(container)
        if previous is not None:
            st.setdefault("previous_logs", {})[container] = previous
        logs[container] = [[started + i * 0.001, line] for i, line in enumerate(lines)][-LOG_LINES_KEPT:]

    # Status -------------------------------------------------------------------

    def _status(self, pod: dict, node: dict, st: dict) -> dict:
        now = self.cluster.clock
        now_s = rfc3339(now)
        spec = pod["spec"]
        old = pod.get("status") or {}
        init = spec.get("initContainers") or []
        containers = spec.get("containers") or []
        init_complete = st["init_done"] >= len(init)
        statuses = [self._container_status(c, st, pod) for c in containers]
        init_statuses = [self._container_status(c, st, pod, init=True) for c in init]
        sidecar_statuses = [s for c, s in zip(init, init_statuses, strict=True) if _sidecar(c)]
        # getPhase: a running sidecar keeps the pod Running; a stopped one is ignored.
        running = [s for s in statuses + sidecar_statuses if "running" in s["state"]]
        all_ready = bool(statuses) and all(s["ready"] for s in sidecar_statuses + statuses)
        terminated = [s for s in statuses if "terminated" in s["state"]]
        policy = spec.get("restartPolicy", "Always")
        # Phase, as the kubelet derives it from its containers.
        phase = "Pending"
        if init and not init_complete:
            failed_init = any(
                "terminated" in s["state"] and s["state"]["terminated"]["exitCode"] != 0
                for s in init_statuses
            )
            if failed_init and policy == "Never":
                phase = "Failed"
        elif statuses:
            # getPhase: a container waiting that never ran (a sidecar included) keeps it Pending.
            fresh = [
                s for s in statuses + sidecar_statuses if "waiting" in s["state"] and not s.get("lastState")
            ]
            if fresh:
                phase = "Pending"
            elif running:
                phase = "Running"
            elif len(terminated) == len(statuses):
                succeeded = all(s["state"]["terminated"]["exitCode"] == 0 for s in terminated)
                if policy == "Always":
                    phase = "Running"
                elif succeeded:
                    phase = "Succeeded"
                else:
                    phase = "Failed" if policy == "Never" else "Running"
            elif any(s.get("lastState") for s in statuses):
                phase = "Running"  # restarting after having run
        conditions = list(old.get("conditions") or [])

        def cond(ctype, ok, reason=None):
            nonlocal conditions
            entry = {"type": ctype, "status": "True" if ok else "False", "lastProbeTime": None}
            if not ok and reason:
                entry["reason"] = reason
                if ctype in ("Ready", "ContainersReady"):
                    names = ", ".join(s["name"] for s in sidecar_statuses + statuses if not s["ready"])
                    entry["message"] = f"containers with unready status: [{names}]"
                if ctype == "Initialized":
                    names = ", ".join(
                        s["name"]
                        for s in init_statuses
                        if not ("terminated" in s["state"] and s["state"]["terminated"]["exitCode"] == 0)
                        and not s.get("started")
                    )
                    entry["message"] = f"containers with incomplete status: [{names}]"
            conditions = set_condition(conditions, entry, now_s)

        cond("PodReadyToStartContainers", True)
        cond("PodScheduled", True)
        cond("Initialized", init_complete, "ContainersNotInitialized")
        ready = all_ready and phase == "Running"
        if phase == "Succeeded":
            cond("Ready", False, "PodCompleted")
            cond("ContainersReady", False, "PodCompleted")
        else:
            cond("Ready", ready, "ContainersNotReady")
            cond("ContainersReady", all_ready, "ContainersNotReady")
        # In-place resize: PodResizePending (Deferred, Infeasible) and PodResizeInProgress.
        pending = st.get("resize_pending")
        conditions = [
            c
            for c in conditions
            if not (c["type"] == "PodResizePending" and not pending)
            and not (c["type"] == "PodResizeInProgress" and st.get("resize_done_at") is None)
        ]
        if pending:
            conditions = set_condition(
                conditions,
                {
                    "type": "PodResizePending",
                    "status": "True",
                    "lastProbeTime": None,
                    "reason": pending[0],
                    "message": pending[1],
                },
                now_s,
            )
        if st.get("resize_done_at") is not None:
            conditions = set_condition(
                conditions, {"type": "PodResizeInProgress", "status": "True", "lastProbeTime": None}, now_s
            )
        for c, status in zip(
            containers + [c for c in init if _sidecar(c)],
            statuses + sidecar_statuses,
            strict=True,
        ):
            allocation = (st.get("allocated") or {}).get(c["name"]) or {}
            if allocation.get("requests"):
                status["allocatedResources"] = dict(allocation["requests"])
            actuated = (st.get("actuated") or {}).get(c["name"])
            if actuated and "running" in status["state"]:
                status["resources"] = {k: dict(v) for k, v in actuated.items()}
        order = {
            "PodReadyToStartContainers": 0,
            "Initialized": 1,
            "Ready": 2,
            "ContainersReady": 3,
            "PodScheduled": 4,
        }
        conditions.sort(key=lambda c: order.get(c["type"], 9))
        status = {
            "phase": phase,
            "conditions": conditions,
            "hostIP": _node_ip(node),
            "hostIPs": [{"ip": _node_ip(node)}],
            "podIP": st.get("ip", ""),
            "podIPs": [{"ip": st["ip"]}] if st.get("ip") else [],
            "startTime": rfc3339(st["started"]),
            "containerStatuses": statuses,
            "qosClass": old.get("qosClass", "BestEffort"),
        }
        if init:
            status["initContainerStatuses"] = init_statuses
        if old.get("nominatedNodeName"):
            status["nominatedNodeName"] = old["nominatedNodeName"]
        # Parts equal to the stored status's are that status's own (already shared in the
        # store, see store.py): less to keep and to share.
        for part in ("conditions", "hostIPs", "podIPs", "containerStatuses", "initContainerStatuses"):
            previous = old.get(part)
            if previous is not None and part in status and status[part] == previous:
                status[part] = previous
        return status

    def _container_status(self, c: dict, st: dict, pod: dict, init: bool = False) -> dict:
        now = self.cluster.clock
        cs = st["containers"].get(c["name"])
        image = c.get("image", "")
        result = {
            "name": c["name"],
            "image": images.parse_image(image).full if "/" not in image.split(":")[0] else image,
            "imageID": "",
            "ready": False,
            "restartCount": cs["restarts"] if cs else 0,
            "started": False,
        }
        sidecar = init and _sidecar(c)
        if init and not sidecar:
            result.pop("started")
        if cs is None:
            result["state"] = {"waiting": {"reason": "PodInitializing" if not init else "PodInitializing"}}
            if init or not (pod["spec"].get("initContainers")):
                result["state"] = {"waiting": {"reason": "ContainerCreating"}}
            return result
        stage = cs["stage"]
        if cs.get("last_state") and stage != "exited":
            result["lastState"] = {"terminated": cs["last_state"]}
        elif stage == "exited" and cs.get("previous_state"):
            result["lastState"] = {"terminated": cs["previous_state"]}
        if stage in ("running", "exited", "crash-backoff") or cs.get("container_id"):
            result["imageID"] = images.image_id(image)
        if stage == "running":
            result["containerID"] = cs["container_id"]
            result["state"] = {"running": {"startedAt": rfc3339(cs["started_at"])}}
            # `started` turns true once a startup probe has succeeded (at once without one).
            started_ok = cs.get("started_ok_at", cs["started_at"])
            result["started"] = started_ok is not None and started_ok <= now
            ready_at = cs.get("ready_at")
            result["ready"] = ready_at is not None and ready_at <= now
            if init and not sidecar:
                result.pop("started", None)
                result["ready"] = False
        elif stage == "exited":
            result["containerID"] = cs["container_id"]
            result["state"] = {"terminated": cs["last_state"]}
            if init and not sidecar:
                result["ready"] = cs["last_state"]["exitCode"] == 0
            else:
                result["started"] = False
        elif stage == "crash-backoff":
            result["containerID"] = cs["container_id"]
            result["state"] = {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": (
                        f"back-off {_go_duration(cs.get('delay', BACKOFF_START))} restarting failed container={c['name']} "
                        f"pod={pod['metadata']['name']}_{pod['metadata']['namespace']}({pod['metadata']['uid']})"
                    ),
                }
            }
        elif cs.get("reason"):
            result["state"] = {"waiting": {"reason": cs["reason"], "message": cs.get("message", "")}}
        else:
            # convertToAPIContainerStatuses' default waiting reason: PodInitializing in a pod
            # with init containers, ContainerCreating otherwise.
            initialising = init or bool(pod["spec"].get("initContainers"))
            result["state"] = {
                "waiting": {"reason": "PodInitializing" if initialising else "ContainerCreating"}
            }
        return result

    # Logs ---------------------------------------------------------------------

    def logs(self, pod: dict, container: str | None, previous: bool = False) -> list[tuple[float, str]]:
        st = self.state.get(pod["metadata"]["uid"])
        names = [c["name"] for c in pod["spec"].get("containers") or []]
        init_names = [c["name"] for c in pod["spec"].get("initContainers") or []]
        if container is None:
            if len(names) != 1:
                raise ApiError(
                    400,
                    "BadRequest",
                    f"a container name must be specified for pod {pod['metadata']['name']}, choose one of: [{' '.join(names)}]"
                    + (f" or one of the init containers: [{' '.join(init_names)}]" if init_names else ""),
                )
            container = names[0]
        if container not in names + init_names:
            raise ApiError(
                400, "BadRequest", f"container {container} is not valid for pod {pod['metadata']['name']}"
            )
        if (
            st is None
            or container not in st["containers"]
            or st["containers"][container]["stage"]
            in ("new", "pulling", "pull-backoff", "creating", "never-pull")
        ):
            cs = (st or {}).get("containers", {}).get(container)
            reason = (cs or {}).get("reason") or "ContainerCreating"
            if cs and cs["stage"] == "pull-backoff":
                reason = cs.get("reason", "ErrImagePull")
            raise ApiError(
                400,
                "BadRequest",
                f'container "{container}" in pod "{pod["metadata"]["name"]}" is waiting to start: {_waiting_text(reason)}',
            )
        source = st.get("previous_logs", {}) if previous else st.get("logs", {})
        if previous and container not in source:
            raise ApiError(
                400,
                "BadRequest",
                f'previous terminated container "{container}" in pod "{pod["metadata"]["name"]}" not found',
            )
        return [tuple(line) for line in source.get(container, [])]

    # Serialisation -----------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "state": self.state,
            "ips": self.ips,
            "attachments": self.attachments,
            "waitingMounts": sorted(self.waiting_mounts),
        }

    def load(self, data: dict) -> None:
        self.state = data["state"]
        self.steady = {}
        self.ips = data["ips"]
        self.attachments = data.get("attachments", {})
        self.waiting_mounts = set(data.get("waitingMounts", []))


def _resizable(pod: dict) -> dict:
    """Each container's (sidecars' too) cpu and memory requests and limits."""
    spec = pod.get("spec") or {}
    result = {}
    for c in (spec.get("containers") or []) + [x for x in spec.get("initContainers") or [] if _sidecar(x)]:
        resources = c.get("resources") or {}
        entry = {}
        for section in ("requests", "limits"):
            values = {k: v for k, v in (resources.get(section) or {}).items() if k in ("cpu", "memory")}
            if values:
                entry[section] = values
        result[c["name"]] = entry
    return result


def _requests_of(pod: dict, allocation: dict) -> dict[str, int]:
    """The pod's requests (as the scheduler sums them) with each container's allocation."""
    spec = pod.get("spec") or {}
    copy = {
        "spec": {
            **spec,
            "containers": [
                {**c, "resources": allocation.get(c["name"], c.get("resources") or {})}
                for c in spec.get("containers") or []
            ],
            "initContainers": [
                {**c, "resources": allocation.get(c["name"], c.get("resources") or {})} if _sidecar(c) else c
                for c in spec.get("initContainers") or []
            ],
        }
    }
    return pod_resources(copy, "requests")


def _sidecar(c: dict) -> bool:
    """types.IsRestartableInitContainer: an init container with ``restartPolicy: Always``."""
    return c.get("restartPolicy") == "Always"


def _waiting_text(reason: str) -> str:
    return {
        "ContainerCreating": "ContainerCreating",
        "ErrImagePull": "image can't be pulled",
        "ImagePullBackOff": "trying and failing to pull image",
        "CreateContainerConfigError": "CreateContainerConfigError",
        "PodInitializing": "PodInitializing",
    }.get(reason, reason)


def _node_ip(node: dict) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return address["address"]
    return ""


def _go_duration(seconds: float) -> str:
    """Go's time.Duration String() for whole and fractional seconds."""
    if seconds == 0:
        return "0s"
    if seconds < 1:
        return f"{int(round(seconds * 1000))}ms"
    minutes, secs = divmod(seconds, 60)
    if minutes >= 1:
        hours, minutes = divmod(int(minutes), 60)
        text = f"{hours}h" if hours else ""
        text += f"{minutes}m"
        text += f"{secs:g}s"
        return text
    return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"
