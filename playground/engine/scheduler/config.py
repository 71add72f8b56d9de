"""KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1): defaults, validation, profiles.

Upstream's v1 defaults enable the in-tree plugins through ``multiPoint``; a profile's
``plugins.<point>`` sets are merged with them as upstream's mergePluginSet does: a
default plugin that is disabled (or "*") is removed, one re-enabled keeps its place with
the new weight, other enabled plugins are appended. Errors read like upstream's
field errors (``profiles[0].schedulerName: Required value``).
"""

from __future__ import annotations

from playground.engine import errors as fe
from playground.engine.scheduler.framework import (
    BIND,
    CONFIG_POINTS,
    NORMALIZE_SCORE,
    QUEUE_SORT,
    SCORE,
    Framework,
)
from playground.engine.scheduler.plugins import REGISTRY
from playground.engine.scheduler.plugins.noderesourcesfit import STRATEGIES, SUPPORTED_RESOURCES

API_VERSION = "kubescheduler.config.k8s.io/v1"
KIND = "KubeSchedulerConfiguration"
DEFAULT_SCHEDULER_NAME = "default-scheduler"

# Upstream's v1 default multiPoint plugins (those this engine has), in order, with score weights.
DEFAULT_MULTI_POINT = [
    {"name": "PrioritySort"},
    {"name": "NodeUnschedulable"},
    {"name": "NodeName"},
    {"name": "TaintToleration", "weight": 3},
    {"name": "NodeAffinity", "weight": 2},
    {"name": "NodePorts"},
    {"name": "NodeResourcesFit", "weight": 1},
    {"name": "VolumeBinding"},
    {"name": "PodTopologySpread", "weight": 2},
    {"name": "InterPodAffinity", "weight": 2},
    {"name": "DefaultPreemption"},
    {"name": "NodeResourcesBalancedAllocation", "weight": 1},
    {"name": "ImageLocality", "weight": 1},
    {"name": "DefaultBinder"},
]
DEFAULT_CONFIG = {
    "apiVersion": API_VERSION,
    "kind": KIND,
    "profiles": [{"schedulerName": DEFAULT_SCHEDULER_NAME}],
}

TOP_LEVEL_FIELDS = {
    "apiVersion",
    "kind",
    "profiles",
    "percentageOfNodesToScore",
    "parallelism",
    "podInitialBackoffSeconds",
    "podMaxBackoffSeconds",
    "leaderElection",
    "clientConnection",
    "extenders",
    "delayCacheUntilActive",
}
PROFILE_FIELDS = {"schedulerName", "plugins", "pluginConfig", "percentageOfNodesToScore"}
PLUGIN_SET_FIELDS = {"enabled", "disabled"}
POINT_FIELDS = set(CONFIG_POINTS) | {"multiPoint", "preEnqueue", "permit", "postBind"}
ARGS_FIELDS = {
    "NodeResourcesFit": {"scoringStrategy", "ignoredResources", "ignoredResourceGroups"},
    "PodTopologySpread": {"defaultConstraints", "defaultingType"},
    "NodeResourcesBalancedAllocation": {"resources"},
    "DefaultPreemption": {"minCandidateNodesPercentage", "minCandidateNodesAbsolute"},
    "InterPodAffinity": {"hardPodAffinityWeight", "ignorePreferredTermsOfExistingPods"},
    "NodeAffinity": set(),
    "VolumeBinding": {"bindTimeoutSeconds"},
}


class InvalidSchedulerConfig(ValueError):
    """The configuration was rejected; ``errors`` holds each message."""

    def __init__(self, messages: list[str]):
        self.errors = messages
        summary = messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"
        super().__init__(f"invalid KubeSchedulerConfiguration: {summary}")


def load(text_or_dict) -> dict:
    """Parse a YAML/JSON document (or take a dict) and validate it; returns the dict."""
    if isinstance(text_or_dict, str | bytes):
        from playground.engine.errors import ApiError
        from playground.engine.manifests import load as load_manifest

        try:
            documents = load_manifest(text_or_dict)
        except ApiError as exc:
            raise InvalidSchedulerConfig([str(exc.message if hasattr(exc, "message") else exc)]) from None
        if len(documents) != 1:
            raise InvalidSchedulerConfig([f"expected one {KIND} document, found {len(documents)}"])
        config = documents[0]
    elif isinstance(text_or_dict, dict):
        config = text_or_dict
    else:
        raise InvalidSchedulerConfig([f"expected a {KIND} document"])
    validate(config)
    return config


def _int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unknown(path: str, obj: dict, known: set[str]) -> list[str]:
    prefix = f"{path}." if path else ""
    return [f'strict decoding error: unknown field "{prefix}{key}"' for key in obj if key not in known]


def _percentage(path: str, value) -> list[str]:
    if value is None:
        return []
    if not _int(value) or not 0 <= value <= 100:
        return [str(fe.invalid(path, value, "not in valid range [0-100]"))]
    return []


def validate(config: dict) -> None:
    errs: list[str] = []
    if config.get("apiVersion") != API_VERSION or config.get("kind") != KIND:
        raise InvalidSchedulerConfig(
            [f'no kind "{config.get("kind")}" is registered for version "{config.get("apiVersion")}"']
        )
    errs += _unknown("", config, TOP_LEVEL_FIELDS)
    errs += _percentage("percentageOfNodesToScore", config.get("percentageOfNodesToScore"))
    profiles = config.get("profiles")
    if profiles is None:
        profiles = []
    if not isinstance(profiles, list) or not all(isinstance(p, dict) for p in profiles):
        raise InvalidSchedulerConfig([str(fe.invalid("profiles", profiles, "must be a list of profiles"))])
    seen: dict[str, int] = {}
    for i, profile in enumerate(profiles):
        path = f"profiles[{i}]"
        errs += _unknown(path, profile, PROFILE_FIELDS)
        name = profile.get("schedulerName") or ""
        if not name:
            errs.append(str(fe.required(f"{path}.schedulerName")))
        elif name in seen:
            errs.append(str(fe.duplicate(f"{path}.schedulerName", f"profiles[{seen[name]}].schedulerName")))
        else:
            seen[name] = i
        errs += _percentage(f"{path}.percentageOfNodesToScore", profile.get("percentageOfNodesToScore"))
        errs += _validate_plugins(path, profile.get("plugins") or {})
        errs += _validate_plugin_config(path, profile.get("pluginConfig") or [])
        if not errs:
            errs += _validate_framework(name, resolve_plugins(profile.get("plugins") or {}))
    if len(profiles) > 1:
        first = (profiles[0].get("plugins") or {}).get("queueSort")
        for i, profile in enumerate(profiles[1:], start=1):
            current = (profile.get("plugins") or {}).get("queueSort")
            if current != first:
                errs.append(
                    str(
                        fe.invalid(
                            f"profiles[{i}].plugins.queueSort", current, "must be the same for all profiles"
                        )
                    )
                )
    if errs:
        raise InvalidSchedulerConfig(errs)


def _validate_plugins(path: str, plugins: dict) -> list[str]:
    errs = _unknown(f"{path}.plugins", plugins, POINT_FIELDS)
    for point, plugin_set in plugins.items():
        if point not in POINT_FIELDS:
            continue
        set_path = f"{path}.plugins.{point}"
        if not isinstance(plugin_set, dict):
            errs.append(str(fe.invalid(set_path, plugin_set, "must be a plugin set (enabled, disabled)")))
            continue
        errs += _unknown(set_path, plugin_set, PLUGIN_SET_FIELDS)
        for list_name in ("enabled", "disabled"):
            for j, plugin in enumerate(plugin_set.get(list_name) or []):
                item = f"{set_path}.{list_name}[{j}]"
                if not isinstance(plugin, dict) or not plugin.get("name"):
                    errs.append(str(fe.required(f"{item}.name")))
                    continue
                errs += _unknown(item, plugin, {"name", "weight"})
                name = plugin["name"]
                if name in ("AzureDiskLimits", "CinderLimits", "EBSLimits", "GCEPDLimits"):
                    errs.append(
                        str(
                            fe.invalid(
                                item,
                                name,
                                f'was invalid in version "{API_VERSION}" (KubeSchedulerConfiguration is version "{API_VERSION}")',
                            )
                        )
                    )
                elif name not in REGISTRY and not (list_name == "disabled" and name == "*"):
                    errs.append(f'{item}: plugin "{name}" does not exist in this playground\'s scheduler')
                if "weight" in plugin and (not _int(plugin["weight"]) or plugin["weight"] < 0):
                    errs.append(
                        str(fe.invalid(f"{item}.weight", plugin["weight"], "must be a non-negative integer"))
                    )
    return errs


def _validate_plugin_config(path: str, plugin_config: list) -> list[str]:
    errs = []
    seen = set()
    for i, entry in enumerate(plugin_config):
        item = f"{path}.pluginConfig[{i}]"
        if not isinstance(entry, dict):
            errs.append(str(fe.invalid(item, entry, "must have a name and args")))
            continue
        errs += _unknown(item, entry, {"name", "args"})
        name = entry.get("name")
        if name in seen:
            errs.append(str(fe.duplicate(item, name)))
        seen.add(name)
        if name not in ARGS_FIELDS:
            supported = sorted(ARGS_FIELDS)
            errs.append(str(fe.unsupported(f"{item}.name", name, supported)))
            continue
        args = entry.get("args") or {}
        if not isinstance(args, dict):
            errs.append(str(fe.invalid(f"{item}.args", args, "has to match plugin args")))
            continue
        errs += _unknown(f"{item}.args", args, ARGS_FIELDS[name] | {"apiVersion", "kind"})
        if name == "NodeResourcesFit":
            errs += _validate_fit_args(f"{item}.args", args)
        elif name == "PodTopologySpread":
            errs += _validate_spread_args(f"{item}.args", args)
    return errs


def _validate_fit_args(path: str, args: dict) -> list[str]:
    strategy = args.get("scoringStrategy")
    if strategy is None:
        return []
    path = f"{path}.scoringStrategy"
    errs = []
    kind = strategy.get("type")
    if kind not in STRATEGIES:
        errs.append(str(fe.unsupported(f"{path}.type", kind, list(STRATEGIES))))
    names = set()
    for i, resource in enumerate(strategy.get("resources") or []):
        rpath = f"{path}.resources[{i}]"
        name = resource.get("name")
        if name not in SUPPORTED_RESOURCES:
            errs.append(str(fe.unsupported(f"{rpath}.name", name, list(SUPPORTED_RESOURCES))))
        elif name in names:
            errs.append(str(fe.duplicate(f"{rpath}.name", name)))
        names.add(name)
        weight = resource.get("weight", 1)
        if not _int(weight) or not 1 <= weight <= 100:
            errs.append(
                str(
                    fe.invalid(
                        f"{rpath}.weight", weight, f"resource weight of {name} not in valid range [1, 100]"
                    )
                )
            )
    if kind == "RequestedToCapacityRatio":
        shape = (strategy.get("requestedToCapacityRatio") or {}).get("shape") or []
        spath = f"{path}.requestedToCapacityRatio.shape"
        if not shape:
            errs.append(str(fe.required(spath, "at least one point must be specified")))
        previous = -1
        for i, point in enumerate(shape):
            utilization, score = point.get("utilization"), point.get("score")
            if not _int(utilization) or not 0 <= utilization <= 100:
                errs.append(
                    str(fe.invalid(f"{spath}[{i}].utilization", utilization, "not in valid range [0, 100]"))
                )
            elif utilization <= previous:
                errs.append(
                    str(
                        fe.invalid(
                            f"{spath}[{i}].utilization",
                            utilization,
                            "utilization values must be sorted in increasing order",
                        )
                    )
                )
            else:
                previous = utilization
            if not _int(score) or not 0 <= score <= 10:
                errs.append(str(fe.invalid(f"{spath}[{i}].score", score, "not in valid range [0, 10]")))
    return errs


def _validate_spread_args(path: str, args: dict) -> list[str]:
    errs = []
    constraints = args.get("defaultConstraints") or []
    defaulting = args.get("defaultingType")
    if defaulting is not None and defaulting not in ("System", "List"):
        errs.append(str(fe.unsupported(f"{path}.defaultingType", defaulting, ["List", "System"])))
    if defaulting == "System" and constraints:
        errs.append(
            str(fe.invalid(f"{path}.defaultingType", defaulting, "when .defaultConstraints are not empty"))
        )
    seen = set()
    for i, c in enumerate(constraints):
        cpath = f"{path}.defaultConstraints[{i}]"
        max_skew = c.get("maxSkew")
        if not _int(max_skew) or max_skew <= 0:
            errs.append(str(fe.invalid(f"{cpath}.maxSkew", max_skew, "not in valid range (0, inf)")))
        if not c.get("topologyKey"):
            errs.append(str(fe.required(f"{cpath}.topologyKey", "can not be empty")))
        when = c.get("whenUnsatisfiable")
        if when not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.append(
                str(fe.unsupported(f"{cpath}.whenUnsatisfiable", when, ["DoNotSchedule", "ScheduleAnyway"]))
            )
        if c.get("labelSelector") is not None:
            errs.append(
                str(
                    fe.forbidden_field(
                        f"{cpath}.labelSelector",
                        "constraint must not define a selector, as they deduced for each pod",
                    )
                )
            )
        pair = (c.get("topologyKey"), when)
        if pair in seen:
            errs.append(str(fe.duplicate(cpath, f"{{{pair[0]}, {pair[1]}}}")))
        seen.add(pair)
    return errs


# Building the frameworks ----------------------------------------------------------------


def _merge(defaults: list[dict], custom: dict | None) -> list[dict]:
    """Upstream's mergePluginSet."""
    if not custom:
        return list(defaults)
    disabled = {p["name"] for p in custom.get("disabled") or []}
    enabled = {p["name"]: (i, p) for i, p in enumerate(custom.get("enabled") or [])}
    replaced = set()
    result = []
    for plugin in defaults:
        if "*" in disabled or plugin["name"] in disabled:
            continue
        if plugin["name"] in enabled:
            i, plugin = enabled[plugin["name"]]
            replaced.add(i)
        result.append(plugin)
    result += [p for i, p in enumerate(custom.get("enabled") or []) if i not in replaced]
    return result


def resolve_plugins(plugins: dict) -> dict[str, list[dict]]:
    """The enabled plugins ({name, weight}) at each extension point of a profile."""
    multi = _merge(DEFAULT_MULTI_POINT, plugins.get("multiPoint"))
    resolved = {}
    for key, point in CONFIG_POINTS.items():
        expanded = [
            p for p in multi if p["name"] in REGISTRY and point in REGISTRY[p["name"]].extension_points
        ]
        resolved[point] = _merge(expanded, plugins.get(key))
    return resolved


def _validate_framework(scheduler_name: str, resolved: dict[str, list[dict]]) -> list[str]:
    prefix = f"creating profile for scheduler name {scheduler_name}: "
    errs = []
    for point, plugins in resolved.items():
        names = set()
        for p in plugins:
            cls = REGISTRY.get(p["name"])
            if cls is None:
                continue
            if point not in cls.extension_points:
                errs.append(prefix + f'plugin "{p["name"]}" does not extend {point}Plugin plugin')
            if p["name"] in names:
                errs.append(prefix + f'plugin "{p["name"]}" already registered as "{point}Plugin"')
            names.add(p["name"])
    if not resolved[QUEUE_SORT]:
        errs.append(prefix + "no queue sort plugin is enabled")
    elif len(resolved[QUEUE_SORT]) > 1:
        errs.append(prefix + "only one queue sort plugin can be enabled")
    if not resolved[BIND]:
        errs.append(prefix + "at least one bind plugin is needed")
    return errs


def build_frameworks(handle, config: dict | None) -> dict[str, Framework]:
    """One Framework per profile, keyed by schedulerName. ``config`` is validated already."""
    config = config or DEFAULT_CONFIG
    profiles = config.get("profiles") or DEFAULT_CONFIG["profiles"]
    frameworks = {}
    for profile in profiles:
        args = {c["name"]: c.get("args") or {} for c in profile.get("pluginConfig") or []}
        resolved = resolve_plugins(profile.get("plugins") or {})
        instances: dict[str, object] = {}
        points: dict[str, list] = {}
        weights: dict[str, int] = {}
        for point, plugins in resolved.items():
            points[point] = []
            for p in plugins:
                name = p["name"]
                if name not in instances:
                    instances[name] = REGISTRY[name](handle, args.get(name))
                points[point].append(instances[name])
                if point == SCORE:
                    weights[name] = p.get("weight") or 1
        points[NORMALIZE_SCORE] = [p for p in points[SCORE] if NORMALIZE_SCORE in p.extension_points]
        framework = Framework(profile["schedulerName"], points, weights)
        framework.percentage_of_nodes_to_score = profile.get(
            "percentageOfNodesToScore", config.get("percentageOfNodesToScore")
        )
        frameworks[profile["schedulerName"]] = framework
    return frameworks
