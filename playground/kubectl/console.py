"""The in-page kubectl: a command line parsed against the verb registry, run against a cluster,
and completed with Tab.

It speaks a subset of kubectl and prints what kubectl prints for it, so what a learner types
here works unchanged against a real cluster. Each verb takes exactly the flags registered for
it (playground.kubectl.cmd), and any other is refused as kubectl's flag parser refuses it.
kubectl's commands outside the subset are refused by name rather than half-done.
"""

from __future__ import annotations

import shlex

from playground.engine.errors import ApiError
from playground.engine.kinds import resolve
from playground.kubectl.cmd import VERBS
from playground.kubectl.cmd.apply import applied
from playground.kubectl.cmd.registry import GLOBAL_FLAGS, Flag, Verb, flag_error
from playground.kubectl.cmd.util import Command
from playground.kubectl.errors import ConsoleError

__all__ = ["Command", "ConsoleError", "applied", "complete", "parse", "run", "typeable", "unknown_command"]

# kubectl's own commands the console does not run, each with why and what to use instead.
_REAL_KUBECTL = "the real kubectl with this sandbox's kubeconfig (Download kubeconfig)"
_NO_PROCESSES = (
    "the sandbox simulates containers without processes, so there is nothing to {what}; "
    "use kubectl logs POD for what a container prints, kubectl describe pod POD for its state "
    "and kubectl get events for what happened to it"
)
REFUSALS = {
    "edit": "the console has no editor; print the object with kubectl get TYPE NAME -o yaml, "
    "change it, then paste it after kubectl apply -f - (or into the Apply YAML box)",
    "exec": _NO_PROCESSES.format(what="exec into"),
    "attach": _NO_PROCESSES.format(what="attach to"),
    "debug": _NO_PROCESSES.format(what="debug with an ephemeral container"),
    "cp": _NO_PROCESSES.format(what="copy files from or to"),
    "port-forward": "the sandbox's pods have no network endpoints to forward to; "
    "kubectl get endpointslices and the Network view and trace show where traffic would go",
    "proxy": "the console talks to the API server for you; to serve the API on a local port, "
    f"run kubectl proxy with {_REAL_KUBECTL}",
    "replace": "use kubectl apply -f - with the whole object on the next lines",
    "wait": "the console runs one command and answers at once; run kubectl get or "
    "kubectl rollout status again, or press Settle to run the clock until nothing is due",
    "autoscale": "apply a HorizontalPodAutoscaler with kubectl apply -f - instead",
    "certificate": "the sandbox has no certificate signers; use kubectl get nodes to see its members",
    "cluster-info": "use kubectl get nodes and kubectl version; kubectl cluster-info works with "
    + _REAL_KUBECTL,
    "taint": f"the console does not change taints; kubectl taint works with {_REAL_KUBECTL}, "
    "and kubectl cordon NODE stops new pods landing on a node",
    "events": "use kubectl get events, or kubectl describe TYPE NAME for one object's events",
    "diff": "kubectl apply -f - prints created, configured or unchanged for each object; "
    f"kubectl diff works with {_REAL_KUBECTL}",
    "kustomize": f"paste the rendered YAML after kubectl apply -f -, or run kustomize with {_REAL_KUBECTL}",
    "auth": "the console acts as the sandbox's owner, a cluster-admin; to ask what another "
    f"identity may do, run kubectl auth can-i ... --as NAME with {_REAL_KUBECTL}",
    "config": "the console always talks to this sandbox; choose a namespace with -n NAMESPACE on each command, "
    f"and use kubectl config with {_REAL_KUBECTL}",
    "plugin": f"the console runs no plugins; use {_REAL_KUBECTL}",
    "completion": "press Tab in this terminal to complete; kubectl completion is for your own shell",
    "options": "each verb's flags complete with Tab after a -",
    "api-versions": "use kubectl api-resources, which lists every type with its API version",
    "alpha": "the console runs no alpha commands",
}
KUBECTL_VERBS = set(REFUSALS)
# kubectl's commands in the order it registers them, which is the order its
# "Did you mean this?" suggestions come in (kubectl turns off cobra's sorting).
KUBECTL_ORDER = (
    "create expose run set explain get edit delete rollout scale autoscale certificate cluster-info top "
    "cordon uncordon drain taint describe logs attach exec port-forward proxy cp auth debug events diff "
    "apply patch replace wait kustomize label annotate completion config plugin version api-versions "
    "api-resources options"
).split()
SUPPORTED = sorted(VERBS)
OUTPUT_FORMATS = ("", "wide", "yaml", "json", "name")
MAX_LINE = 2000
MAX_STDIN = 256 * 1024


def parse(text: str) -> Command:
    """The first line is the command; any further lines are its standard input
    (`kubectl apply -f -` followed by YAML, with or without a `<<EOF` heredoc)."""
    line, _, stdin = text.replace("\r\n", "\n").partition("\n")
    if len(stdin.encode()) > MAX_STDIN:
        raise ConsoleError(f"error: the input is {len(stdin.encode())} bytes; the limit is {MAX_STDIN} bytes")
    heredoc = None
    if "<<" in line:
        line, _, marker = line.partition("<<")
        heredoc = marker.strip().strip("'\"-") or None
    if heredoc:
        body = stdin.split("\n")
        if heredoc in (b.strip() for b in body):
            body = body[: [b.strip() for b in body].index(heredoc)]
        stdin = "\n".join(body)
    command = _parse_line(line.strip())
    command.stdin = stdin
    return command


def _parse_line(line: str) -> Command:
    if len(line) > MAX_LINE:
        raise ConsoleError(f"error: the command is {len(line)} characters; the limit is {MAX_LINE}")
    try:
        words = shlex.split(line)
    except ValueError as error:
        raise ConsoleError(f"error: cannot parse the command line: {error}") from None
    if words[:1] == ["kubectl"]:
        words = words[1:]
    if not words:
        raise ConsoleError("error: type a kubectl command, for example: kubectl get pods")
    leading, words = _leading_globals(words)
    if not words:
        raise ConsoleError("error: type a kubectl command, for example: kubectl get pods")
    verb, rest = words[0], leading + words[1:]
    if verb not in VERBS and verb not in KUBECTL_VERBS:
        raise ConsoleError(unknown_command(verb))
    if verb not in VERBS:
        raise ConsoleError(f'error: the console does not run "kubectl {verb}": {REFUSALS[verb]}.')
    spec, rest = resolve_verb(VERBS[verb], rest)
    command = Command(verb, spec=spec)
    parse_flags(command, spec, rest)
    if command.output not in OUTPUT_FORMATS:
        raise ConsoleError(
            f'error: unable to match a printer suitable for the output format "{command.output}", '
            "allowed formats are: json,name,wide,yaml"
        )
    return command


def _leading_globals(words: list[str]) -> tuple[list[str], list[str]]:
    """kubectl's global flags may come before the verb (kubectl -n shop get pods): those
    words, and the words from the verb on."""
    leading = []
    while len(words) > 1 and words[0].startswith("-") and (found := _global(words[0].partition("=")[0])):
        takes = found.takes_value and "=" not in words[0] and len(words[0]) <= 2 + len(found.name)
        leading, words = leading + words[: 1 + takes], words[1 + takes :]
    return leading, words


def _global(word: str) -> Flag | None:
    name = word[2:] if word.startswith("--") else word[1:] if word.startswith("-") else ""
    return next((f for f in GLOBAL_FLAGS if name in (f.name, f.short)), None)


def resolve_verb(spec: Verb, rest: list[str]) -> tuple[Verb, list[str]]:
    """The subcommand named by the first word that is not a flag (`rollout undo`), and the
    words without it; the verb itself when it has none or the word names none."""
    if not spec.subcommands:
        return spec, rest
    skip = False
    for i, word in enumerate(rest):
        if skip:
            skip = False
        elif word == "--":
            break
        elif word.startswith("-") and word != "-":
            found = _global(word)
            skip = (
                "=" not in word
                and found is not None
                and found.takes_value
                and len(word) <= 2 + len(found.name)
            )
        else:
            sub = spec.subcommand(word)
            return (sub, rest[:i] + rest[i + 1 :]) if sub else (spec, rest)
    return spec, rest


def _set(command: Command, spec: Verb, flag: Flag, text: str) -> None:
    value = flag.convert(text, spec.name)
    if flag.name in ("namespace", "output", "selector"):
        setattr(command, flag.name, value)
        command.namespace_given |= flag.name == "namespace"
    elif flag.name == "all-namespaces":
        command.all_namespaces = value
    elif flag.name == "help":
        command.help = value
    elif flag.type == "strings":  # -L a -L b,c: each use adds to the list
        command.extra[flag.name] = [*command.extra.get(flag.name, []), *value]
    else:
        command.extra[flag.name] = value


def parse_flags(command: Command, spec: Verb, words: list[str]) -> None:
    """pflag's parsing: --name=value, --name value, -x value, -xvalue, -x=value, bundled
    boolean shorthands (-Ap); a bool takes a value only after "="; "--" ends the flags."""
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            command.args += words[i:]
            break
        if word.startswith("--"):
            name, eq, inline = word[2:].partition("=")
            flag = spec.long(name)
            if flag is None:
                if unsupported := spec.unsupported_flag(name=name):
                    raise unsupported.refusal(f"--{name}")
                raise flag_error(spec.name, f"unknown flag: --{name}")
            if not flag.takes_value:
                _set(command, spec, flag, inline if eq else "true")
            elif eq:
                _set(command, spec, flag, inline)
            elif i + 1 < len(words):
                i += 1
                _set(command, spec, flag, words[i])
            else:
                raise flag_error(spec.name, f"flag needs an argument: --{name}")
        elif word.startswith("-") and word != "-":
            shorts = word[1:]
            j = 0
            while j < len(shorts):
                letter, remainder = shorts[j], shorts[j + 1 :]
                flag = spec.short(letter)
                if flag is None:
                    if unsupported := spec.unsupported_flag(short=letter):
                        raise unsupported.refusal(f"-{letter}")
                    raise flag_error(spec.name, f"unknown shorthand flag: '{letter}' in -{shorts[j:]}")
                if flag.takes_value:
                    if remainder:
                        _set(command, spec, flag, remainder.removeprefix("="))
                    elif i + 1 < len(words):
                        i += 1
                        _set(command, spec, flag, words[i])
                    else:
                        raise flag_error(spec.name, f"flag needs an argument: '{letter}' in -{shorts[j:]}")
                    break
                if remainder.startswith("="):
                    _set(command, spec, flag, remainder[1:])
                    break
                _set(command, spec, flag, "true")
                j += 1
        else:
            command.args.append(word)
        i += 1


def unknown_command(verb: str) -> str:
    """What kubectl (cobra) prints for a command it does not know, with its suggestions:
    commands within two edits of the word, or starting with it, in kubectl's order."""
    typed = verb.lower()
    near = [c for c in KUBECTL_ORDER if _distance(typed, c) <= 2 or c.startswith(typed)]
    text = f'Error: unknown command "{verb}" for "kubectl"'
    if near:
        text += "\n\nDid you mean this?\n" + "".join(f"\t{c}\n" for c in near)
    return text.rstrip("\n")


def _distance(a: str, b: str) -> int:
    """Levenshtein distance, as cobra computes it for suggestions."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def run(cluster, command: Command) -> str:
    """The text kubectl prints on stdout; ApiError and ConsoleError carry what it prints on stderr.
    Dispatch is by the registered verb (or subcommand) the command was parsed against."""
    spec = command.spec or resolve_verb(VERBS[command.verb], command.args)[0]
    if command.help:
        return spec.help_text()
    from playground.kubectl.cmd.util import REGISTRY

    token = REGISTRY.set(cluster.api.registry)  # resource names resolve to its custom resources too
    cluster.api.warnings = []
    try:
        output = spec.run(cluster, command)
    finally:
        REGISTRY.reset(token)
    # The API server's Warning headers (PodSecurity's among them): kubectl prints each on
    # stderr as "Warning: ..." as the response arrives, before what the command prints.
    warnings = "".join(f"Warning: {w}\n" for w in dict.fromkeys(cluster.api.warnings))
    cluster.api.warnings = []
    return warnings + output


# Completion ------------------------------------------------------------------------------------

# Verbs whose first word is a resource type and the next ones that type's object names.
_TYPE_THEN_NAMES = {"get", "describe", "delete", "scale", "expose", "label", "annotate"}
ROLLOUT_TYPES = ("daemonsets", "deployments", "statefulsets")


def complete(cluster, line: str) -> dict:
    """Tab completion for the text left of the cursor: {"candidates": [...], "replace": n},
    where the last `n` characters of the line are the word being completed and each
    candidate is a whole replacement for it. The flags offered are exactly the verb's
    registered flags. Namespace-aware (-n, -A), read-only, and aware of the sandbox's
    custom resources (its CRDs' kinds complete like the built-in ones)."""
    from playground.kubectl.cmd.util import REGISTRY

    token = REGISTRY.set(cluster.api.registry)
    try:
        return _complete(cluster, line)
    finally:
        REGISTRY.reset(token)


def _resolve(name: str):
    from playground.kubectl.cmd.util import REGISTRY

    return resolve(name, registry=REGISTRY.get())


def _complete(cluster, line: str) -> dict:
    words = line.split()
    partial = "" if not line or line[-1].isspace() else words.pop()
    if words[:1] == ["kubectl"]:
        words = words[1:]
    elif not words:
        # The first word: kubectl itself, or a verb typed without it (the console takes both).
        return _answer([c for c in ["kubectl", *SUPPORTED] if c.startswith(partial)], partial)
    leading, words = _leading_globals(words)
    if len(words) == 1 and _value_flag(VERBS["get"], words[0]) and _global(words[0]):  # kubectl -n <Tab>
        return _answer(
            [c for c in _flag_values(cluster, VERBS["get"], words[0], []) if c.startswith(partial)], partial
        )
    if not words:
        return _answer([v for v in SUPPORTED if v.startswith(partial)], partial)
    verb, rest = words[0], leading + words[1:]
    if verb not in VERBS:
        return _answer([], partial)
    spec, _ = resolve_verb(VERBS[verb], rest)
    if partial.startswith("--") and "=" in partial:  # --output=ya
        flag, _, partial = partial.partition("=")
        candidates = _flag_values(cluster, spec, flag, rest)
        return _answer([c for c in candidates if c.startswith(partial)], partial)
    if rest and _value_flag(spec, rest[-1]):
        candidates = _flag_values(cluster, spec, rest[-1], rest)
        return _answer([c for c in candidates if c.startswith(partial)], partial)
    if partial.startswith("-"):
        return _answer([f for f in spec.flag_words() if f.startswith(partial)], partial)
    positional = _positional(spec, rest)
    namespace, everywhere = _namespace(rest)
    if "/" in partial:
        kind, _, name_part = partial.partition("/")
        names = _object_names(cluster, kind, namespace, everywhere)
        return _answer([f"{kind}/{n}" for n in names if n.startswith(name_part)], partial)
    alias = _resolve(partial) if partial else None  # `po` completes to `pods`, `svc` to `services`
    candidates = _positional_candidates(cluster, verb, positional, namespace, everywhere, partial)
    return _answer([c for c in candidates if c.startswith(partial) or (alias and c == alias.plural)], partial)


def _answer(candidates: list[str], partial: str) -> dict:
    return {"candidates": list(dict.fromkeys(candidates)), "replace": len(partial)}


def _flag(spec: Verb, word: str) -> Flag | None:
    if word.startswith("--"):
        return spec.long(word[2:])
    if word.startswith("-") and len(word) == 2:
        return spec.short(word[1])
    return None


def _value_flag(spec: Verb, word: str) -> bool:
    flag = _flag(spec, word)
    return flag is not None and flag.takes_value


def _positional(spec: Verb, rest: list[str]) -> list[str]:
    """The words that are not flags or flag values."""
    out, skip = [], False
    for word in rest:
        if skip:
            skip = False
        elif _value_flag(spec, word):
            skip = True
        elif not word.startswith("-") or word == "-":
            out.append(word)
    return out


def _namespace(rest: list[str]) -> tuple[str, bool]:
    namespace, everywhere = "default", False
    for i, word in enumerate(rest):
        if word in ("-n", "--namespace") and i + 1 < len(rest):
            namespace = rest[i + 1]
        elif word.startswith("--namespace="):
            namespace = word.partition("=")[2]
        elif word in ("-A", "--all-namespaces"):
            everywhere = True
    return namespace, everywhere


def _flag_values(cluster, spec: Verb, word: str, rest: list[str]) -> list[str]:
    flag = _flag(spec, word)
    if flag is None:
        return []
    if flag.name == "namespace":
        return sorted(o["metadata"]["name"] for o in cluster.list("Namespace"))
    if flag.name == "container":
        namespace, _ = _namespace(rest)
        pods = [w.removeprefix("pod/").removeprefix("pods/") for w in _positional(spec, rest)]
        names = []
        for pod in cluster.list("Pod", namespace):
            if not pods or pod["metadata"]["name"] in pods:
                names += [c["name"] for c in pod["spec"].get("containers") or []]
        return sorted(set(names))
    return list(flag.values)


def _types(partial: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Resource types by plural; a short name, singular or Kind typed in full completes to its
    plural (`po` → `pods`, `deploy` → `deployments`)."""
    from playground.engine.kinds import TYPES
    from playground.kubectl.cmd.util import REGISTRY

    kinds = REGISTRY.get() or TYPES
    plurals = sorted({rt.plural for rt in kinds if not allowed or rt.plural in allowed})
    rt = _resolve(partial) if partial else None
    if rt is not None and rt.plural in plurals:
        return [rt.plural]
    return plurals


def _object_names(cluster, kind: str, namespace: str, everywhere: bool) -> list[str]:
    rt = _resolve(kind)
    if rt is None:
        return []
    ns = None if (everywhere or not rt.namespaced) else namespace
    return sorted({o["metadata"]["name"] for o in cluster.list(rt.kind, ns)})


def _positional_candidates(cluster, verb, positional, namespace, everywhere, partial) -> list[str]:
    n = len(positional)
    subcommands = sorted(VERBS[verb].subcommands)
    if subcommands and n == 0:
        return subcommands
    if verb in _TYPE_THEN_NAMES or verb == "explain":
        if n == 0:
            types = _types(partial)
            return ["all", *types] if verb == "get" and len(types) > 1 else types
        if verb == "explain" or "/" in positional[0] or "," in positional[0]:
            return []
        if verb in ("label", "annotate") and n >= 2:
            return []
        return _object_names(cluster, positional[0], namespace, everywhere)
    if verb == "logs":
        if n == 0 and "/" in partial:  # kubectl logs deploy/<Tab>: the workload's names
            kind = partial.partition("/")[0]
            return [f"{kind}/{name}" for name in _object_names(cluster, kind, namespace, everywhere)]
        return _object_names(cluster, "pods", namespace, everywhere) if n == 0 else []
    if verb in ("cordon", "uncordon", "drain"):
        return _object_names(cluster, "nodes", namespace, everywhere)
    if verb == "rollout":
        if n == 1:
            return _types(partial, ROLLOUT_TYPES)
        return _object_names(cluster, positional[1], namespace, everywhere) if n == 2 else []
    if verb == "set":
        if n == 1:
            return _types(partial, ROLLOUT_TYPES)
        target = positional[1]
        if "/" not in target and n == 2:
            return _object_names(cluster, target, namespace, everywhere)
        return _containers_of(cluster, positional[1:3], namespace)
    return []


def _containers_of(cluster, target: list[str], namespace: str) -> list[str]:
    """`kubectl set image deploy/web <Tab>`: CONTAINER= for each container of the object."""
    if "/" in target[0]:
        kind, _, name = target[0].partition("/")
    elif len(target) == 2:
        kind, name = target
    else:
        return []
    rt = _resolve(kind)
    if rt is None:
        return []
    try:
        obj = cluster.get(rt.kind, name, namespace if rt.namespaced else None)
    except ApiError:
        return []
    spec = obj.get("spec") or {}
    pod_spec = (spec.get("template") or {}).get("spec") or spec
    return [c["name"] + "=" for c in pod_spec.get("containers") or []]


def typeable(text: str) -> str:
    """The kubectl command in a concept table's cell, without its trailing remark:
    'kubectl get svc (CLUSTER-IP)' → 'kubectl get svc'; '' when there is none."""
    start = text.find("kubectl ")
    if start < 0:
        return ""
    command = text[start:].split(" (", 1)[0].strip()
    return command if len(command) <= MAX_LINE and "\n" not in command else ""
