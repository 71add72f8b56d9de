import pytest

from playground.engine.errors import ApiError
from playground.engine.selectors import (
    compile_label_selector,
    field_matches,
    format_selector,
    matches,
    parse_field_selector,
    parse_label_selector,
)


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("app=web", {"app": "web"}, True),
        ("app==web", {"app": "web"}, True),
        ("app=web", {"app": "db"}, False),
        ("app!=web", {"app": "db"}, True),
        ("app!=web", {}, True),
        ("tier in (fe, be)", {"tier": "be"}, True),
        ("tier in (fe,be)", {"tier": "db"}, False),
        ("tier notin (db)", {"tier": "fe"}, True),
        ("tier notin (db)", {}, True),
        ("canary", {"canary": "yes"}, True),
        ("!canary", {"canary": "yes"}, False),
        ("!canary", {"app": "x"}, True),
        ("app=web,tier in (fe),!canary", {"app": "web", "tier": "fe"}, True),
    ],
)
def test_label_selectors_match_like_upstream(selector, labels, expected):
    assert matches(parse_label_selector(selector), labels) is expected


def test_a_broken_label_selector_is_a_bad_request():
    with pytest.raises(ApiError) as error:
        parse_label_selector("app in web")
    assert error.value.code == 400


def test_label_selector_objects_compile_to_the_same_requirements():
    selector = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}],
    }
    assert matches(compile_label_selector(selector), {"app": "web", "tier": "fe"})
    assert not matches(compile_label_selector(selector), {"app": "web", "tier": "db"})
    assert compile_label_selector(None) is None and not matches(None, {"a": "b"})
    assert matches(compile_label_selector({}), {"anything": "at all"})
    assert format_selector(selector) == "app=web,tier notin (db)"


def test_field_selectors_on_pods():
    pod = {
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"nodeName": "worker-1"},
        "status": {"phase": "Running"},
    }
    assert field_matches(parse_field_selector("Pod", "spec.nodeName=worker-1,status.phase!=Failed"), pod)
    assert not field_matches(parse_field_selector("Pod", "status.phase=Pending"), pod)


def test_an_unsupported_field_selector_is_refused():
    with pytest.raises(ApiError) as error:
        parse_field_selector("Pod", "spec.hostname=x")
    assert error.value.code == 400
    assert '"spec.hostname" is not a known field selector' in error.value.message
