import pytest

from playground.engine import Cluster

from ..engine.conftest import deployment


@pytest.fixture
def cluster():
    c = Cluster.new()
    c.apply(deployment("web", replicas=2))
    c.settle()
    return c
