"""The sandbox service: load a learner's cluster, apply one change, let what falls due
happen, save with compare-and-swap on the version. Views stay thin over this module.

Two tabs or two server processes never lose each other's changes: a save only
succeeds if the row still has the version it was loaded at; otherwise the change is
replayed on the newer state.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import random
import secrets
import time
from datetime import timedelta

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum, TextField
from django.db.models.functions import Cast, Length
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from playground import changes, warm
from playground.engine import ApiError, Cluster
from playground.engine.cluster import WorkBudget
from playground.models import Sandbox, SandboxCreation, Snapshot, StatePart, pack, unpack
from playground.scenarios import ScenarioError, run_actions, scenarios

PROFILES = {  # the page shows them with {% translate %}
    "default": gettext_noop("Kubernetes (kubeadm-style): a control plane and three workers"),
    "vsphere": gettext_noop(
        "vSphere with Kubernetes: a Supervisor and ESXi hosts, NSX networking per namespace"
    ),
    "zones": gettext_noop("Three zones: six workers spread over zone-a, zone-b and zone-c"),
    "minimal": gettext_noop("One worker, nothing else"),
}
MAX_SANDBOXES_PER_VISITOR = settings.SANDBOXES_PER_VISITOR
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


log = logging.getLogger(__name__)


class SandboxError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


class BrokenState(SandboxError):
    """The sandbox's saved state could not be loaded or brought up to time. Its page still
    works and offers Reset and Rewind (neither needs the broken state); every other request
    is refused with this message (403: retrying will not help)."""

    def __init__(self, sandbox: Sandbox, error: BaseException):
        super().__init__(
            f"This sandbox's saved state could not be loaded ({type(error).__name__}). Reset it, or go "
            "back to one of its snapshots, from the sandbox's page.",
            403,
        )
        self.sandbox = sandbox


def visitor(session) -> str:
    """A visitor's anonymous identity, kept in their session."""
    ident = session.get("visitor")
    if not ident:
        ident = secrets.token_hex(16)
        session["visitor"] = ident
    return ident


def dump(cluster: Cluster) -> str:
    """The cluster's whole state as JSON, watch history inline (a new row's, a copy's)."""
    return orjson.dumps(cluster.to_dict()).decode()


# Lean rows -------------------------------------------------------------------------------
#
# A sandbox's row holds its state compressed (models.PackedTextField) without the objects
# its watch history still needs but the cluster no longer holds (old versions, deleted
# objects): those are StateParts, one per object, named by a digest of their JSON. A
# snapshot is the state with every object replaced by its part's digest: snapshots and the
# history share the parts, so each snapshot stores only the objects that changed.


def _digest(raw: bytes) -> str:
    # 64 bits: digests are per sandbox (thousands of parts at most), and each snapshot
    # lists every digest it names, so their length is bytes stored.
    return hashlib.blake2b(raw, digest_size=8).hexdigest()


def _part(obj: dict, parts: dict[str, bytes], known: dict | None = None, seen: dict | None = None) -> str:
    """The object's part: its JSON, named by its digest, added to `parts`. `known` holds
    the parts of objects a kept cluster's last snapshot split (by identity: stored objects
    are never changed, a change stores a new dict), so those are not written out again;
    `seen` collects this call's for the next one."""
    hit = known.get(id(obj)) if known is not None else None
    if hit is not None and hit[0] is obj:
        digest, raw = hit[1], hit[2]
    else:
        raw = orjson.dumps(obj)
        digest = _digest(raw)
    parts[digest] = raw
    if seen is not None:
        seen[id(obj)] = (obj, digest, raw)
    return digest


def _history_parts(data: dict, parts: dict[str, bytes], known: dict | None = None) -> list[str]:
    """Move the saved history's inline objects into `parts` (in place); the digests it names.
    `known`: as for _part."""
    named = []
    for row in data["store"]["history"]:
        saved = row[5]
        if type(saved) is dict:
            row[5] = saved = _part(saved, parts, known)
        if type(saved) is str:
            named.append(saved)
    return named


def _pack(cluster: Cluster, known: dict | None = None) -> tuple[bytes, dict[str, bytes], list[str]]:
    """The state for the row (JSON), the history parts it adds and every digest it names.
    `known`: the JSON of objects already written out (as for _part), put in as it is; a
    change's snapshot has just written out every object the change did not touch."""
    data = cluster.to_dict()
    parts: dict[str, bytes] = {}
    named = _history_parts(data, parts, known)
    if known:
        objects = data["store"]["objects"]
        for kind, objs in objects.items():
            objects[kind] = [_as_written(obj, known) for obj in objs]
    return orjson.dumps(data), parts, named


def _as_written(obj: dict, known: dict):
    hit = known.get(id(obj))
    return orjson.Fragment(hit[2]) if hit is not None and hit[0] is obj else obj


def _skeleton(
    data: dict, known: dict | None = None, seen: dict | None = None
) -> tuple[str, dict[str, bytes]]:
    """A snapshot of `data` (a parsed state, left as it was): its JSON with every object as
    a digest, and the parts. Digests the history already names are listed too. So is a
    controller's state when it is large (the scheduler's decisions, the kubelets' pods):
    most changes leave it as it was, and snapshots then share it. `known` and `seen`: as
    for _part."""
    parts: dict[str, bytes] = {}
    store = data["store"]
    history = [list(row) for row in store["history"]]
    skeleton = {
        **data,
        "store": {
            **store,
            "objects": {
                kind: [_part(obj, parts, known, seen) for obj in objs]
                for kind, objs in store["objects"].items()
            },
            "history": history,
        },
    }
    if isinstance(data.get("controllers"), dict):
        skeleton["controllers"] = _controller_parts(data["controllers"], parts)
    for digest in _history_parts(skeleton, parts):
        parts.setdefault(digest, b"")  # already stored: named, not written again
    return orjson.dumps(skeleton).decode(), parts


# A controller's state at least this large (as JSON) is a part of its own in a snapshot.
CONTROLLER_PART_BYTES = 2048


def _controller_parts(controllers: dict, parts: dict[str, bytes]) -> dict:
    split = {}
    for name, state in controllers.items():
        raw = orjson.dumps(state)
        if len(raw) < CONTROLLER_PART_BYTES:
            split[name] = state
        else:
            split[name] = digest = _digest(raw)
            parts[digest] = raw
    return split


class Known:
    """What a kept cluster's save knew, for the next change on that cluster (warm.lend):
    `parts`, what its snapshot split (_part's `known`), and `stored`, the digest and stored
    size of every part the sandbox holds once the save committed (None: not known). With
    `stored` the next save neither reads all the sandbox's digests to know which parts to
    write nor adds up their sizes to trim snapshots (_trim); it is only used while the row
    is as that save left it (warm.take), when no other writer can have added or deleted a
    part."""

    __slots__ = ("parts", "stored")

    def __init__(self):
        self.parts: dict = {}
        self.stored: dict[str, int] | None = None


def _new_parts(pk: int, *groups: dict[str, bytes], known: Known | None = None) -> list[StatePart]:
    """The parts of `groups` the sandbox does not store yet, compressed, to be written with
    the save. Read before the save's transaction (which then holds its lock only briefly):
    a part seen here and deleted before the save would have been deleted by a save that won
    meanwhile, which makes this one's compare-and-swap fail. `known.stored`: the parts
    stored, when known (else read, and kept there)."""
    wanted = {digest: raw for parts in groups for digest, raw in parts.items() if raw}
    if not wanted:
        return []
    if known is not None and known.stored is not None:
        have = known.stored
    elif known is not None:
        # All the sandbox's digests (a few hundred short strings) cost less to read than a
        # query naming each.
        rows = StatePart.objects.filter(sandbox_id=pk).annotate(n=Length("data"))
        have = known.stored = dict(rows.values_list("digest", "n"))
    else:
        have = set(StatePart.objects.filter(sandbox_id=pk).values_list("digest", flat=True))
    return [StatePart(sandbox_id=pk, digest=d, data=pack(raw)) for d, raw in wanted.items() if d not in have]


def _fetch_parts(pk: int, digests: list[str]) -> dict[str, dict]:
    found = {}
    wanted = list(dict.fromkeys(digests))
    for i in range(0, len(wanted), 500):
        rows = StatePart.objects.filter(sandbox_id=pk, digest__in=wanted[i : i + 500]).values_list(
            "digest", "data"
        )
        for digest, data in rows:
            found[digest] = orjson.loads(unpack(data))
    return found


def _expand(state: str, pk: int | None) -> dict:
    """A snapshot's state with its objects and controllers' states back in place (history
    digests stay named)."""
    data = orjson.loads(state)
    objects = data["store"]["objects"]
    controllers = data.get("controllers") if isinstance(data.get("controllers"), dict) else {}
    digests = [obj for objs in objects.values() for obj in objs if type(obj) is str]
    digests += [state for state in controllers.values() if type(state) is str]
    if digests:
        found = _fetch_parts(pk, digests) if pk is not None else {}
        missing = [d for d in digests if d not in found]
        if missing:
            raise ValueError(f"{len(missing)} of the snapshot's objects are missing")
        for kind, objs in objects.items():
            objects[kind] = [found[obj] if type(obj) is str else obj for obj in objs]
        for name, state in controllers.items():
            if type(state) is str:
                controllers[name] = found[state]
    return data


def _inline(state: str, pk: int) -> str:
    """The state with its history's parts inline again (for a copy in another sandbox).
    Should a part be gone, the copy starts with no history, as after etcd's compaction."""
    data = orjson.loads(state)
    store = data["store"]
    found = _fetch_parts(pk, [row[5] for row in store["history"] if type(row[5]) is str])
    if all(type(row[5]) is not str or row[5] in found for row in store["history"]):
        store["history"] = [
            row[:5] + [found[row[5]]] if type(row[5]) is str else row for row in store["history"]
        ]
    else:
        store["history"], store["oldestWatchable"] = [], store["revision"]
    return orjson.dumps(data).decode()


def _collect(pk: int, live: list[str]) -> set[str]:
    """Delete the sandbox's parts that neither its state nor any snapshot names (their
    digests are returned). Runs in the transaction of a save that won its compare-and-swap,
    so a writer that loaded an older version (and may name a part deleted here) fails its
    own and starts again."""
    named = set(live)
    # The lists as text, parsed here: the JSON field's own decoding (the standard library's)
    # took most of a collection's time.
    for parts in Snapshot.objects.filter(sandbox_id=pk).values_list(Cast("parts", TextField()), flat=True):
        named.update(orjson.loads(parts))
    stale = {
        pid: digest
        for pid, digest in StatePart.objects.filter(sandbox_id=pk).values_list("id", "digest")
        if digest not in named
    }
    ids = list(stale)
    for i in range(0, len(ids), 500):
        StatePart.objects.filter(id__in=ids[i : i + 500]).delete()
    return set(stale.values())


def _snapshot(pk: int, label: str, taken: tuple[str, dict[str, bytes]]) -> None:
    """Keep a state split by _skeleton as a snapshot (its parts written already)."""
    skeleton, parts = taken
    Snapshot.objects.create(sandbox_id=pk, label=label[:200], state=skeleton, parts=sorted(parts))


def _taken(state: str) -> tuple[str, dict[str, bytes]]:
    """A state split for a snapshot; one that does not parse (a broken sandbox's, before a
    Reset) is kept whole, as it was."""
    try:
        return _skeleton(orjson.loads(state))
    except Exception:  # any shape: kept as text, Rewind reports it if it is chosen
        return state, {}


def restore(state: str, pk: int | None = None) -> Cluster:
    """The cluster a saved state holds, with this request's engine work budget: work past
    it stays queued for the next visit (ENGINE_STEPS_PER_REQUEST, ..._MILLISECONDS_...).
    `pk` is the sandbox's, whose parts the watch history reads when a watch goes back."""
    return _restore(orjson.loads(state), pk)


def _restore(data: dict, pk: int | None = None) -> Cluster:
    options = data.get("options") if isinstance(data, dict) else None
    if isinstance(options, dict):
        # A state saved before a cap existed gets today's value of it.
        for key, value in LIMITS.items():
            options.setdefault(key, value)
    cluster = Cluster.from_dict(data)
    if pk is not None:
        cluster.store.fetch = lambda digests: _fetch_parts(pk, digests)
    cluster.budget = _budget()
    return cluster


def _budget() -> WorkBudget:
    steps, millis = settings.ENGINE_STEPS_PER_REQUEST, settings.ENGINE_MILLISECONDS_PER_REQUEST
    return WorkBudget(steps or None, millis / 1000 if millis else None)


def loaded(sandbox: Sandbox) -> Cluster:
    """The sandbox's cluster as saved (for readers such as an instructor's grid); BrokenState
    when it does not load."""
    try:
        return restore(sandbox.state, sandbox.pk)
    except Exception as error:  # any failure: reported as the sandbox's, not as a 500
        log.exception("sandbox %s: its saved state could not be loaded", sandbox.public_id)
        raise BrokenState(sandbox, error) from None


def _load(
    sandbox: Sandbox, now, snapshot: bool = False, seen: dict | None = None
) -> tuple[Cluster, str, tuple | None]:
    """The sandbox's cluster caught up to `now`, its resourceVersion before catching up,
    and (when `snapshot`) its state as loaded split for a snapshot (_skeleton, whose parts
    go to `seen`: the cluster is built from the very objects split); BrokenState when any
    fails."""
    try:
        data = orjson.loads(sandbox.state)
        taken = _skeleton(data, seen=seen) if snapshot else None
        cluster = _restore(data, sandbox.pk)
        before = cluster.resource_version
        catch_up(sandbox, cluster, now)
    except Exception as error:  # any failure: the page must still offer Reset and Rewind
        log.exception("sandbox %s: its saved state could not be loaded", sandbox.public_id)
        raise BrokenState(sandbox, error) from None
    return cluster, before, taken


def _resume(
    sandbox: Sandbox, kept: tuple[Cluster, Known], now, snapshot: bool, seen: dict
) -> tuple[Cluster, str, tuple | None] | None:
    """What _load gives, from the cluster this process saved as the row's version and the
    parts its last snapshot split (warm.take); None when it does not go on (the caller
    loads the row instead). `seen` gets this snapshot's parts, for the next change."""
    cluster, known = kept[0], kept[1].parts
    try:
        taken = _skeleton(cluster.to_dict(), known, seen) if snapshot else None
        before = cluster.resource_version
        cluster.budget = _budget()
        catch_up(sandbox, cluster, now)
    except Exception:  # any failure: the row is loaded as if nothing was kept
        log.exception("sandbox %s: its kept cluster did not go on", sandbox.public_id)
        return None
    return cluster, before, taken


def owned(owner: str):
    return Sandbox.objects.filter(owner=owner)


def get(owner: str, public_id, defer_state: bool = False, lock: bool = False) -> Sandbox:
    """The owner's sandbox; `defer_state`: its state is read only if it is used; `lock`:
    its row locked until the transaction ends (_writer_lock)."""
    rows = owned(owner).defer("state") if defer_state else owned(owner)
    if lock:
        rows = rows.select_for_update()
    try:
        return rows.get(public_id=public_id)
    except (Sandbox.DoesNotExist, ValueError, TypeError):
        raise SandboxError(_("There is no such sandbox, or it belongs to someone else."), 404) from None


def admit(owner: str, address: str | None) -> None:
    """Refuse another sandbox when this visitor (session), or this client address, has made
    too many: per visitor at once, per address in the last hour and per address at once.
    The address counts come from the database, so every server process agrees."""
    if owned(owner).count() >= MAX_SANDBOXES_PER_VISITOR:
        raise SandboxError(
            _("You already have %(count)s sandboxes; delete one first.")
            % {"count": MAX_SANDBOXES_PER_VISITOR},
            429,
        )
    if not address:
        return
    hourly, held_limit = settings.SANDBOXES_PER_ADDRESS_PER_HOUR, settings.SANDBOXES_PER_ADDRESS
    if hourly:
        since = timezone.now() - timedelta(hours=1)
        made = SandboxCreation.objects.filter(address=address, created__gte=since).count()
        if made >= hourly:
            raise SandboxError(
                _(
                    "%(made)s sandboxes were made from your network address in the last hour; the limit "
                    "is %(limit)s an hour. Please try again later, or keep using the ones you have."
                )
                % {"made": made, "limit": hourly},
                429,
            )
    if held_limit:
        held = Sandbox.objects.filter(address=address).count()
        if held >= held_limit:
            raise SandboxError(
                _(
                    "There are %(held)s sandboxes from your network address; the limit is %(limit)s "
                    "at once. Delete some you no longer need first."
                )
                % {"held": held, "limit": held_limit},
                429,
            )


def made(sandbox: Sandbox, address: str | None) -> None:
    """A new sandbox: its objects stored as parts, and counted against its address (counts
    older than a day are forgotten).

    The parts are what its first change's snapshot (the state before that change) names:
    written now, as the sandbox is made, that change stores only what it changed, where it
    stored all of the sandbox's objects (about 290 for a lab's) and answered 25 ms later."""
    _, parts = _taken(sandbox.state)
    StatePart.objects.bulk_create(_new_parts(sandbox.pk, parts), ignore_conflicts=True, batch_size=200)
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
        raise SandboxError(_("Unknown scenario %(scenario)r.") % {"scenario": scenario}, 404)
    if found is not None:
        profile = found.profile
    if profile not in PROFILES:
        raise SandboxError(_("Unknown profile %(profile)r.") % {"profile": profile}, 400)
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
            raise SandboxError(
                _("The scenario %(scenario)s could not be set up: %(error)s")
                % {"scenario": scenario.slug, "error": error},
                500,
            ) from None
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
        now = timezone.now()
        cluster, before, _taken = _load(sandbox, now)
        changed = cluster.resource_version != before
        if sandbox.paused or not (changed or (now - sandbox.synced_at) > timedelta(seconds=30)):
            return sandbox, cluster
        if _save(sandbox, cluster, now, base_revision=int(before)) or not changed:
            return sandbox, cluster
    raise SandboxError(_("The sandbox is changing too fast; please try again."), 409)


# One save in this many (and every Rewind) deletes parts nothing names.
COLLECT_EVERY = 16


# Kinds whose change alters what the API serves (its kinds and their printed columns): a
# change to one is not told as a delta, so that every process loads the sandbox again.
_NOT_IN_DELTAS = frozenset({"CustomResourceDefinition", "APIService"})


def delta(cluster: Cluster, base_version: int, base_revision: int) -> bytes | None:
    """The watch events a change made on the state saved as `base_version` (whose store
    was at `base_revision`), as JSON: what a process holding that state needs to tell its
    watches about the change without loading the sandbox again. None when they cannot
    stand for it: some fell out of the watch history, or it changed the kinds served."""
    store = cluster.store
    made = store.revision - base_revision
    if made < 0 or made > len(store.history):
        return None
    events = list(store.history)[len(store.history) - made :] if made else []
    if any(entry[0] <= base_revision or entry[2] in _NOT_IN_DELTAS for entry in events):
        return None
    try:
        return orjson.dumps(
            {"base": base_version, "revision": store.revision, "clock": cluster.clock, "events": events}
        )
    except TypeError:  # not JSON (never expected): the change is still saved, told without its events
        log.exception("sandbox change's events could not be written as JSON")
        return None


def _save(
    sandbox: Sandbox,
    cluster: Cluster,
    now,
    packed=None,
    snapshot: tuple | None = None,
    trim=True,
    then=None,
    base_revision: int | None = None,
    known: Known | None = None,
    **fields,
) -> bool:
    """Compare-and-swap the cluster's state in (`packed`: _pack(cluster) when already made);
    `snapshot` is (label, _skeleton of the state before), kept only when the save wins, and
    `then()` runs when it wins. The parts it writes, the row, the snapshot and what `then`
    does commit together or not at all. `base_revision`: the store's revision as the row
    held it, when `cluster` was loaded from the row and changed since (the change's events
    are then offered to the listeners, see `delta`). `known`: see Known; once the save
    wins, its `stored` is what the sandbox stores."""
    raw, parts, named = _pack(cluster) if packed is None else packed
    taken = snapshot[1][1] if snapshot is not None else {}
    new = _new_parts(sandbox.pk, parts, taken, known=known)
    gone: set[str] = set()
    with transaction.atomic():
        # The write first: SQLite's lock is taken at once (a transaction that read first
        # could not take it while another writes: "database is locked").
        updated = Sandbox.objects.filter(pk=sandbox.pk, version=sandbox.version).update(
            state=pack(raw),
            version=sandbox.version + 1,
            synced_at=now,
            updated=now,
            **fields,
        )
        if not updated:
            return False
        base = sandbox.version
        told = (lambda: delta(cluster, base, base_revision)) if base_revision is not None else (lambda: None)
        changes.saved(sandbox.pk, base + 1, told)
        StatePart.objects.bulk_create(new, ignore_conflicts=True, batch_size=200)
        stored = known.stored if known is not None else None
        if stored is not None:
            stored.update((part.digest, len(part.data)) for part in new)
        if snapshot is not None:
            _snapshot(sandbox.pk, *snapshot)
            if trim:
                _trim(sandbox.pk, sum(stored.values()) if stored is not None else None)
        if then is not None:
            then()
        # Trimming one snapshot a change (past SANDBOX_SNAPSHOTS_KEPT) frees few parts:
        # they wait for the next collection, as the history's do.
        if then is not None or secrets.randbelow(COLLECT_EVERY) == 0:
            gone = _collect(sandbox.pk, named)
    for digest in gone if stored is not None else ():
        stored.pop(digest, None)
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
        with _writer_lock() as lock:
            # A cluster this process saved as the row's version goes on without a load.
            sandbox = get(owner, public_id, defer_state=warm.has(public_id), lock=lock)
            now = timezone.now()
            kept, known = warm.take(sandbox), Known()
            resumed = _resume(sandbox, kept, now, snapshot, known.parts) if kept is not None else None
            if resumed is not None:  # what the last save left stored goes on with its cluster only
                known.stored = kept[1].stored
            cluster, before, taken = resumed or _load(sandbox, now, snapshot=snapshot, seen=known.parts)
            result = action(cluster)  # may raise ApiError: nothing is saved
            if run_now and not sandbox.paused:
                # Run what the change set in motion at this instant. A paused clock leaves it
                # queued, so Step shows each control loop act in turn.
                cluster.advance(0)
            packed = _pack(cluster, known.parts)
            _check_size(packed[0], cluster, lambda sandbox=sandbox: sandbox.state)
            if _save(
                sandbox,
                cluster,
                now,
                packed=packed,
                snapshot=(label, taken) if snapshot else None,
                base_revision=int(before),
                known=known,
                **fields,
            ):
                warm.lend(sandbox, cluster, known)
                return sandbox, cluster, result
    raise SandboxError(_("The sandbox is changing too fast; please try again."), 409)


@contextlib.contextmanager
def _writer_lock():
    """On PostgreSQL a writer reads the sandbox's row with its lock (SELECT … FOR UPDATE,
    `get(lock=True)`) and holds it for its whole load → act → save, so concurrent writers
    queue instead of losing the compare-and-swap and answering 409; a reader's catch-up
    save still compare-and-swaps. SQLite has no row locks (one writer at a time already):
    there the loop's retries do. Yields whether the row is to be locked."""
    if not connection.features.has_select_for_update:
        yield False
        return
    with transaction.atomic():
        yield True


def _check_size(state: bytes, cluster: Cluster, before) -> None:
    """Refuse (changing nothing) a change whose saved state would pass SANDBOX_STATE_MAX_BYTES
    and that made the objects bigger: past the cap a sandbox may still delete and shrink
    (the watch history keeps what was deleted for a while, so the state itself may not).
    `before()` gives the state as it was, read only here."""
    cap = settings.SANDBOX_STATE_MAX_BYTES
    size = len(state)
    if not cap or size <= cap:
        return
    objects = len(orjson.dumps(cluster.store.to_dict()["objects"]))
    try:
        objects_before = len(orjson.dumps(orjson.loads(before())["store"]["objects"]))
    except Exception:  # the state before did not load: nothing to compare with
        objects_before = 0
    if objects > objects_before:
        raise SandboxError(
            _(
                "Nothing was changed: that would make this sandbox's saved state %(size)s bytes, and a "
                "sandbox may hold at most %(cap)s bytes. Delete objects you no longer need, or start "
                "another sandbox."
            )
            % {"size": size, "cap": cap},
            403,
        )


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
        raise SandboxError(_("This workshop has ended: its sandboxes are read-only."), 403)
    if seat and seat["participant__workshop__paused"]:
        raise SandboxError(
            _("The instructor has paused the workshop; changes resume when it continues."), 403
        )


# Snapshots the learner asked for by name (Reset, Rewind, a mirror copy): trimmed last.
KEPT_LABELS = ("Reset", "Before going back to", "As copied from")


# A snapshot row's own bytes: its state as stored and its list of digests.
STORED = Length("state") + Length(Cast("parts", TextField()))


def _trim(pk: int, parts_bytes: int | None = None) -> None:
    """Keep SANDBOX_SNAPSHOTS_KEPT snapshots (the newest) and at most
    SANDBOX_SNAPSHOTS_MAX_BYTES stored for them (their own rows and the parts they name,
    each part counted once): the oldest automatic ones go first, then, if still over, the
    oldest of any kind; the newest always stays. `parts_bytes`: what all the sandbox's
    parts store, when known (else added up here)."""
    rows = list(
        Snapshot.objects.filter(sandbox_id=pk)
        .order_by("-id")
        .annotate(size=STORED)
        .values_list("id", "label", "size")
    )
    kept = settings.SANDBOX_SNAPSHOTS_KEPT
    stale = {row[0] for row in rows[kept:]} if kept else set()
    cap = settings.SANDBOX_SNAPSHOTS_MAX_BYTES
    own = sum(row[2] or 0 for row in rows if row[0] not in stale)
    # Every part of the sandbox (the watch history's too) bounds what the snapshots name.
    if parts_bytes is None and cap:
        parts_bytes = StatePart.objects.filter(sandbox_id=pk).aggregate(n=Sum(Length("data")))["n"] or 0
    if cap and own + parts_bytes > cap:
        stale |= _over_cap(pk, rows, stale, cap)
    if stale:
        Snapshot.objects.filter(id__in=list(stale)).delete()


def snapshot_bytes(pk: int) -> int:
    """What a sandbox's snapshots store: their rows' states and the parts they name, each
    part once (what SANDBOX_SNAPSHOTS_MAX_BYTES bounds)."""
    rows = list(
        Snapshot.objects.filter(sandbox_id=pk).annotate(size=STORED).values_list("id", "label", "size")
    )
    return _stored_bytes(pk, rows)(set())


def _stored_bytes(pk: int, rows: list):
    named = dict(Snapshot.objects.filter(sandbox_id=pk).values_list("id", "parts"))
    sizes = dict(
        StatePart.objects.filter(sandbox_id=pk).annotate(n=Length("data")).values_list("digest", "n")
    )

    def stored(stale: set) -> int:
        alive = [row for row in rows if row[0] not in stale]
        parts = set().union(*(named.get(row[0]) or () for row in alive))
        return sum(row[2] or 0 for row in alive) + sum(sizes.get(d) or 0 for d in parts)

    return stored


def _over_cap(pk: int, rows: list, stale: set, cap: int) -> set:
    stored = _stored_bytes(pk, rows)
    stale = set(stale)
    oldest_first = [row for row in reversed(rows[1:]) if row[0] not in stale]
    automatic = [row for row in oldest_first if not row[1].startswith(KEPT_LABELS)]
    others = [row for row in oldest_first if row[1].startswith(KEPT_LABELS)]
    for row_id, _label, _size in automatic + others:
        if stored(stale) <= cap:
            break
        stale.add(row_id)
    return stale


def rewind(owner: str, public_id, snapshot_id: int) -> Sandbox:
    sandbox = get(owner, public_id)
    refuse_if_read_only(owner, public_id)
    try:
        snap = sandbox.snapshots.get(pk=snapshot_id)
    except Snapshot.DoesNotExist:
        raise SandboxError(_("That snapshot does not exist."), 404) from None
    now = timezone.now()
    restored = _restore(_expand(snap.state, sandbox.pk), sandbox.pk)
    # Rewinding is itself a step the learner can undo.
    before = (f"Before going back to: {snap.label}", _taken(sandbox.state))

    def forget_newer():
        sandbox.snapshots.filter(pk__gt=snap.pk).exclude(label__startswith="Before going back to").delete()
        _trim(sandbox.pk)

    if not _save(sandbox, restored, now, snapshot=before, trim=False, then=forget_newer, paused=True):
        raise SandboxError(_("The sandbox changed meanwhile; please try again."), 409)
    return sandbox


def reset(owner: str, public_id) -> Sandbox:
    sandbox = get(owner, public_id)
    refuse_if_read_only(owner, public_id)
    found = scenarios().get(sandbox.scenario) if sandbox.scenario else None
    replace_state(sandbox, build(sandbox.profile, sandbox.seed, found), "Reset")
    return sandbox


def replace_state(sandbox: Sandbox, cluster: Cluster, label: str) -> None:
    """Put a whole new cluster in the sandbox, keeping the old one as a snapshot."""
    if not _save(sandbox, cluster, timezone.now(), snapshot=(label, _taken(sandbox.state)), trim=False):
        raise SandboxError(_("The sandbox changed meanwhile; please try again."), 409)


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
        state=_inline(sandbox.state, sandbox.pk),
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
            _(
                "This sandbox belongs to a workshop and keeps your results for the instructor; "
                "it cannot be deleted."
            ),
            403,
        )
    sandbox.delete()


def rename(owner: str, public_id, name: str) -> Sandbox:
    name = (name or "").strip()
    if not name:
        raise SandboxError(_("A sandbox needs a name."), 400)
    sandbox = get(owner, public_id)
    refuse_if_read_only(owner, public_id)
    Sandbox.objects.filter(pk=sandbox.pk).update(name=name[:80])
    sandbox.name = name[:80]
    return sandbox
