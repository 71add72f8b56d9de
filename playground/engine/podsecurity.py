"""Pod Security Admission: the PodSecurity admission plugin of k8s.io/pod-security-admission.

A namespace chooses a level per mode with its labels ``pod-security.kubernetes.io/enforce``,
``audit`` and ``warn`` (privileged, baseline or restricted) and a policy version with the
``-version`` labels (``latest`` or ``v1.NN``). ``enforce`` refuses pods (403 Forbidden),
``warn`` answers Warning headers, ``audit`` only adds audit annotations (the sandbox keeps no
audit log, so they are computed and dropped). Workload resources (Deployments, Jobs, ...)
are checked for warn and audit only, as upstream's ``ValidatePodController``; their pods
meet ``enforce`` when their controllers create them.

The configuration is upstream's default AdmissionConfiguration: defaults
privileged:latest for every mode and no exemptions (no namespaces, users or runtime
classes), so kube-system is checked like any other namespace once it is labelled.

Each check is written after the check function of ``policy/check_*.go`` named in its
docstring; messages are upstream's word for word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PREFIX = "pod-security.kubernetes.io/"
MODES = ("enforce", "audit", "warn")
LEVELS = ("privileged", "baseline", "restricted")
LATEST = (1, 37)  # the sandbox's Kubernetes: newer versions evaluate as this one (registry.go)
VERSION_RE = re.compile(r"^v1\.([0-9]|[1-9][0-9]*)$")

# admission.go's defaultPodSpecResources: the kinds whose pod template is checked.
TEMPLATE_KINDS = {
    "ReplicationController": ("spec", "template"),
    "PodTemplate": ("template",),
    "ReplicaSet": ("spec", "template"),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
IGNORED_POD_SUBRESOURCES = {"exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"}


# Policy ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelVersion:
    level: str
    version: tuple[int, int] | None  # None is "latest"

    def __str__(self) -> str:
        return f"{self.level}:{'latest' if self.version is None else f'v{self.version[0]}.{self.version[1]}'}"


DEFAULT = LevelVersion("privileged", None)


@dataclass
class Policy:
    enforce: LevelVersion = DEFAULT
    audit: LevelVersion = DEFAULT
    warn: LevelVersion = DEFAULT

    def fully_privileged(self) -> bool:
        return all(getattr(self, m).level == "privileged" for m in MODES)


@dataclass
class LabelError:
    label: str
    value: str
    detail: str


def policy_of(labels: dict | None) -> tuple[Policy, list[LabelError]]:
    """``api.PolicyToEvaluate`` (api/helpers.go): labels over the defaults. An invalid
    enforce level is evaluated as restricted (fail closed), an invalid audit or warn level
    as privileged (fail open), an invalid version as latest; the errors say which."""
    policy, errors = Policy(), []
    labels = labels or {}
    for mode in MODES:
        current = getattr(policy, mode)
        level, version = current.level, current.version
        key = PREFIX + mode
        if key in labels:
            value = labels[key]
            if value in LEVELS:
                level = value
            else:
                errors.append(LabelError(key, value, "must be one of privileged, baseline, restricted"))
                level = "restricted" if mode == "enforce" else "privileged"
        key = f"{PREFIX}{mode}-version"
        if key in labels:
            value = labels[key]
            match = VERSION_RE.match(value) if isinstance(value, str) else None
            if value == "latest":
                version = None
            elif match:
                version = (1, int(match.group(1)))
            else:
                errors.append(LabelError(key, value, 'must be "latest" or "v1.x"'))
                version = None
        setattr(policy, mode, LevelVersion(level, version))
    return policy, errors


# Helpers (policy/helpers.go, visitor.go) -------------------------------------------------


def _plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def _quote(items) -> str:
    return ", ".join(f'"{i}"' for i in items)


def _containers(spec: dict) -> list[dict]:
    """visitContainers: init containers, containers, then ephemeral containers."""
    out = []
    for key in ("initContainers", "containers", "ephemeralContainers"):
        out += [c for c in spec.get(key) or [] if isinstance(c, dict)]
    return out


def _sc(container: dict) -> dict:
    return container.get("securityContext") or {}


def _pod_sc(spec: dict) -> dict:
    return spec.get("securityContext") or {}


def _windows(spec: dict) -> bool:
    return ((spec.get("os") or {}).get("name")) == "windows"


def _user_namespaced(spec: dict) -> bool:
    """relaxPolicyForUserNamespacePod: hostUsers=false (evaluated from v1.35)."""
    return spec.get("hostUsers") is False


def _setters(pod_bad: bool, containers: list[str]) -> list[str]:
    out = ["pod"] if pod_bad else []
    if containers:
        out.append(f"{_plural('container', 'containers', len(containers))} {_quote(containers)}")
    return out


Result = tuple[str, str] | None  # (forbidden reason, forbidden detail), None when allowed


# Baseline checks ---------------------------------------------------------------------------


def app_armor_profile(meta: dict, spec: dict, v) -> Result:
    """check_appArmorProfile.go ``appArmorProfileV1Dot0``."""
    bad_values: set[str] = set()
    pod_bad = False
    profile = _pod_sc(spec).get("appArmorProfile")
    if isinstance(profile, dict) and profile.get("type") not in ("RuntimeDefault", "Localhost"):
        pod_bad = True
        bad_values.add(str(profile.get("type", "")))
    bad = []
    for c in _containers(spec):
        profile = _sc(c).get("appArmorProfile")
        if isinstance(profile, dict) and profile.get("type") not in ("RuntimeDefault", "Localhost"):
            bad.append(c.get("name", ""))
            bad_values.add(str(profile.get("type", "")))
    setters = _setters(pod_bad, bad)
    annotations = sorted(
        f'{k}="{val}"'
        for k, val in (meta.get("annotations") or {}).items()
        if k.startswith("container.apparmor.security.beta.kubernetes.io/")
        and not (not val or val == "runtime/default" or str(val).startswith("localhost/"))
    )
    values = sorted(bad_values) + annotations
    if annotations:
        setters.append(_plural("annotation", "annotations", len(annotations)))
    if setters:
        return (
            _plural("forbidden AppArmor profile", "forbidden AppArmor profiles", len(values)),
            f"{' and '.join(setters)} must not set AppArmor profile type to {_quote(values)}",
        )
    return None


BASELINE_CAPABILITIES = {
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}  # fmt: skip


def capabilities_baseline(meta: dict, spec: dict, v) -> Result:
    """check_capabilities_baseline.go ``capabilitiesBaseline_1_0``."""
    bad, caps = [], set()
    for c in _containers(spec):
        added = [
            a for a in (_sc(c).get("capabilities") or {}).get("add") or [] if a not in BASELINE_CAPABILITIES
        ]
        if added:
            bad.append(c.get("name", ""))
            caps.update(added)
    if bad:
        return "non-default capabilities", (
            f"{_plural('container', 'containers', len(bad))} {_quote(bad)} must not include "
            f"{_quote(sorted(caps))} in securityContext.capabilities.add"
        )
    return None


def host_namespaces(meta: dict, spec: dict, v) -> Result:
    """check_hostNamespaces.go ``hostNamespaces_1_0``."""
    found = [f"{k}=true" for k in ("hostNetwork", "hostPID", "hostIPC") if spec.get(k) is True]
    return ("host namespaces", ", ".join(found)) if found else None


def host_path_volumes(meta: dict, spec: dict, v) -> Result:
    """check_hostPathVolumes.go ``hostPathVolumes_1_0``."""
    names = [vol.get("name", "") for vol in spec.get("volumes") or [] if vol.get("hostPath") is not None]
    if names:
        return "hostPath volumes", f"{_plural('volume', 'volumes', len(names))} {_quote(names)}"
    return None


def host_ports(meta: dict, spec: dict, v) -> Result:
    """check_hostPorts.go ``hostPortsV1Dot0``."""
    bad, ports = [], set()
    for c in _containers(spec):
        used = [p.get("hostPort") for p in c.get("ports") or [] if p.get("hostPort")]
        if used:
            bad.append(c.get("name", ""))
            ports.update(str(p) for p in used)
    if bad:
        return "hostPort", (
            f"{_plural('container', 'containers', len(bad))} {_quote(bad)} {_plural('uses', 'use', len(bad))} "
            f"{_plural('hostPort', 'hostPorts', len(ports))} {', '.join(sorted(ports))}"
        )
    return None


def _handler_hosts(handler) -> list[str]:
    if not isinstance(handler, dict):
        return []
    return [
        h
        for h in ((handler.get("httpGet") or {}).get("host"), (handler.get("tcpSocket") or {}).get("host"))
        if h
    ]


def host_probes_and_host_lifecycle(meta: dict, spec: dict, v) -> Result:
    """check_hostProbesAndhostLifecycle.go ``hostProbesAndHostLifecycleV1Dot34``."""
    bad, hosts = set(), set()
    for c in _containers(spec):
        lifecycle = c.get("lifecycle") or {}
        found = []
        for handler in (c.get("livenessProbe"), c.get("readinessProbe"), c.get("startupProbe")):
            found += _handler_hosts(handler)
        for handler in (lifecycle.get("postStart"), lifecycle.get("preStop")):
            found += _handler_hosts(handler)
        if found:
            bad.add(c.get("name", ""))
            hosts.update(found)
    if bad:
        return "probe or lifecycle host", (
            f"{_plural('container', 'containers', len(bad))} {_quote(sorted(bad))} "
            f"{_plural('uses', 'use', len(bad))} "
            f"{_plural('probe or lifecycle host', 'probe or lifecycle hosts', len(hosts))} {_quote(sorted(hosts))}"
        )
    return None


def privileged(meta: dict, spec: dict, v) -> Result:
    """check_privileged.go ``privileged_1_0``."""
    bad = [c.get("name", "") for c in _containers(spec) if _sc(c).get("privileged") is True]
    if bad:
        return "privileged", (
            f"{_plural('container', 'containers', len(bad))} {_quote(bad)} must not set securityContext.privileged=true"
        )
    return None


def _proc_mount(spec: dict) -> Result:
    bad, types = [], set()
    for c in _containers(spec):
        mount = _sc(c).get("procMount")
        if mount is not None and mount != "Default":
            bad.append(c.get("name", ""))
            types.add(mount)
    if bad:
        return "procMount", (
            f"{_plural('container', 'containers', len(bad))} {_quote(bad)} must not set securityContext.procMount "
            f"to {_quote(sorted(types))}"
        )
    return None


def proc_mount(meta: dict, spec: dict, v) -> Result:
    """check_procMount_baseline.go: ``procMount_1_0``; from v1.35 a user-namespaced pod
    (hostUsers=false) may unmask /proc."""
    if v >= (1, 35) and _user_namespaced(spec):
        return None
    return _proc_mount(spec)


SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t"}


def se_linux_options(meta: dict, spec: dict, v) -> Result:
    """check_seLinuxOptions.go ``seLinuxOptions_1_0`` (container_engine_t allowed from v1.31)."""
    allowed = SELINUX_TYPES | ({"container_engine_t"} if v >= (1, 31) else set())
    bad_types: set[str] = set()
    flags = {"user": False, "role": False}

    def valid(opts: dict) -> bool:
        ok = True
        if opts.get("type", "") not in allowed:
            ok = False
            bad_types.add(opts.get("type", ""))
        for key in ("user", "role"):
            if opts.get(key):
                ok, flags[key] = False, True
        return ok

    pod_opts = _pod_sc(spec).get("seLinuxOptions")
    pod_bad = isinstance(pod_opts, dict) and not valid(pod_opts)
    bad = [
        c.get("name", "")
        for c in _containers(spec)
        if isinstance(_sc(c).get("seLinuxOptions"), dict) and not valid(_sc(c)["seLinuxOptions"])
    ]
    setters = _setters(pod_bad, bad)
    if setters:
        data = []
        if bad_types:  # upstream names user and role only alongside a bad type
            data.append(f"{_plural('type', 'types', len(bad_types))} {_quote(sorted(bad_types))}")
            data += [f"{key} may not be set" for key in ("user", "role") if flags[key]]
        return "seLinuxOptions", (
            f"{' and '.join(setters)} set forbidden securityContext.seLinuxOptions: {'; '.join(data)}"
        )
    return None


def _seccomp_valid(profile) -> bool:
    return isinstance(profile, dict) and profile.get("type") in ("RuntimeDefault", "Localhost")


def _seccomp_annotations(meta: dict, spec: dict) -> Result:
    """check_seccompProfile_baseline.go ``seccompProfileBaseline_1_0``: the alpha annotations."""
    annotations = meta.get("annotations") or {}
    keys = ["seccomp.security.alpha.kubernetes.io/pod"] + [
        "container.seccomp.security.alpha.kubernetes.io/" + c.get("name", "") for c in _containers(spec)
    ]
    bad = sorted(
        {
            f'{k}="{annotations[k]}"'
            for k in keys
            if k in annotations
            and not (
                annotations[k] in ("runtime/default", "docker/default")
                or str(annotations[k]).startswith("localhost/")
            )
        }
    )
    if bad:
        return (
            "seccompProfile",
            f"forbidden {_plural('annotation', 'annotations', len(bad))} {', '.join(bad)}",
        )
    return None


def seccomp_profile_baseline(meta: dict, spec: dict, v) -> Result:
    """check_seccompProfile_baseline.go ``seccompProfileBaseline_1_19``: a profile that is
    set must be RuntimeDefault or Localhost (before v1.19, the alpha annotations)."""
    if v < (1, 19):
        return _seccomp_annotations(meta, spec)
    values: set[str] = set()
    profile = _pod_sc(spec).get("seccompProfile")
    pod_bad = profile is not None and not _seccomp_valid(profile)
    if pod_bad:
        values.add(str((profile or {}).get("type", "")))
    bad = []
    for c in _containers(spec):
        profile = _sc(c).get("seccompProfile")
        if profile is not None and not _seccomp_valid(profile):
            bad.append(c.get("name", ""))
            values.add(str((profile or {}).get("type", "")))
    setters = _setters(pod_bad, bad)
    if setters:
        return "seccompProfile", (
            f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to {_quote(sorted(values))}"
        )
    return None


SYSCTLS = {
    (1, 0): {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
             "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"},
    (1, 27): {"net.ipv4.ip_local_reserved_ports"},
    (1, 29): {"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
              "net.ipv4.tcp_keepalive_probes"},
    (1, 32): {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"},
}  # fmt: skip


def sysctls(meta: dict, spec: dict, v) -> Result:
    """check_sysctls.go: ``sysctlsV1Dot0``, the safe set widened in v1.27, v1.29 and v1.32."""
    allowed = set().union(*(names for since, names in SYSCTLS.items() if v >= since))
    bad = [s.get("name", "") for s in _pod_sc(spec).get("sysctls") or [] if s.get("name") not in allowed]
    return ("forbidden sysctls", ", ".join(bad)) if bad else None


def windows_host_process(meta: dict, spec: dict, v) -> Result:
    """check_windowsHostProcess.go ``windowsHostProcess_1_0``."""
    bad = [
        c.get("name", "")
        for c in _containers(spec)
        if (_sc(c).get("windowsOptions") or {}).get("hostProcess") is True
    ]
    pod_bad = (_pod_sc(spec).get("windowsOptions") or {}).get("hostProcess") is True
    setters = _setters(pod_bad, bad)
    if setters:
        return (
            "hostProcess",
            f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true",
        )
    return None


# Restricted checks -------------------------------------------------------------------------


def allow_privilege_escalation(meta: dict, spec: dict, v) -> Result:
    """check_allowPrivilegeEscalation.go ``allowPrivilegeEscalation_1_8`` (Windows pods
    exempt from v1.25)."""
    if v >= (1, 25) and _windows(spec):
        return None
    bad = [
        c.get("name", "") for c in _containers(spec) if _sc(c).get("allowPrivilegeEscalation") is not False
    ]
    if bad:
        return "allowPrivilegeEscalation != false", (
            f"{_plural('container', 'containers', len(bad))} {_quote(bad)} must set "
            "securityContext.allowPrivilegeEscalation=false"
        )
    return None


def capabilities_restricted(meta: dict, spec: dict, v) -> Result:
    """check_capabilities_restricted.go ``capabilitiesRestricted_1_22``: drop ALL, add at
    most NET_BIND_SERVICE (Windows pods exempt from v1.25)."""
    if v >= (1, 25) and _windows(spec):
        return None
    missing, adding, caps = [], [], set()
    for c in _containers(spec):
        capabilities = _sc(c).get("capabilities")
        if not isinstance(capabilities, dict):
            missing.append(c.get("name", ""))
            continue
        if "ALL" not in (capabilities.get("drop") or []):
            missing.append(c.get("name", ""))
        extra = [a for a in capabilities.get("add") or [] if a != "NET_BIND_SERVICE"]
        if extra:
            adding.append(c.get("name", ""))
            caps.update(extra)
    details = []
    if missing:
        details.append(
            f"{_plural('container', 'containers', len(missing))} {_quote(missing)} must set "
            'securityContext.capabilities.drop=["ALL"]'
        )
    if adding:
        details.append(
            f"{_plural('container', 'containers', len(adding))} {_quote(adding)} must not include "
            f"{_quote(sorted(caps))} in securityContext.capabilities.add"
        )
    return ("unrestricted capabilities", "; ".join(details)) if details else None


def proc_mount_restricted(meta: dict, spec: dict, v) -> Result:
    """check_procMount_restricted.go (v1.35+): ``procMount_1_0`` with no relaxation."""
    return _proc_mount(spec)


ALLOWED_VOLUMES = ("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim",
                   "projected", "secret")  # fmt: skip
RESTRICTED_VOLUMES = (
    "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd",
    "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos",
)  # fmt: skip


def restricted_volumes(meta: dict, spec: dict, v) -> Result:
    """check_restrictedVolumes.go ``restrictedVolumesV1Dot0``."""
    bad, types = [], set()
    for vol in spec.get("volumes") or []:
        if any(vol.get(k) is not None for k in ALLOWED_VOLUMES):
            continue
        bad.append(vol.get("name", ""))
        types.add(next((k for k in RESTRICTED_VOLUMES if vol.get(k) is not None), "unknown"))
    if bad:
        return "restricted volume types", (
            f"{_plural('volume', 'volumes', len(bad))} {_quote(bad)} {_plural('uses', 'use', len(bad))} "
            f"{_plural('restricted volume type', 'restricted volume types', len(types))} {_quote(sorted(types))}"
        )
    return None


def run_as_non_root(meta: dict, spec: dict, v) -> Result:
    """check_runAsNonRoot.go ``runAsNonRoot_1_0`` (user-namespaced pods relaxed from v1.35)."""
    if v >= (1, 35) and _user_namespaced(spec):
        return None
    pod_value = _pod_sc(spec).get("runAsNonRoot")
    explicit, implicit = [], []
    for c in _containers(spec):
        value = _sc(c).get("runAsNonRoot")
        if value is not None:
            if value is False:
                explicit.append(c.get("name", ""))
        elif pod_value is not True:
            implicit.append(c.get("name", ""))
    setters = _setters(pod_value is False, explicit)
    if setters:
        return (
            "runAsNonRoot != true",
            f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false",
        )
    if implicit:
        return "runAsNonRoot != true", (
            f"pod or {_plural('container', 'containers', len(implicit))} {_quote(implicit)} must set "
            "securityContext.runAsNonRoot=true"
        )
    return None


def run_as_user(meta: dict, spec: dict, v) -> Result:
    """check_runAsUser.go ``runAsUser_1_23`` (user-namespaced pods relaxed from v1.35)."""
    if v >= (1, 35) and _user_namespaced(spec):
        return None
    bad = [c.get("name", "") for c in _containers(spec) if _sc(c).get("runAsUser") == 0]
    setters = _setters(_pod_sc(spec).get("runAsUser") == 0, bad)
    if setters:
        return "runAsUser=0", f"{' and '.join(setters)} must not set runAsUser=0"
    return None


def seccomp_profile_restricted(meta: dict, spec: dict, v) -> Result:
    """check_seccompProfile_restricted.go ``seccompProfileRestricted_1_19`` (Windows pods
    exempt from v1.25)."""
    if v >= (1, 25) and _windows(spec):
        return None
    values: set[str] = set()
    profile = _pod_sc(spec).get("seccompProfile")
    pod_bad = profile is not None and not _seccomp_valid(profile)
    pod_set = profile is not None and not pod_bad
    if pod_bad:
        values.add(str((profile or {}).get("type", "")))
    explicit, implicit = [], []
    for c in _containers(spec):
        profile = _sc(c).get("seccompProfile")
        if profile is not None:
            if not _seccomp_valid(profile):
                explicit.append(c.get("name", ""))
                values.add(str((profile or {}).get("type", "")))
        elif not pod_set:
            implicit.append(c.get("name", ""))
    setters = _setters(pod_bad, explicit)
    if setters:
        return "seccompProfile", (
            f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to {_quote(sorted(values))}"
        )
    if implicit:
        return "seccompProfile", (
            f"pod or {_plural('container', 'containers', len(implicit))} {_quote(implicit)} must set "
            'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'
        )
    return None


# The registry (registry.go) ----------------------------------------------------------------

# id -> (check, minimum version, baseline ids it overrides); sorted by id within each level.
BASELINE = {
    "appArmorProfile": (app_armor_profile, (1, 0)),
    "capabilities_baseline": (capabilities_baseline, (1, 0)),
    "hostNamespaces": (host_namespaces, (1, 0)),
    "hostPathVolumes": (host_path_volumes, (1, 0)),
    "hostPorts": (host_ports, (1, 0)),
    "hostProbesAndHostLifecycle": (host_probes_and_host_lifecycle, (1, 34)),
    "privileged": (privileged, (1, 0)),
    "procMount": (proc_mount, (1, 0)),
    "seLinuxOptions": (se_linux_options, (1, 0)),
    "seccompProfile_baseline": (seccomp_profile_baseline, (1, 0)),
    "sysctls": (sysctls, (1, 0)),
    "windowsHostProcess": (windows_host_process, (1, 0)),
}
RESTRICTED = {
    "allowPrivilegeEscalation": (allow_privilege_escalation, (1, 8), ()),
    "capabilities_restricted": (capabilities_restricted, (1, 22), ("capabilities_baseline",)),
    "procMount_restricted": (proc_mount_restricted, (1, 35), ("procMount",)),
    "restrictedVolumes": (restricted_volumes, (1, 0), ("hostPathVolumes",)),
    "runAsNonRoot": (run_as_non_root, (1, 0), ()),
    "runAsUser": (run_as_user, (1, 23), ()),
    "seccompProfile_restricted": (seccomp_profile_restricted, (1, 19), ("seccompProfile_baseline",)),
}


def check_pod(lv: LevelVersion, meta: dict, spec: dict) -> list[tuple[str, str]]:
    """``checkRegistry.EvaluatePod``: the failed checks' (reason, detail), baseline checks
    first, then restricted, each sorted by id; a version newer than the latest is the latest."""
    if lv.level == "privileged":
        return []
    v = LATEST if lv.version is None or lv.version > LATEST else lv.version
    checks = [(fn, since) for fn, since in BASELINE.values()]
    if lv.level == "restricted":
        active = [(fn, since, over) for fn, since, over in RESTRICTED.values() if v >= since]
        overridden = {o for _, _, over in active for o in over}
        checks = [(fn, since) for cid, (fn, since) in BASELINE.items() if cid not in overridden]
        checks += [(fn, since) for fn, since, _ in active]
    out = []
    for fn, since in checks:
        if v >= since:
            result = fn(meta or {}, spec or {}, v)
            if result:
                out.append(result)
    return out


def forbidden_detail(results: list[tuple[str, str]]) -> str:
    """``AggregateCheckResult.ForbiddenDetail``: 'reason (detail), reason (detail)'."""
    return ", ".join(f"{reason} ({detail})" if detail else reason for reason, detail in results)


# Admission (admission/admission.go) --------------------------------------------------------


@dataclass
class Decision:
    forbidden: str | None = None  # the reason after 'is forbidden: ', for a 403
    warnings: list[str] = field(default_factory=list)
    audit_annotations: dict[str, str] = field(default_factory=dict)
    invalid: list[LabelError] = field(default_factory=list)  # namespace labels: a 422


def evaluate_pod(policy: Policy, errors: list[LabelError], meta: dict, spec: dict, enforce: bool) -> Decision:
    """``Admission.EvaluatePod``: enforce (pods only), audit, and warn unless refused."""
    decision = Decision()
    annotations = decision.audit_annotations
    if errors:
        annotations[PREFIX + "error"] = "Failed to parse policy: " + _aggregate(errors)
    cache: dict[LevelVersion, list] = {}
    if enforce:
        annotations[PREFIX + "enforce-policy"] = str(policy.enforce)
        cache[policy.enforce] = results = check_pod(policy.enforce, meta, spec)
        if results:
            decision.forbidden = f'violates PodSecurity "{policy.enforce}": {forbidden_detail(results)}'
    if policy.audit not in cache:
        cache[policy.audit] = check_pod(policy.audit, meta, spec)
    if cache[policy.audit]:
        annotations[PREFIX + "audit-violations"] = (
            f'would violate PodSecurity "{policy.audit}": {forbidden_detail(cache[policy.audit])}'
        )
    if decision.forbidden is None:
        results = cache[policy.warn] if policy.warn in cache else check_pod(policy.warn, meta, spec)
        if results:
            decision.warnings.append(
                f'would violate PodSecurity "{policy.warn}": {forbidden_detail(results)}'
            )
    return decision


def _aggregate(errors: list[LabelError]) -> str:
    texts = [f'metadata.labels[{e.label}]: Invalid value: "{e.value}": {e.detail}' for e in errors]
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


def _template(obj: dict, kind: str) -> dict | None:
    node = obj
    for key in TEMPLATE_KINDS[kind]:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def _significant_pod_update(new: dict, old: dict) -> bool:
    """``isSignificantPodUpdate``: containers added or removed, an image or a container's
    seccomp annotation changed, an ephemeral container added or changed."""
    ns, os_ = new.get("spec") or {}, old.get("spec") or {}
    na = (new.get("metadata") or {}).get("annotations") or {}
    oa = (old.get("metadata") or {}).get("annotations") or {}

    def changed(c: dict, o: dict) -> bool:
        key = "container.seccomp.security.alpha.kubernetes.io/" + c.get("name", "")
        return c.get("image") != o.get("image") or na.get(key) != oa.get(key)

    for key in ("containers", "initContainers"):
        a, b = ns.get(key) or [], os_.get(key) or []
        if len(a) != len(b) or any(changed(c, o) for c, o in zip(a, b, strict=True)):
            return True
    olds = {c.get("name"): c for c in os_.get("ephemeralContainers") or []}
    return any(
        c.get("name") not in olds or changed(c, olds[c.get("name")])
        for c in ns.get("ephemeralContainers") or []
    )


def namespace_policy(store, namespace: str) -> tuple[Policy, list[LabelError]]:
    ns = store.get("Namespace", "", namespace)
    return policy_of(((ns or {}).get("metadata") or {}).get("labels"))


def admit(store, kind: str, obj: dict, old: dict | None = None, subresource: str | None = None) -> Decision:
    """``Admission.Validate`` for one write: a Namespace (its labels, and the existing pods
    checked when enforce tightens), a Pod (enforce, audit, warn) or a workload kind (audit
    and warn on its pod template)."""
    meta = obj.get("metadata") or {}
    if kind == "Namespace":
        return _validate_namespace(store, obj, old) if not subresource else Decision()
    if kind == "Pod":
        if subresource in IGNORED_POD_SUBRESOURCES:
            return Decision()
        policy, errors = namespace_policy(store, meta.get("namespace", ""))
        if not errors and policy.fully_privileged():
            return Decision()
        if old is not None and not _significant_pod_update(obj, old):
            return Decision()
        return evaluate_pod(policy, errors, meta, obj.get("spec") or {}, enforce=True)
    if kind in TEMPLATE_KINDS and not subresource:
        policy, errors = namespace_policy(store, meta.get("namespace", ""))
        if not errors and policy.warn.level == "privileged" and policy.audit.level == "privileged":
            return Decision()
        template = _template(obj, kind)
        if template is None:
            return Decision()
        return evaluate_pod(
            policy, errors, template.get("metadata") or {}, template.get("spec") or {}, enforce=False
        )
    return Decision()


def _validate_namespace(store, ns: dict, old: dict | None) -> Decision:
    """``Admission.ValidateNamespace``."""
    policy, errors = policy_of((ns.get("metadata") or {}).get("labels"))
    if old is None:
        return Decision(invalid=errors)
    old_policy, old_errors = policy_of((old.get("metadata") or {}).get("labels"))
    if errors and errors != old_errors:
        return Decision(invalid=errors)
    new, before = policy.enforce, old_policy.enforce
    if new == before or new.level == "privileged":
        return Decision()
    if new.version == before.version and LEVELS.index(new.level) <= LEVELS.index(before.level):
        return Decision()
    return Decision(warnings=pods_in_namespace(store, ns["metadata"]["name"], new))


def pods_in_namespace(store, namespace: str, enforce: LevelVersion) -> list[str]:
    """``EvaluatePodsInNamespace``: one warning naming the namespace, then one per distinct
    violation, prefixed by the lexically first pod with it and how many others share it."""
    counts: dict[str, list] = {}  # reason -> [first pod name, count]
    for pod in store.iter("Pod", namespace):
        results = check_pod(enforce, pod.get("metadata") or {}, pod.get("spec") or {})
        if not results:
            continue
        reason = ", ".join(r for r, _ in results)
        name = pod["metadata"]["name"]
        entry = counts.setdefault(reason, [name, 0])
        entry[0] = min(entry[0], name)
        entry[1] += 1
    if not counts:
        return []
    decorated = []
    for reason, (name, count) in counts.items():
        if count == 1:
            decorated.append(f"{name}: {reason}")
        elif count == 2:
            decorated.append(f"{name} (and 1 other pod): {reason}")
        else:
            decorated.append(f"{name} (and {count - 1} other pods): {reason}")
    head = f'existing pods in namespace "{namespace}" violate the new PodSecurity enforce level "{enforce}"'
    return [head, *sorted(decorated)]
