"""Real kubectl flags the console does not implement are refused by name, with what to use
instead; a flag kubectl itself does not know keeps pflag's `unknown flag` and See line."""

import pytest

from playground import console
from playground.kubectl.cmd import VERBS

from .test_registry import _all_verbs, refused

OWN = "use your own kubectl with the downloaded kubeconfig"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "kubectl get pods --watch-only",
            "error: --watch-only is not supported in this console: the page already updates live; "
            f"{OWN} for kubectl get --watch-only",
        ),
        (
            "kubectl apply -f - --dry-run=server",
            "error: --dry-run is not supported in this console: the console's changes are real; "
            f"{OWN} for --dry-run=client or --dry-run=server, which the sandbox's API server honours",
        ),
        (
            "kubectl delete pods -A --all",
            "error: -A (--all-namespaces) is not supported in this console: "
            "delete in one namespace at a time, named with -n/--namespace",
        ),
        (
            "kubectl logs -l app=web",
            "error: -l (--selector) is not supported in this console: "
            "name one pod: kubectl get pods -l KEY=VALUE lists them",
        ),
        (
            "kubectl get pods --field-selector=status.phase=Running",
            "error: --field-selector is not supported in this console: "
            f"filter by label with -l/--selector, or {OWN} for --field-selector",
        ),
        (
            "kubectl scale deploy/web --replicas=2 -l app=web",
            "error: -l (--selector) is not supported in this console: "
            f"name the objects on the command line (kubectl get with -l lists them), or {OWN}",
        ),
    ],
)
def test_a_real_kubectl_flag_is_refused_by_name_with_what_to_do_instead(line, message):
    assert refused(line) == message


def test_a_bundled_shorthand_reaches_the_unsupported_one():
    # -p is logs' own flag; -f after it is kubectl's but not the console's.
    assert refused("kubectl logs web -pf").startswith("error: -f (--follow) is not supported in this console")


def test_truly_unknown_flags_keep_kubectls_words():
    assert (
        refused("kubectl get pods --wat") == "error: unknown flag: --wat\nSee 'kubectl get --help' for usage."
    )
    assert refused("kubectl logs web -x") == (
        "error: unknown shorthand flag: 'x' in -x\nSee 'kubectl logs --help' for usage."
    )
    # --watch is get's (and rollout status's), not delete's: unknown there, as in kubectl.
    assert refused("kubectl delete pod web --watch") == (
        "error: unknown flag: --watch\nSee 'kubectl delete --help' for usage."
    )


def test_unsupported_flags_never_shadow_supported_ones_nor_appear_in_completion():
    for verb in _all_verbs():
        for flag in verb.unsupported:
            assert verb.long(flag.name) is None, (verb.name, flag.name)
            assert not flag.short or verb.short(flag.short) is None, (verb.name, flag.short)
            assert f"--{flag.name}" not in verb.flag_words()
            assert flag.instead, (verb.name, flag.name)


def test_supported_flags_still_parse():
    command = console.parse("kubectl get pods -A -l app=web -o wide")
    assert (command.all_namespaces, command.selector, command.output) == (True, "app=web", "wide")
    assert VERBS["get"].unsupported_flag(name="watch-only").name == "watch-only"
