"""playground/engine/text.py: messages the engine writes once and pages render in the
visitor's language; steps keep their English "message" and gain "text"."""

import json
import re

from playground.engine import Cluster
from playground.engine.text import Text, join, message_fields, narrate, say
from tests.playground.engine.conftest import deployment


def shout(template: str) -> str:
    """A stand-in catalogue: every template 'translated' to upper case, placeholders kept."""
    return "".join(p if p.startswith("%(") else p.upper() for p in re.split(r"(%\([a-z_]+\)s)", template))


def test_a_text_is_english_by_str_and_another_language_by_render():
    text = say("%(node)s is pulling %(image)s", node="worker-1", image="nginx")
    assert str(text) == "worker-1 is pulling nginx"
    assert text.render(shout) == "worker-1 IS PULLING nginx"  # values are never translated


def test_nested_texts_and_joins_render_in_the_same_language():
    parts = [say("created %(count)s pod(s)", count=2), say("deleted %(count)s pod(s)", count=1)]
    text = say("DaemonSet %(name)s: %(actions)s", name="agent", actions=join(parts, "%(first)s, %(rest)s"))
    assert str(text) == "DaemonSet agent: created 2 pod(s), deleted 1 pod(s)"
    assert text.render(shout) == "DAEMONSET agent: CREATED 2 POD(S), DELETED 1 POD(S)"
    assert join([], "%(first)s, %(rest)s") == ""
    assert join(["only"], "%(first)s, %(rest)s") == "only"


def test_a_text_survives_json_as_a_stored_step_does():
    text = say(
        "Deployment %(name)s: %(actions)s",
        name="web",
        actions=join(
            [say("created ReplicaSet %(name)s for the new pod template", name="web-1"), "x"],
            "%(first)s; %(rest)s",
        ),
    )
    back = Text.from_dict(json.loads(json.dumps(text.to_dict())))
    assert back == text
    assert back.render(shout) == text.render(shout)


def test_message_fields_keep_the_english_message():
    assert message_fields("0/3 nodes are available.") == {"message": "0/3 nodes are available."}
    fields = message_fields(say("checked %(key)s: nothing to do", key="default/web"))
    assert fields["message"] == "checked default/web: nothing to do"
    assert fields["text"] == {"template": "checked %(key)s: nothing to do", "values": {"key": "default/web"}}


def test_narrate_falls_back_to_english():
    old = {"component": "kubelet", "message": "worker-1 is pulling nginx"}  # stored before "text"
    assert narrate(old, shout) == "worker-1 is pulling nginx"
    step = {
        "message": "checked a: nothing to do",
        "text": {"template": "checked %(key)s: nothing to do", "values": {"key": "a"}},
    }
    assert narrate(step, shout) == "CHECKED a: NOTHING TO DO"
    # A catalogue entry naming a placeholder the step lacks must not break the page.
    assert narrate(step, lambda t: "%(missing)s") == "checked a: nothing to do"


def test_the_control_loops_steps_carry_text_and_round_trip_through_the_stored_state(cluster):
    cluster.apply(deployment(replicas=2))
    cluster.settle()
    cluster.fail_node("worker-1")
    steps = list(cluster.steps)
    sync = next(s for s in steps if s["action"] == "Sync" and s["kind"] == "Deployment")
    rs = sync["message"].split()[4]
    assert sync["message"] == (
        f"Deployment web: created ReplicaSet {rs} for the new pod template; Scaled up replica set {rs} from 0 to 2"
    )
    assert narrate(sync, lambda t: t) == sync["message"]
    operator = steps[-1]
    assert operator["message"] == "worker-1 lost power: its kubelet stopped posting status"
    assert operator["text"]["values"] == {"node": "worker-1"}
    for step in steps:
        if "text" in step:  # what every page in English shows is exactly the stored message
            assert narrate(step, lambda t: t) == step["message"], step
    again = Cluster.from_dict(json.loads(json.dumps(cluster.to_dict())))
    assert list(again.steps) == steps
