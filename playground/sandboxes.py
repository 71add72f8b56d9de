"""The sandbox service: load a learner's cluster, apply one change, let what falls due
happen, save with compare-and-swap on the version. Views stay thin over this module.

Two tabs or two server processes never lose each other's changes: a save only
succeeds if the row still has the version it was loaded at; otherwise the change is
replayed on the newer state.
"""

from __future__ import annotations

import random
import secrets
import time
from datetime import timedelta

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from playground.engine import ApiError, Cluster
from playground.models import Sandbox, SandboxCreation, Snapshot
from playground.scenarios import ScenarioError, run_actions, scenarios

PROFILES = {
    "default": "Kubernetes (kubeadm-style): a control plane and three workers",
    "vsphere": "vSphere with Kubernetes: a Supervisor and ESXi hosts, NSX networking per namespace",
    "zones": "Three zones: six workers spread over zone-a, zone-b and zone-c",
    "minimal": "One worker, nothing else",
}
MAX_SANDBOXES_PER_VISITOR = settings.SANDBOXES_PER_VISITOR
SNAPSHOTS_KEPT = 40
MAX_CATCH_UP = 3600  # simulated seconds a single visit may advance
SAVE_RETRIES = 10
# Each sandbox cluster's caps (playground.engine.cluster.Limits), kept in its state.
# Upstream has none of these but etcd's 1.5 MiB per object; a learner's sandbox needs far
# less, and these bound what one sandbox can cost: replicas also bound a Job's parallelism
# and completions, containers count init containers too, and Events have their own cap
# (the oldest make room for controllers' new ones; an API create beyond it is refused).
LIMITS = {
    "max_nodes": 12,
    "max_objects": 2000,
    "max_replicas": 50,
    "max_containers": 20,
    "max_object_bytes": 256 * 1024,
    "max_events": 1000,
    "max_backoff_limit": 100,
}


class SandboxError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def visitor(session) -> str:
    """A visitor's anonymous identity, kept in their session."""
    ident = session.get("visitor")
    if not ident:
        ident = secrets.token_hex(16)
        session["visitor"] = ident
    return ident


def dump(cluster: Cluster) -> str:
    return orjson.dumps(cluster.to_dict()).decode()


def restore(state: str) -> Cluster:
    data = orjson.loads(state)
    options = data.get("options") if isinstance(data, dict) else None
    if isinstance(options, dict):
        # A state saved before a cap existed gets today's value of it.
        for key, value in LIMITS.items():
            options.setdefault(key, value)
    return Cluster.from_dict(data)


def owned(owner: str):
    return Sandbox.objects.filter(owner=owner)


def get(owner: str, public_id) -> Sandbox:
    try:
        return owned(owner).get(public_id=public_id)
    except (Sandbox.DoesNotExist, ValueError, TypeError):
        raise SandboxError("There is no such sandbox, or it belongs to someone else.", 404) from None


def admit(owner: str, address: str | None) -> None:
    """Refuse another sandbox when this visitor (session), or this client address, has made
    too many: per visitor at once, per address in the last hour and per address at once.
    The address counts come from the database, so every server process agrees."""
    if owned(owner).count() >= MAX_SANDBOXES_PER_VISITOR:
        raise SandboxError(f"You already have {MAX_SANDBOXES_PER_VISITOR} sandboxes; delete one first.", 429)
    if not address:
        return
    hourly, held_limit = settings.SANDBOXES_PER_ADDRESS_PER_HOUR, settings.SANDBOXES_PER_ADDRESS
    if hourly:
        since = timezone.now() - timedelta(hours=1)
        made = SandboxCreation.objects.filter(address=address, created__gte=since).count()
        if made >= hourly:
            raise SandboxError(
                f"{made} sandboxes were made from your network address in the last hour; the limit "
                f"is {hourly} an hour. Please try again later, or keep using the ones you have.",
                429,
            )
    if held_limit:
        held = Sandbox.objects.filter(address=address).count()
        if held >= held_limit:
            raise SandboxError(
                f"There are {held} sandboxes from your network address; the limit is {held_limit} "
                "at once. Delete some you no longer need first.",
                429,
            )


def made(sandbox: Sandbox, address: str | None) -> None:
    """Count a new sandbox against its address (and forget counts older than a day)."""
    if not address:
        return
    Sandbox.objects.filter(pk=sandbox.pk).update(address=address)
    sandbox.address = address
    SandboxCreation.objects.create(address=address)
    if secrets.randbelow(50) == 0:
        SandboxCreation.objects.filter(created__lt=timezone.now() - timedelta(days=1)).delete()


def create(
    owner: str,
    name: str,
    profile: str = "default",
    scenario: str = "",
    capped: bool = True,
    address: str | None = None,
) -> Sandbox:
    """A new sandbox; `capped=False` is for instructors' scripts, which make one per learner.
    `address` is the client's (config.clientip.address_key), counted for the address limits."""
    if capped:
        admit(owner, address)
    found = scenarios().get(scenario) if scenario else None
    if scenario and found is None:
        raise SandboxError(f"Unknown scenario {scenario!r}.", 404)
    if found is not None:
        profile = found.profile
    if profile not in PROFILES:
        raise SandboxError(f"Unknown profile {profile!r}.", 400)
    seed = secrets.randbelow(2**31)
    cluster = build(profile, seed, found)
    name = (name or (found.title if found else PROFILES[profile].split(":")[0])).strip()[:80]
    sandbox = Sandbox.objects.create(
        owner=owner,
        name=name,
        profile=profile,
        scenario=scenario or "",
        seed=seed,
        state=dump(cluster),
        synced_at=timezone.now(),
    )
    made(sandbox, address if capped else None)
    return sandbox


def build(profile: str, seed: int, scenario=None) -> Cluster:
    """A new cluster whose simulated clock reads wall-clock time once its scenario is set up.

    kubectl computes some ages on the learner's machine (describe's events, for one), so
    at 1× the simulated clock must agree with real time. Setting up a scenario takes some
    simulated time, so the build is repeated once, started that much earlier.
    """
    now = time.time()
    cluster = _build(profile, seed, scenario, now)
    ahead = cluster.clock - now
    if ahead > 1:
        cluster = _build(profile, seed, scenario, now - ahead)
    return cluster


def _build(profile: str, seed: int, scenario, start: float) -> Cluster:
    cluster = Cluster.new(profile, seed=seed, start_time=start, **LIMITS)
    if scenario is not None:
        try:
            if scenario.manifests.strip():
                cluster.apply(scenario.manifests)
            cluster.settle()
            run_actions(cluster, scenario.actions)
        except (ApiError, ScenarioError) as error:
            raise SandboxError(f"The scenario {scenario.slug} could not be set up: {error}", 500) from None
    return cluster


def catch_up(sandbox: Sandbox, cluster: Cluster, now) -> None:
    """Bring the simulated clock up to wall time at the sandbox's speed."""
    if sandbox.paused:
        return
    elapsed = (now - sandbox.synced_at).total_seconds()
    if elapsed > 0:
        cluster.advance(min(elapsed * sandbox.speed, MAX_CATCH_UP))


def view(owner: str, public_id) -> tuple[Sandbox, Cluster]:
    """The sandbox as of now; saved when the clock moved.

    When catching up changed objects but someone else saved first, the catch-up is
    redone on their newer state: a reader (a watch above all) must never see changes
    that were not kept, or it would hand out resourceVersions that never existed.
    """
    for _attempt in range(SAVE_RETRIES):
        sandbox = get(owner, public_id)
        cluster = restore(sandbox.state)
        now = timezone.now()
        before = cluster.resource_version
        catch_up(sandbox, cluster, now)
        changed = cluster.resource_version != before
        if sandbox.paused or not (changed or (now - sandbox.synced_at) > timedelta(seconds=30)):
            return sandbox, cluster
        if _save(sandbox, cluster, now) or not changed:
            return sandbox, cluster
    raise SandboxError("The sandbox is changing too fast; please try again.", 409)


def _save(sandbox: Sandbox, cluster: Cluster, now, **fields) -> bool:
    updated = Sandbox.objects.filter(pk=sandbox.pk, version=sandbox.version).update(
        state=dump(cluster), version=sandbox.version + 1, synced_at=now, updated=now, **fields
    )
    if updated:
        sandbox.version += 1
        sandbox.synced_at = now
        sandbox.state = None  # stale on purpose: reload to read it again
        for key, value in fields.items():
            setattr(sandbox, key, value)
    return bool(updated)


def change(owner: str, public_id, action, label: str, snapshot: bool = True, run_now: bool = True, **fields):
    """Load → catch up → act → save (compare-and-swap), retried on conflict.

    `action(cluster)` must be safe to replay on a newer state. Returns
    (sandbox, cluster, result).
    """
    refuse_if_read_only(owner, public_id)
    for attempt in range(SAVE_RETRIES):
        if attempt:
            # Jittered back-off so writers that collided do not collide again in lockstep.
            time.sleep(random.uniform(0, 0.005 * 2 ** min(attempt, 6)))  # noqa: S311 - jitter, not a secret
        sandbox = get(owner, public_id)
        before_state = sandbox.state
        cluster = restore(before_state)
        now = timezone.now()
        catch_up(sandbox, cluster, now)
        result = action(cluster)  # may raise ApiError: nothing is saved
        if run_now and not sandbox.paused:
            # Run what the change set in motion at this instant. A paused clock leaves it
            # queued, so Step shows each control loop act in turn.
            cluster.advance(0)
        with transaction.atomic():
            if _save(sandbox, cluster, now, **fields):
                if snapshot:
                    Snapshot.objects.create(sandbox_id=sandbox.pk, label=label[:200], state=before_state)
                    _trim(sandbox.pk)
                return sandbox, cluster, result
    raise SandboxError("The sandbox is changing too fast; please try again.", 409)


def _workshop_seat(owner: str, public_id) -> dict | None:
    """The workshop a sandbox belongs to (its end and pause), or None for a visitor's own."""
    from playground.models import LabAttempt

    try:
        return (
            LabAttempt.objects.filter(
                sandbox__public_id=public_id, sandbox__owner=owner, participant__isnull=False
            )
            .values("participant__workshop__ends", "participant__workshop__paused")
            .first()
        )
    except (ValueError, TypeError, ValidationError):
        return None


def refuse_if_read_only(owner: str, public_id) -> None:
    """A workshop's sandboxes change no more while it is paused or once it has ended; they
    stay for the learner and the instructor to read. Every learner write goes through here."""
    seat = _workshop_seat(owner, public_id)
    if seat and seat["participant__workshop__ends"] <= timezone.now():
        raise SandboxError("This workshop has ended: its sandboxes are read-only.", 403)
    if seat and seat["participant__workshop__paused"]:
        raise SandboxError("The instructor has paused the workshop; changes resume when it continues.", 403)


def _trim(pk: int) -> None:
    stale = (
        Snapshot.objects.filter(sandbox_id=pk).order_by("-id").values_list("id", flat=True)[SNAPSHOTS_KEPT:]
    )
    Snapshot.objects.filter(id__in=list(stale)).delete()


def rewind(owner: str, public_id, snapshot_id: int) -> Sandbox:
    sandbox = get(owner, public_id)
    refuse_if_read_only(owner, public_id)
    try:
        snap = sandbox.snapshots.get(pk=snapshot_id)
    except Snapshot.DoesNotExist:
        raise SandboxError("That snapshot does not exist.", 404) from None
    now = timezone.now()
    restored = restore(snap.state)
    # Rewinding is itself a step the learner can undo.
    Snapshot.objects.create(
        sandbox_id=sandbox.pk, label=f"Before going back to: {snap.label}", state=sandbox.state
    )
    if not _save(sandbox, restored, now, paused=True):
        raise SandboxError("The sandbox changed meanwhile; please try again.", 409)
    sandbox.snapshots.filter(pk__gt=snap.pk).exclude(label__startswith="Before going back to").delete()
    _trim(sandbox.pk)
    return sandbox


def reset(owner: str, public_id) -> Sandbox:
    sandbox = get(owner, public_id)
    refuse_if_read_only(owner, public_id)
    found = scenarios().get(sandbox.scenario) if sandbox.scenario else None
    replace_state(sandbox, build(sandbox.profile, sandbox.seed, found), "Reset")
    return sandbox


def replace_state(sandbox: Sandbox, cluster: Cluster, label: str) -> None:
    """Put a whole new cluster in the sandbox, keeping the old one as a snapshot."""
    Snapshot.objects.create(sandbox_id=sandbox.pk, label=label, state=sandbox.state)
    if not _save(sandbox, cluster, timezone.now()):
        raise SandboxError("The sandbox changed meanwhile; please try again.", 409)


def duplicate(owner: str, public_id, address: str | None = None) -> Sandbox:
    sandbox = get(owner, public_id)
    refuse_if_read_only(owner, public_id)
    admit(owner, address)
    copy = Sandbox.objects.create(
        owner=owner,
        name=f"{sandbox.name} (copy)"[:80],
        profile=sandbox.profile,
        scenario=sandbox.scenario,
        seed=sandbox.seed,
        state=sandbox.state,
        speed=sandbox.speed,
        paused=sandbox.paused,
        synced_at=sandbox.synced_at,
    )
    made(copy, address)
    return copy


def delete(owner: str, public_id) -> None:
    """A workshop's sandbox is never deleted by its learner: it holds their results, which
    the instructor's grid and CSV read (deleting it would take the LabAttempt with it)."""
    sandbox = get(owner, public_id)
    refuse_if_read_only(owner, public_id)
    if _workshop_seat(owner, public_id):
        raise SandboxError(
            "This sandbox belongs to a workshop and keeps your results for the instructor; "
            "it cannot be deleted.",
            403,
        )
    sandbox.delete()


def rename(owner: str, public_id, name: str) -> Sandbox:
    name = (name or "").strip()
    if not name:
        raise SandboxError("A sandbox needs a name.", 400)
    sandbox = get(owner, public_id)
    refuse_if_read_only(owner, public_id)
    Sandbox.objects.filter(pk=sandbox.pk).update(name=name[:80])
    sandbox.name = name[:80]
    return sandbox
