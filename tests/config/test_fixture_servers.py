"""The test suite's own servers (tests/servers.py): whatever a fixture's setup does, every
process it started is stopped, gunicorn's workers included, even one busy with an open
watch after the master has given up waiting for it (failed setups once left gunicorn
processes running)."""

import http.client
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.servers import ROOT, gunicorn, manage, production_env


def alive_in_group(group: int) -> list[int]:
    """The processes of a process group that still run (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(entry.name))
    return found


class SetupFailed(Exception):
    pass


def test_a_failed_setup_stops_gunicorn_and_a_worker_held_by_a_stream(tmp_path):
    env = production_env(tmp_path, KUBE_API_WATCH_SECONDS="120")
    token = (
        manage(
            env,
            "shell",
            "-c",
            "from playground import sandboxes; print('token', sandboxes.create('cli', 's').token)",
        )
        .stdout.split("token", 1)[1]
        .strip()
    )
    with pytest.raises(SetupFailed), gunicorn(env, tmp_path, ("--workers", "1")) as (process, base):
        group = os.getpgid(process.pid)
        assert group == process.pid  # a group of its own, not the test run's
        url = urllib.parse.urlsplit(base)
        watch = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        watch.request("GET", f"/k8s/{token}/api/v1/nodes?watch=1")
        assert watch.getresponse().status == 200
        assert len(alive_in_group(group)) == 2  # the master and its worker
        raise SetupFailed  # say, the next step of a fixture's setup
    # The worker would serve its watch for two more minutes, past the master's graceful
    # timeout and the 15 s stop waits for it: it was killed with the group.
    assert alive_in_group(group) == []
    watch.close()


def test_a_killed_test_run_leaves_no_gunicorn_behind(tmp_path):
    """No teardown at all (the run was killed): gunicorn ends with its parent."""
    env = production_env(tmp_path)
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from tests.servers import start_gunicorn\n"
        f"process, base = start_gunicorn({env!r}, Path({str(tmp_path)!r}), ('--workers', '1'))\n"
        "print(process.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    run = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        group = int(run.stdout.readline())
        assert len(alive_in_group(group)) == 2
    finally:
        run.kill()
        run.wait()
    deadline = time.monotonic() + 60
    while alive_in_group(group) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive_in_group(group) == []
