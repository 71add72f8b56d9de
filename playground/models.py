"""Sandboxes: one row per learner cluster, its engine state and a version for compare-and-swap."""

import secrets
import uuid
import zlib

from django.db import models

from playground.kubeapi.kubeconfig import user_name


def new_token() -> str:
    return secrets.token_urlsafe(32)


try:  # Python 3.14's standard library; its backport before that (requirements.txt)
    from compression import zstd
except ImportError:
    from backports import zstd

# Stored state is Zstandard-compressed: a learner's 540 KB state packs to 38 KB in 0.5 ms
# and unpacks in 0.15 ms, where zlib (level 3, what rows held before) gave 56 KB in 2.1 ms
# and 0.75 ms (benchmarks/RESULTS.md). Rows and parts written by zlib still read.
PACK_LEVEL = 3
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def pack(raw: bytes) -> bytes:
    return zstd.compress(raw, PACK_LEVEL)


def unpack(data) -> bytes:
    """`data` as packed by pack() or, for rows written before it, by zlib."""
    if bytes(data[:4]) == _ZSTD_MAGIC:
        return zstd.decompress(data)
    return zlib.decompress(data)


class PackedTextField(models.BinaryField):
    """Text stored compressed (pack) in a binary column (BLOB, bytea). Reads give back the
    text; a str written (save, update) is compressed on its way in, bytes are stored as
    they are (already packed)."""

    def get_db_prep_value(self, value, connection, prepared=False):
        if isinstance(value, str):
            value = pack(value.encode())
        return super().get_db_prep_value(value, connection, prepared)

    def from_db_value(self, value, _expression, _connection):
        if value is None:
            return value
        return unpack(value).decode()

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        """The text itself for dumpdata and loaddata (BinaryField's would be base64)."""
        return self.value_from_object(obj)


class Sandbox(models.Model):
    SPEEDS = [(1, "1×"), (10, "10×"), (60, "60×")]

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The secret that kubectl and shareable links use; never shown to other visitors.
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    owner = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=80)
    profile = models.CharField(max_length=32, default="default")
    scenario = models.CharField(max_length=64, blank=True)
    seed = models.PositiveIntegerField(default=0)
    # The engine's state as JSON (compressed). Watch history objects that are no longer
    # current are StateParts, named in it by digest.
    state = PackedTextField()
    version = models.PositiveIntegerField(default=1)
    speed = models.PositiveSmallIntegerField(choices=SPEEDS, default=1)
    paused = models.BooleanField(default=False)
    # Wall-clock time the simulated clock was last brought up to.
    synced_at = models.DateTimeField()
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # The client address (an IPv6 /64) that made it, for the per-address limits.
    address = models.CharField(max_length=64, blank=True, default="", db_index=True)

    class Meta:
        ordering = ["-updated"]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    @property
    def kube_user(self) -> str:
        """The user its own kubeconfig authenticates as (``kubectl auth whoami``)."""
        return user_name(self.name)


class SandboxCreation(models.Model):
    """One sandbox made from a client address; kept after the sandbox is deleted, so that
    making and deleting sandboxes does not get around the hourly limit."""

    address = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["address", "created"], name="creation_by_address")]

    def __str__(self) -> str:
        return f"{self.address} at {self.created:%Y-%m-%d %H:%M}"


class OpenStream(models.Model):
    """One open API stream (a watch or `kubectl logs -f`), so that the caps per sandbox and
    per client address hold across every server process (playground/kubeapi/streams.py).
    The process that holds it refreshes `alive`; a row left behind by a killed process
    stops counting once it is stale, and is deleted then."""

    # The sandbox's pk, not a foreign key: opening a stream takes no lock on the sandbox
    # row (which its writers hold), and a deleted sandbox's streams end on their own.
    sandbox_pk = models.PositiveBigIntegerField()
    address = models.CharField(max_length=64)  # the client address (an IPv6 /64)
    process = models.CharField(max_length=64)  # host:pid, for whoever reads the table
    opened = models.DateTimeField()
    alive = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["sandbox_pk", "alive"], name="stream_by_sandbox"),
            models.Index(fields=["address", "alive"], name="stream_by_address"),
            models.Index(fields=["alive"], name="stream_alive"),
        ]

    def __str__(self) -> str:
        return f"stream on sandbox {self.sandbox_pk} from {self.address}"


class Snapshot(models.Model):
    """The state before an action, so a learner can go back, like a VM snapshot."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="snapshots")
    label = models.CharField(max_length=200)
    # The state with its objects (and saved watch history objects) as StatePart digests;
    # a snapshot saved before parts existed holds them inline, which loads as well.
    state = PackedTextField()
    parts = models.JSONField(default=list)  # the digests it names
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Before: {self.label}"


class StatePart(models.Model):
    """One object of a sandbox's state (compressed JSON), named by a digest of its JSON:
    snapshots and the live watch history share each part, so a snapshot costs only the
    objects that changed since the ones before it."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="parts")
    digest = models.CharField(max_length=32)
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sandbox", "digest"], name="one_part_per_digest")]

    def __str__(self) -> str:
        return self.digest


class LabAttempt(models.Model):
    """One visitor working through one lab in a sandbox of its own."""

    owner = models.CharField(max_length=64, db_index=True)
    lab = models.SlugField(max_length=80)
    sandbox = models.OneToOneField(Sandbox, on_delete=models.CASCADE, related_name="lab_attempt")
    participant = models.ForeignKey(
        "Participant", null=True, blank=True, on_delete=models.CASCADE, related_name="attempts"
    )
    # Task number (as text, JSON keys) → hints revealed / when it first passed (ISO time).
    hints = models.JSONField(default=dict)
    passed = models.JSONField(default=dict)
    checks_run = models.PositiveIntegerField(default=0)
    # The sandbox version the checks last ran on, so a dashboard re-checks only what changed.
    checked_version = models.PositiveIntegerField(default=0)
    # What the last check saw, for pages that only read (a worker runs the checks):
    # language → per task, None when it passes now, else [says, hint] of its first failing
    # check, in that language's words.
    results = models.JSONField(default=dict, blank=True)
    # When the simulated clock next has work due (a pod to become Ready…), in wall time, as
    # of the last check: a page reading the attempt after then asks for another check.
    recheck_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # When the lab was first complete: every task passed, and every must_hold task held.
    completed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.lab} for {self.owner}"


class PathProgress(models.Model):
    """Where a visitor is on a guided path: the concept steps they have read."""

    owner = models.CharField(max_length=64, db_index=True)
    path = models.SlugField(max_length=80)
    read = models.JSONField(default=list)  # step numbers of concept steps marked done
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "path"], name="one_progress_per_path")]

    def __str__(self) -> str:
        return f"{self.path} for {self.owner}"


JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread off a projector


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(6))


class Workshop(models.Model):
    """An instructor-led session: labs in order, learners who join with a code."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    instructor = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="workshops")
    title = models.CharField(max_length=120)
    labs = models.JSONField(default=list)  # lab slugs, in order
    starts = models.DateTimeField()
    ends = models.DateTimeField()
    capacity = models.PositiveIntegerField(default=30)
    code = models.CharField(max_length=8, unique=True, default=new_join_code, editable=False)
    current = models.PositiveSmallIntegerField(default=0)  # index into labs
    paused = models.BooleanField(default=False)
    message = models.CharField(max_length=500, blank=True)
    message_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts"]

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    """A learner in a workshop: a display name only, tied to their browser session."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="participants")
    owner = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=60)
    joined = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workshop", "owner"], name="one_seat_per_visitor")]

    def __str__(self) -> str:
        return f"{self.name} in {self.workshop}"


class MirroredCluster(models.Model):
    """A real cluster the `mirror` command keeps in step; named after its context.

    Holds no credential: the mirror process reads those from the server's kubeconfig.
    """

    name = models.CharField(max_length=253, unique=True)
    server = models.CharField(max_length=500, blank=True)
    kubernetes_version = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=32, default="starting")
    # resource ('deployments.apps') -> {"state": ..., "listed": n, "remaining": m}
    progress = models.JSONField(default=dict)
    message = models.CharField(max_length=500, blank=True)
    last_heard = models.DateTimeField(null=True, blank=True)
    started = models.DateTimeField(null=True, blank=True)
    stopped = models.DateTimeField(null=True, blank=True)
    # Bumped on every batch written; pages re-render only when it moved.
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        permissions = [("view_mirror", "Can see mirrored clusters")]

    def __str__(self) -> str:
        return self.name


class MirroredObject(models.Model):
    """One object as the cluster last reported it (managedFields stripped), with the
    columns the pages filter and add up on."""

    cluster = models.ForeignKey(MirroredCluster, on_delete=models.CASCADE, related_name="mirrored")
    resource = models.CharField(max_length=253)  # 'deployments.apps', 'pods'
    kind = models.CharField(max_length=100)
    api_version = models.CharField(max_length=253)
    namespace = models.CharField(max_length=253, blank=True)
    name = models.CharField(max_length=253)
    uid = models.CharField(max_length=64, blank=True)
    resource_version = models.CharField(max_length=64, blank=True)
    node = models.CharField(max_length=253, blank=True)  # a pod's spec.nodeName
    # The controlling owner's uid; for an Event, the uid of the object it is about.
    related_uid = models.CharField(max_length=64, blank=True)
    cpu_m = models.BigIntegerField(default=0)  # a live pod's CPU requests, millicores
    memory_b = models.BigIntegerField(default=0)  # a live pod's memory requests, bytes
    changed = models.FloatField(default=0)  # when the mirror last wrote it (epoch seconds)
    data = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "resource", "namespace", "name"], name="mirrored_object_key"
            )
        ]
        indexes = [
            models.Index(fields=["cluster", "kind", "namespace"], name="mirror_kind"),
            models.Index(fields=["cluster", "node"], name="mirror_node"),
            models.Index(fields=["cluster", "related_uid"], name="mirror_related"),
            models.Index(fields=["cluster", "kind", "changed"], name="mirror_changed"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


class SandboxIdentity(models.Model):
    """Another user of one sandbox's API, with a kubeconfig of its own: a person
    ("developer", in groups) or a ServiceAccount. What it may do is up to the sandbox's
    RBAC; the sandbox's own token stays its cluster-admin. The token authenticates to
    this sandbox only."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="identities")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    username = models.CharField(max_length=253)
    groups = models.JSONField(default=list)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["sandbox", "username"], name="one_identity_per_name")]

    def __str__(self) -> str:
        return f"{self.username} in {self.sandbox}"
