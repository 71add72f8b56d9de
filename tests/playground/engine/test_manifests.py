import pytest

from playground.engine import ApiError
from playground.engine.manifests import load


def test_multi_document_yaml_and_lists():
    docs = load("a: 1\n---\n---\nb: 2\n")
    assert docs == [{"a": 1}, {"b": 2}]
    assert load('{"kind": "List", "items": [{"a": 1}, {"b": 2}]}') == [{"a": 1}, {"b": 2}]


def test_broken_yaml_names_the_line_as_kubectl_does():
    with pytest.raises(ApiError) as error:
        load("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: a: b\n")
    assert error.value.code == 400
    assert (
        error.value.message
        == "error converting YAML to JSON: yaml: line 5: mapping values are not allowed here"
    )


def test_an_alias_bomb_is_refused_quickly():
    bomb = "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n"
    names = "abcdefghi"
    for previous, current in zip(names, names[1:], strict=False):
        bomb += f"{current}: &{current} [" + ",".join([f"*{previous}"] * 9) + "]\n"
    with pytest.raises(ApiError) as error:
        load(bomb)
    assert error.value.code == 400
    assert "alias bomb" in error.value.message


@pytest.mark.parametrize(
    "text",
    ["a: &a [*a, *a]\n", "a: &a {b: *a}\n", "kind: ConfigMap\ndata: &d\n  x: [1, {y: *d}]\n"],
)
def test_a_collection_that_contains_itself_is_refused_naming_its_anchor(text):
    with pytest.raises(ApiError) as error:
        load(text)
    assert error.value.code == 400
    anchor = "a" if "&a" in text else "d"
    assert error.value.message.startswith("error converting YAML to JSON: yaml: line ")
    assert error.value.message.endswith(f"anchor '{anchor}' value contains itself")


def test_an_anchor_used_after_its_collection_is_fine():
    assert load("a: &a [1, 2]\nb: *a\n") == [{"a": [1, 2], "b": [1, 2]}]


def test_oversized_manifests_are_refused():
    with pytest.raises(ApiError) as error:
        load("a: " + "x" * 2_000_000)
    assert error.value.code == 413


def test_a_scalar_document_is_not_an_object():
    with pytest.raises(ApiError, match="is not a Kubernetes object"):
        load("just text\n")


def test_python_tags_are_not_executed():
    with pytest.raises(ApiError):
        load("a: !!python/object/apply:os.system ['echo hacked']\n")
