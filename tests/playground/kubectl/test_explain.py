"""kubectl explain, moved to playground.kubectl: directly and through the console."""

import pytest

from playground import console
from playground.engine.kinds import resolve
from playground.kubectl.explain import explain


def test_explain_directly_and_through_the_console(cluster):
    text = explain(resolve("deploy"), ["spec", "replicas"])
    assert text.startswith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n")
    assert console.run(cluster, console.parse("kubectl explain deploy.spec.replicas")) == text
    with pytest.raises(console.ConsoleError, match='\nerror: field "nosuch" does not exist$'):
        console.run(cluster, console.parse("kubectl explain pods.nosuch"))
