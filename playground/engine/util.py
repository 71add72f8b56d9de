"""Small helpers shared by the engine's parts: time, randomness, names, copies."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

# Upstream's rand.String alphabet: no vowels (no words), no confusable characters.
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_MASK64 = (1 << 64) - 1


_RFC3339: dict[int, str] = {}
# What an RFC 3339 timestamp can say: years 0001 to 9999 (Go's time.Time marshals no
# further either). A deadline past it (a grace period of 10**18 seconds) is written as
# the last second instead of overflowing.
MIN_TIME = -62135596800  # 0001-01-01T00:00:00Z
MAX_TIME = 253402300799  # 9999-12-31T23:59:59Z


def clamp_time(seconds: float) -> float:
    if seconds != seconds:  # NaN
        return MAX_TIME
    return min(max(seconds, MIN_TIME), MAX_TIME)


def rfc3339(seconds: float) -> str:
    # Memoised: the simulated clock repeats the same second many times, and one shared
    # string per second also keeps the timestamps of a big cluster's objects small.
    key = int(clamp_time(seconds))
    text = _RFC3339.get(key)
    if text is None:
        if len(_RFC3339) >= 4096:
            _RFC3339.clear()
        text = _RFC3339[key] = _text(_utc(key)) + "Z"
    return text


def rfc3339_micro(seconds: float) -> str:
    moment = _utc(clamp_time(seconds))
    return f"{_text(moment)}.{moment.microsecond:06d}Z"


def _text(d: datetime) -> str:
    # Four-digit years always (strftime's %Y drops the zeros of year 1).
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _utc(seconds: float) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):  # beyond the platform's time_t
        return _EPOCH + timedelta(seconds=seconds)


def parse_time(text: str) -> float:
    text = text.replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()


class Rng:
    """SplitMix64: tiny state (one integer), so it serialises trivially and exactly."""

    __slots__ = ("state",)

    def __init__(self, state: int):
        self.state = state & _MASK64

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        return self.next() % n

    def suffix(self, length: int = 5) -> str:
        return "".join(NAME_ALPHABET[self.below(len(NAME_ALPHABET))] for _ in range(length))

    def uid(self) -> str:
        a, b = self.next(), self.next()
        h = f"{a:016x}{b:016x}"
        # Shaped like a version-4 UUID.
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"

    def hex(self, length: int) -> str:
        return f"{self.next():016x}"[:length]


def fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: maps digits to the name alphabet, as for pod-template-hash."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(alphabet[ord(ch) % len(alphabet)] for ch in text)


def template_hash(template: dict, collision_count: int = 0) -> str:
    canonical = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        canonical += str(collision_count).encode()
    return safe_encode(str(fnv32a(canonical)))


def deep_copy(obj):
    """A private copy of plain JSON data (faster than copy.deepcopy for these shapes)."""
    if isinstance(obj, dict):
        return {k: deep_copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [deep_copy(v) for v in obj]
    return obj


class Sharer:
    """Hash-consing of plain JSON data: equal subtrees become one shared object.

    ``share(obj)`` replaces, in place, each dict or list inside obj by an equal one
    seen before (same keys in the same order, same value types) and returns obj's own
    shared equivalent, so a thousand pods' identical tolerations, volume sources,
    resources or conditions are held once. Safe only for data nobody mutates
    afterwards: the store's objects (see store.py). The cache is cleared when it grows
    past ``limit`` entries, between calls, so every cached object keeps the children
    whose ids are in its key alive."""

    __slots__ = ("cache", "canon", "limit")

    def __init__(self, limit: int = 20000):
        self.cache: dict[tuple, dict | list] = {}
        self.canon: set[int] = set()  # ids of the cached (shared) objects
        self.limit = limit

    def share(self, obj):
        if len(self.cache) > self.limit:
            self.cache.clear()
            self.canon.clear()
        return self._share(obj)

    def _share(self, obj):
        canon = self.canon
        if id(obj) in canon:
            return obj
        if type(obj) is dict:
            sig: list = [dict]
            for k, v in obj.items():
                tv = type(v)
                if tv is dict or tv is list:
                    c = v if id(v) in canon else self._share(v)
                    if c is not v:
                        obj[k] = c  # an equal value under the same key: order unchanged
                    sig.append((k, id(c)))
                else:
                    sig.append((k, tv, repr(v) if tv is float else v))
        elif type(obj) is list:
            sig = [list]
            for i, v in enumerate(obj):
                tv = type(v)
                if tv is dict or tv is list:
                    c = v if id(v) in canon else self._share(v)
                    if c is not v:
                        obj[i] = c
                    sig.append(id(c))
                else:
                    sig.append((tv, repr(v) if tv is float else v))
        else:
            return obj
        try:
            key = tuple(sig)
            found = self.cache.get(key)
        except TypeError:  # an unhashable scalar (not JSON data): keep obj as it is
            return obj
        if found is None:
            self.cache[key] = obj
            canon.add(id(obj))
            return obj
        return found


def int_or_percent(value, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.endswith("%"):
        percent = int(value[:-1])
        scaled = percent * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValueError(f"invalid value for IntOrString: {value!r}")


def set_condition(
    conditions: list[dict], new: dict, now: str, transition_field: str = "lastTransitionTime"
) -> list[dict]:
    """A new conditions list with `new` merged in; the transition time moves only on a status change."""
    result = []
    found = False
    for cond in conditions:
        if cond.get("type") == new["type"]:
            found = True
            merged = dict(new)
            if cond.get("status") == new.get("status") and transition_field in cond:
                merged[transition_field] = cond[transition_field]
            else:
                merged[transition_field] = now
            # An unchanged condition stays the same object (equal, with its keys in the
            # same order): the store's sharing (Sharer) then finds it already shared.
            result.append(cond if merged == cond and tuple(merged) == tuple(cond) else merged)
        else:
            result.append(cond)
    if not found:
        merged = dict(new)
        merged[transition_field] = now
        result.append(merged)
    return result


def object_key(namespace: str | None, name: str) -> str:
    """cache.MetaNamespaceKeyFunc: "namespace/name", or the name alone for a cluster-scoped
    object. The one place an object key is spelled; split_key reads it back."""
    return f"{namespace}/{name}" if namespace else name


def key_of(obj: dict) -> str:
    """The object's key ("namespace/name", or "name" when cluster-scoped)."""
    meta = obj["metadata"]
    return object_key(meta.get("namespace"), meta["name"])


def split_key(key: str) -> tuple[str, str]:
    """(namespace, name) from a key; the namespace is "" for a cluster-scoped object."""
    if "/" in key:
        ns, name = key.split("/", 1)
        return ns, name
    return "", key


def owner_ref(owner: dict, kind: str, api_version: str, controller: bool = True) -> dict:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": controller,
        "blockOwnerDeletion": True,
    }


def controller_of(obj: dict) -> dict | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None
