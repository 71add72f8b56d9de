"""kubectl explain's plaintext layout over the v1.37 schemas."""

import pytest

from playground.engine.errors import ApiError
from playground.engine.kinds import resolve
from playground.kubectl.explain import explain, type_guess


def test_a_resource_lists_its_fields_with_types():
    text = explain(resolve("pods"), [])
    assert text.startswith(
        "KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n    Pod is a collection of containers"
    )
    assert "\nFIELDS:\n  apiVersion\t<string>\n" in text
    assert "\n  metadata\t<ObjectMeta>\n" in text and "\n  spec\t<PodSpec>\n" in text
    assert all(len(line) <= 80 or "://" in line for line in text.splitlines())


def test_a_field_path_shows_the_field_then_its_type_description():
    text = explain(resolve("deploy"), ["spec", "template", "spec", "containers"])
    assert text.startswith(
        "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: containers <[]Container>\n"
    )
    assert "A single application container" in text
    assert "\n  name\t<string> -required-\n" in text
    assert "\n  resources\t<ResourceRequirements>\n" in text
    assert "\n  ports\t<[]ContainerPort>\n" in text


def test_type_guesses_for_maps_and_quantities():
    spec = explain(resolve("pod"), ["spec"])
    assert "\n  nodeSelector\t<map[string]string>\n" in spec
    limits = explain(resolve("pod"), ["spec", "containers", "resources"])
    assert "\n  limits\t<map[string]Quantity>\n" in limits
    assert type_guess({"type": ["integer", "null"]}) == "integer"


def test_an_unknown_field_is_named():
    with pytest.raises(ApiError, match='field "nope" does not exist'):
        explain(resolve("pod"), ["spec", "nope"])
