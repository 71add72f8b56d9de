"""Go's time.Duration as kubectl's flags take and print it: "30s", "5m0s", "1h30m0s"."""

from __future__ import annotations

import re

UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}
_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]*)")


class DurationError(ValueError):
    pass


def parse(text: str) -> int:
    """Nanoseconds, or the error Go's time.ParseDuration gives."""
    rest = text.lstrip("+-") if text[:1] in "+-" else text
    negative = text.startswith("-")
    if rest == "0":
        return 0
    if not rest:
        raise DurationError(f'time: invalid duration "{text}"')
    total = 0
    while rest:
        number, unit = _PART.match(rest).groups()
        if number in ("", "."):
            raise DurationError(f'time: invalid duration "{text}"')
        if not unit:
            raise DurationError(f'time: missing unit in duration "{text}"')
        if unit not in UNITS:
            raise DurationError(f'time: unknown unit "{unit}" in duration "{text}"')
        whole, _, fraction = number.partition(".")
        nanos = int(whole or 0) * UNITS[unit]
        if fraction:
            nanos += int(fraction) * UNITS[unit] // 10 ** len(fraction)
        total += nanos
        rest = rest[len(number) + len(unit) :]
    return -total if negative else total


def _fraction(value: int, scale: int) -> str:
    whole, part = divmod(value, scale)
    digits = str(part).rjust(len(str(scale)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


def format(nanos: int) -> str:
    """Go's Duration.String()."""
    if nanos == 0:
        return "0s"
    sign, nanos = ("-", -nanos) if nanos < 0 else ("", nanos)
    if nanos < 10**9:
        if nanos < 1_000:
            return f"{sign}{nanos}ns"
        if nanos < 1_000_000:
            return f"{sign}{_fraction(nanos, 1_000)}µs"
        return f"{sign}{_fraction(nanos, 1_000_000)}ms"
    hours, nanos = divmod(nanos, 3600 * 10**9)
    minutes, nanos = divmod(nanos, 60 * 10**9)
    seconds = _fraction(nanos, 10**9) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    if minutes:
        return f"{sign}{minutes}m{seconds}"
    return f"{sign}{seconds}"
