"""playground.kubectl.console: the shim playground.console re-exports it, dispatch goes by the
registry, and kubectl's global flags may come before the verb in parsing and completion."""

import pytest

from playground import console as shim
from playground.kubectl import console
from playground.kubectl.cmd import VERBS


def test_the_shim_reexports_the_console():
    for name in ("parse", "run", "complete", "ConsoleError", "applied", "typeable", "SUPPORTED", "MAX_LINE"):
        assert getattr(shim, name) is getattr(console, name)


def test_run_dispatches_to_the_registered_verb(cluster, monkeypatch):
    calls = []
    monkeypatch.setattr(VERBS["version"], "run", lambda c, command: calls.append(command.args) or "ran\n")
    assert console.run(cluster, console.parse("kubectl version extra")) == "ran\n" and calls == [["extra"]]


def test_global_flags_before_the_verb(cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    command = console.parse("kubectl -n shop get pods")
    assert (command.verb, command.namespace, command.args) == ("get", "shop", ["pods"])
    with pytest.raises(console.ConsoleError, match="^No resources found in shop namespace.$"):
        console.run(cluster, command)
    assert "shop" in console.complete(cluster, "kubectl -n ")["candidates"]
    assert console.complete(cluster, "kubectl -n shop ge")["candidates"] == ["get"]
    assert console.complete(cluster, "kubectl --namespace=shop get po")["candidates"] == ["pods"]


def test_refused_commands_keep_their_reasons():
    with pytest.raises(console.ConsoleError, match='^error: the console does not run "kubectl replace": '):
        console.parse("kubectl replace -f web.yaml")
    with pytest.raises(console.ConsoleError, match='^Error: unknown command "gte" for "kubectl"'):
        console.parse("kubectl gte pods")
