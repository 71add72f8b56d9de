"""rollout history, undo, restart, pause, resume and status: directly, through the Cluster's
thin methods and the console."""

import pytest

from playground import console
from playground.engine import ApiError
from playground.kubectl import rollout


def run(cluster, line):
    return console.run(cluster, console.parse(line))


def _image(cluster):
    return cluster.get("Deployment", "web", "default")["spec"]["template"]["spec"]["containers"][0]["image"]


def test_history_and_undo_to_the_previous_and_a_named_revision(cluster):
    cluster.set_image("Deployment", "web", {"main": "nginx:1.28"})
    cluster.settle()
    entries = rollout.history(cluster, "deploy", "web")
    assert [e["revision"] for e in entries] == [1, 2] and entries == cluster.rollout_history(
        "Deployment", "web"
    )
    assert run(cluster, "rollout history deploy/web") == (
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
    )
    result = rollout.undo(cluster, "Deployment", "web")
    assert not result["skipped"] and result["revision"] == 1 and _image(cluster) == "nginx:1.27"
    cluster.settle()
    # Revision 1 came back as revision 3; revision 2 is nginx:1.28.
    assert [e["revision"] for e in rollout.history(cluster, "Deployment", "web")] == [2, 3]
    assert run(cluster, "rollout undo deploy/web --to-revision=2") == "deployment.apps/web rolled back\n"
    cluster.settle()
    assert _image(cluster) == "nginx:1.28"
    assert run(cluster, "rollout undo deployment web --to-revision 4") == (
        "deployment.apps/web skipped rollback (current template already matches revision 4)\n"
    )
    with pytest.raises(ApiError, match="unable to find specified revision 9 in history"):
        cluster.rollout_undo("Deployment", "web", to_revision=9)


def test_undo_without_history_is_refused(cluster):
    with pytest.raises(ApiError, match='no rollout history found for deployment "web"'):
        run(cluster, "rollout undo deploy/web")


def test_restart_pause_resume_patch_the_deployment(cluster):
    assert run(cluster, "rollout restart deploy/web") == "deployment.apps/web restarted\n"
    annotations = cluster.get("Deployment", "web", "default")["spec"]["template"]["metadata"]["annotations"]
    assert set(annotations) == {rollout.RESTARTED_AT}
    assert run(cluster, "rollout pause deployment/web") == "deployment.apps/web paused\n"
    assert cluster.get("Deployment", "web", "default")["spec"]["paused"] is True
    cluster.rollout_resume("Deployment", "web")
    assert "paused" not in cluster.get("Deployment", "web", "default")["spec"]
    cluster.rollout_pause("Deployment", "web")
    cluster.rollout_restart("Deployment", "web")
    assert run(cluster, "rollout resume deploy/web") == "deployment.apps/web resumed\n"


def test_status_reads_like_kubectls_status_viewer(cluster):
    assert run(cluster, "rollout status deploy/web") == 'deployment "web" successfully rolled out\n'
    cluster.set_image("Deployment", "web", {"main": "nginx:1.28"})
    assert rollout.status(cluster.get("Deployment", "web", "default")) == (
        "Waiting for deployment spec update to be observed...\n"
    )
    assert not console.parse("rollout status deploy/web").writes
    assert console.parse("rollout undo deploy/web").writes


def test_rollout_without_a_known_subcommand_reads_like_kubectl(cluster):
    with pytest.raises(console.ConsoleError) as raised:
        run(cluster, "kubectl rollout foo deploy/x")
    assert str(raised.value) == (
        "error: unknown command \"foo deploy/x\"\nSee 'kubectl rollout -h' for help and examples"
    )
    assert run(cluster, "kubectl rollout").startswith("Manage the rollout of one or many resources.\n")
    with pytest.raises(console.ConsoleError, match="^error: required resource not specified$"):
        run(cluster, "rollout undo")
