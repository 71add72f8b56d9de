import pytest

from playground.engine import Cluster
from playground.scenarios import for_pair, run_actions, scenarios

REQUIRED = [
    "restaurant-rating",
    "self-healing",
    "host-failure",
    "maintenance-mode",
    "resource-pools",
    "drs-rules",
    "rolling-update",
    "troubleshooting",
    "host-agents",
    "storage",
    "ingress",
    "nsx-namespaces",
]


def test_the_required_scenarios_exist():
    assert set(REQUIRED) <= set(scenarios())


@pytest.mark.parametrize("slug", sorted(scenarios()))
def test_every_scenario_builds_and_settles(slug):
    scenario = scenarios()[slug]
    cluster = Cluster.new(scenario.profile)
    cluster.apply(scenario.manifests)
    cluster.settle()
    run_actions(cluster, scenario.actions)
    assert cluster.store.count("Pod") > 0


def test_every_scenario_names_real_concept_pairs():
    from concepts.catalogue import catalogue

    for scenario in scenarios().values():
        for pair in scenario.pairs:
            assert catalogue().get(pair) is not None, (scenario.slug, pair)


def test_pairs_find_their_scenario():
    assert for_pair("ha-host-failure-node-lifecycle").slug == "host-failure"
    assert for_pair("drs-rules-affinity").slug == "drs-rules"


def test_the_troubleshooting_scenario_shows_three_failures():
    scenario = scenarios()["troubleshooting"]
    cluster = Cluster.new()
    cluster.apply(scenario.manifests)
    cluster.settle()
    run_actions(cluster, scenario.actions)
    states = {p["metadata"]["name"]: p for p in cluster.list("pods", namespace="default")}
    waiting = states["typo-image"]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
    assert waiting in ("ErrImagePull", "ImagePullBackOff")
    assert (
        states["crasher"]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
        == "CrashLoopBackOff"
    )
    assert (
        "Insufficient cpu"
        in [c for c in states["too-big"]["status"]["conditions"] if c["type"] == "PodScheduled"][0]["message"]
    )


def test_every_concept_pair_has_a_scenario_to_try():
    from concepts.catalogue import catalogue

    missing = [pair.slug for pair in catalogue().pairs if for_pair(pair.slug) is None]
    assert missing == []


def test_config_scenario_hides_the_secret_in_describe():
    from playground.kubectl.describe import describe

    scenario = scenarios()["config-and-identity"]
    cluster = Cluster.new(scenario.profile)
    cluster.apply(scenario.manifests)
    cluster.settle()
    pod = next(p for p in cluster.list("Pod", "default") if p["metadata"]["name"].startswith("ratings-"))
    text = describe(cluster, "Pod", pod)
    assert "DB_PASSWORD:  <set to the key 'password' in secret 'db-credentials'>  Optional: false" in text
    assert "change-me" not in text
    assert "app-settings  ConfigMap  Optional: false" in text
    assert "Service Account:  ratings-app" in text and "Init Containers:\n  wait-for-db:" in text
