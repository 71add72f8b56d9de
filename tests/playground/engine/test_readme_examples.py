"""Every ```python block of playground/engine/README.md runs as written, so the map of the
engine cannot drift from the code. Each block runs in a fresh namespace; what it registers
globally (a kind, a scheduler plugin, a controller, a console verb) is taken back after."""

import re
from pathlib import Path

import pytest

from playground.engine.controllers.registry import CONTROLLERS
from playground.engine.registry import BUILTIN
from playground.engine.scheduler.plugins import REGISTRY
from playground.kubectl.cmd import VERBS

README = Path(__file__).resolve().parents[3] / "playground" / "engine" / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(), re.MULTILINE | re.DOTALL)


@pytest.fixture
def restored_registries():
    kinds = {s.kind for s in BUILTIN}
    plugins, controllers, verbs = dict(REGISTRY), list(CONTROLLERS), dict(VERBS)
    try:
        yield
    finally:
        for strategy in list(BUILTIN):
            if strategy.kind not in kinds:
                BUILTIN.unregister(strategy.kind)
        REGISTRY.clear()
        REGISTRY.update(plugins)
        CONTROLLERS[:] = controllers
        VERBS.clear()
        VERBS.update(verbs)


def test_the_readme_has_an_example_for_each_place():
    headings = re.findall(r"^## (.+)$", README.read_text(), re.MULTILINE)
    assert len(BLOCKS) == len(headings) == 5


@pytest.mark.usefixtures("restored_registries")
@pytest.mark.parametrize("block", BLOCKS, ids=[f"example-{i + 1}" for i in range(len(BLOCKS))])
def test_the_example_runs(block):
    exec(compile(block, str(README), "exec"), {"__name__": "readme_example"})  # noqa: S102
