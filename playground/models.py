"""Sandboxes: one row per learner cluster, its engine state and a version for compare-and-swap."""

import secrets
import uuid

from django.db import models


def new_token() -> str:
    return secrets.token_urlsafe(32)


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
    state = models.TextField()
    version = models.PositiveIntegerField(default=1)
    speed = models.PositiveSmallIntegerField(choices=SPEEDS, default=1)
    paused = models.BooleanField(default=False)
    # Wall-clock time the simulated clock was last brought up to.
    synced_at = models.DateTimeField()
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated"]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class Snapshot(models.Model):
    """The state before an action, so a learner can go back, like a VM snapshot."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="snapshots")
    label = models.CharField(max_length=200)
    state = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Before: {self.label}"


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
    created = models.DateTimeField(auto_now_add=True)

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
