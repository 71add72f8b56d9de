"""client-go's workqueue rate limiters (util/workqueue/default_rate_limiters.go), on the
simulated clock.

``when(item, now)`` is how long to wait before retrying ``item`` after a failure (client-go's
``When``; ``AddRateLimited`` is ``AddAfter(item, When(item))``); ``forget(item)`` is called
once the item succeeds and resets its back-off; ``num_requeues(item)`` counts its failures.
Times are seconds of simulated time.
"""

from __future__ import annotations


class ItemExponentialFailureRateLimiter:
    """Per item: base * 2^failures, capped at max_delay. Each call to when() is a failure."""

    def __init__(self, base_delay: float, max_delay: float):
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.failures: dict[str, int] = {}

    def when(self, item: str, now: float) -> float:
        exp = self.failures.get(item, 0)
        self.failures[item] = exp + 1
        if exp >= 1024:  # 2**exp would overflow a float; upstream caps at MaxInt64 the same way
            return self.max_delay
        return min(self.base_delay * 2.0**exp, self.max_delay)

    def num_requeues(self, item: str) -> int:
        return self.failures.get(item, 0)

    def forget(self, item: str) -> None:
        self.failures.pop(item, None)

    def failing(self) -> list[str]:
        return list(self.failures)

    def to_dict(self) -> dict:
        return {"failures": dict(self.failures)} if self.failures else {}

    def load(self, data: dict) -> None:
        self.failures = dict(data.get("failures") or {})


class BucketRateLimiter:
    """One token bucket for the whole queue (golang.org/x/time/rate's Reserve().Delay()):
    `qps` tokens a second, at most `burst` saved. A reservation always takes a token, so
    retries beyond the burst queue up 1/qps apart. Items are not tracked."""

    def __init__(self, qps: float, burst: int):
        self.qps = qps
        self.burst = burst
        self.tokens = float(burst)
        self.last: float | None = None

    def when(self, item: str, now: float) -> float:
        if self.last is not None and now > self.last:
            self.tokens = min(float(self.burst), self.tokens + (now - self.last) * self.qps)
        if self.last is None or now > self.last:
            self.last = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.qps

    def num_requeues(self, item: str) -> int:
        return 0

    def forget(self, item: str) -> None:
        return None

    def failing(self) -> list[str]:
        return []

    def to_dict(self) -> dict:
        if self.last is None:
            return {}
        return {"tokens": self.tokens, "last": self.last}

    def load(self, data: dict) -> None:
        if "last" in data:
            self.tokens = float(data["tokens"])
            self.last = data["last"]


class MaxOfRateLimiter:
    """The worst (longest) delay of its limiters; forget() forgets in all of them."""

    def __init__(self, *limiters):
        self.limiters = limiters

    def when(self, item: str, now: float) -> float:
        return max(limiter.when(item, now) for limiter in self.limiters)

    def num_requeues(self, item: str) -> int:
        return max(limiter.num_requeues(item) for limiter in self.limiters)

    def forget(self, item: str) -> None:
        for limiter in self.limiters:
            limiter.forget(item)

    def failing(self) -> list[str]:
        seen: dict[str, None] = {}
        for limiter in self.limiters:
            seen.update(dict.fromkeys(limiter.failing()))
        return list(seen)

    def to_dict(self) -> dict:
        parts = [limiter.to_dict() for limiter in self.limiters]
        return {"limiters": parts} if any(parts) else {}

    def load(self, data: dict) -> None:
        for limiter, part in zip(self.limiters, data.get("limiters") or [], strict=False):
            limiter.load(part)


def default_controller_rate_limiter() -> MaxOfRateLimiter:
    """client-go's DefaultControllerRateLimiter: per item 5 ms doubling to 1000 s, and an
    overall bucket of 10 qps with a burst of 100; the longer of the two wins."""
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(0.005, 1000.0),
        BucketRateLimiter(qps=10, burst=100),
    )
