"""Every verb the console runs is registered with its own flags; parsing takes exactly those
(and kubectl's global -n/--namespace and -h/--help) and refuses the rest in pflag's words."""

import pytest

from playground import console
from playground.kubectl.cmd import GLOBAL_FLAGS, VERBS, Flag, Verb


def _all_verbs():
    for verb in VERBS.values():
        yield verb
        yield from verb.subcommands.values()


def refused(line: str) -> str:
    with pytest.raises(console.ConsoleError) as raised:
        console.parse(line)
    return str(raised.value)


def test_every_verb_is_registered_with_its_flags_usage_and_runner():
    assert console.SUPPORTED == sorted(VERBS)
    assert {"get", "describe", "apply", "drain", "rollout", "set", "create", "top"} <= set(VERBS)
    for verb in _all_verbs():
        assert isinstance(verb, Verb) and callable(verb.run), verb.name
        assert all(
            isinstance(f, Flag) and f.type in ("string", "int", "bool", "duration", "strings")
            for f in verb.flags
        )
        assert verb.use.startswith(f"kubectl {verb.name}") and verb.summary, verb.name
        names = [f.name for f in verb.all_flags]
        assert len(names) == len(set(names)), f"{verb.name} declares a flag twice"
        shorts = [f.short for f in verb.all_flags if f.short]
        assert len(shorts) == len(set(shorts)), f"{verb.name} declares a short form twice"
    assert {f.name for f in GLOBAL_FLAGS} == {"namespace", "help"}
    assert [f.name for f in VERBS["drain"].flags] == [
        "ignore-daemonsets",
        "delete-emptydir-data",
        "force",
        "grace-period",
        "timeout",
    ]
    grace = VERBS["drain"].long("grace-period")
    assert (grace.type, grace.default, grace.takes_value) == ("int", -1, True)
    force = VERBS["drain"].long("force")
    assert (force.type, force.default, force.takes_value) == ("bool", False, False)
    assert VERBS["get"].short("o").name == "output" and VERBS["create"].subcommand("deploy").short("r")


def test_a_flag_the_verb_does_not_take_is_refused_as_kubectl_refuses_it():
    assert refused("kubectl get nodes --replicas=3 --image=x") == (
        "error: unknown flag: --replicas\nSee 'kubectl get --help' for usage."
    )
    assert refused("kubectl drain worker-1 --replicas 3") == (
        "error: unknown flag: --replicas\nSee 'kubectl drain --help' for usage."
    )
    assert refused("kubectl get pods -Ax") == (
        "error: unknown shorthand flag: 'x' in -x\nSee 'kubectl get --help' for usage."
    )
    assert refused("kubectl version -A") == (
        "error: unknown shorthand flag: 'A' in -A\nSee 'kubectl version --help' for usage."
    )
    assert refused("kubectl rollout status --to-revision=2 deploy/web") == (
        "error: unknown flag: --to-revision\nSee 'kubectl rollout status --help' for usage."
    )
    # -l is create pdb's --selector only in its long form, as in kubectl.
    assert refused("kubectl create pdb p -l app=web --min-available=1") == (
        "error: unknown shorthand flag: 'l' in -l\nSee 'kubectl create poddisruptionbudget --help' for usage."
    )


@pytest.mark.parametrize(
    ("line", "flag", "valid_for"),
    [
        ("kubectl get pods --ignore-daemonsets", "--ignore-daemonsets", "drain"),
        ("kubectl scale deploy/web --replicas=2 --overwrite", "--overwrite", "label"),
        ("kubectl logs web --to-revision=1", "--to-revision", "rollout undo"),
        ("kubectl delete pod web --image=nginx", "--image", "run"),
        ("kubectl cordon worker-1 --force", "--force", "delete"),
        ("kubectl top node -A", "-A", "top pod"),
    ],
)
def test_a_flag_valid_for_one_verb_is_refused_on_another(line, flag, valid_for):
    verb, _, sub = valid_for.partition(" ")
    spec = VERBS[verb].subcommand(sub) if sub else VERBS[verb]
    assert (spec.long(flag[2:]) if flag.startswith("--") else spec.short(flag[1:])) is not None
    words = line.split()
    where = " ".join(words[1:3]) if words[1] == "top" else words[1]
    if flag.startswith("--"):
        expected = f"error: unknown flag: {flag.partition('=')[0]}"
    else:
        expected = f"error: unknown shorthand flag: '{flag[1]}' in {flag}"
    assert refused(line) == f"{expected}\nSee 'kubectl {where} --help' for usage."


def test_values_are_typed_and_bad_ones_read_like_pflag():
    command = console.parse("kubectl drain worker-1 --grace-period=30 --force --ignore-daemonsets=false")
    assert command.extra == {"grace-period": 30, "force": True, "ignore-daemonsets": False}
    assert command.flag("delete-emptydir-data") is False  # the registered default
    assert refused("kubectl drain worker-1 --grace-period=soon") == (
        'error: invalid argument "soon" for "--grace-period" flag: strconv.ParseInt: parsing "soon": '
        "invalid syntax\nSee 'kubectl drain --help' for usage."
    )
    assert refused("kubectl get pods -A=maybe") == (
        'error: invalid argument "maybe" for "-A, --all-namespaces" flag: strconv.ParseBool: '
        "parsing \"maybe\": invalid syntax\nSee 'kubectl get --help' for usage."
    )
    assert refused("kubectl get pods -o") == (
        "error: flag needs an argument: 'o' in -o\nSee 'kubectl get --help' for usage."
    )
    assert refused("kubectl scale deploy/web --replicas") == (
        "error: flag needs an argument: --replicas\nSee 'kubectl scale --help' for usage."
    )


def test_pflag_spellings_of_values_and_bundled_shorthands():
    assert console.parse("get pods -oyaml").output == "yaml"
    assert console.parse("get pods -o=json").output == "json"
    assert console.parse("get pods --output wide").output == "wide"
    command = console.parse("logs web -pc main --tail 5")
    assert command.extra == {"previous": True, "container": "main", "tail": 5}
    # kubectl's global flags may come before the verb.
    assert console.parse("kubectl -n shop get pods").namespace == "shop"
    assert console.parse("kubectl --namespace=shop get pods").namespace_given
    assert console.parse("get pods -n shop").namespace == "shop"
    assert console.parse("rollout -n shop undo deploy/web").spec.name == "rollout undo"
    assert console.parse("delete pod -l app=web --wait=false").extra == {"wait": False}


def test_help_prints_a_short_usage_and_changes_nothing(cluster):
    for line, first, usage in (
        ("kubectl get -h", "Display one or many resources.", "  kubectl get ["),
        (
            "kubectl drain --help",
            "Drain node in preparation for maintenance.",
            "  kubectl drain NODE [options]",
        ),
        ("kubectl rollout undo -h", "Undo a previous rollout.", "  kubectl rollout undo (TYPE NAME"),
    ):
        command = console.parse(line)
        assert not command.writes
        text = console.run(cluster, command)
        assert text.startswith(first + "\n") and "\nUsage:\n" + usage in text
    drain_help = console.run(cluster, console.parse("drain -h"))
    assert "    --grace-period=-1:\n" in drain_help and "    --force=false:\n" in drain_help
    assert "Available Commands:\n  history" in console.run(cluster, console.parse("rollout --help"))
    # Flags are checked before help is given, as kubectl does.
    assert "unknown flag: --replicas" in refused("kubectl get pods -h --replicas=3")


def test_completion_offers_exactly_the_verbs_flags(cluster):
    for verb in _all_verbs():
        line = f"kubectl {verb.name} -"
        offered = console.complete(cluster, line)["candidates"]
        assert set(offered) == {w for f in verb.all_flags for w in f.spellings}, verb.name
    assert console.complete(cluster, "kubectl rollout undo deploy/web --t")["candidates"] == ["--to-revision"]
    assert console.complete(cluster, "kubectl rollout status deploy/web --t")["candidates"] == []
    assert console.complete(cluster, "kubectl run x --restart ")["candidates"] == [
        "Always",
        "Never",
        "OnFailure",
    ]
    assert console.complete(cluster, "kubectl create deployment x -")["candidates"] == [
        "-h",
        "-n",
        "-r",
        "--help",
        "--image",
        "--namespace",
        "--port",
        "--replicas",
    ]
