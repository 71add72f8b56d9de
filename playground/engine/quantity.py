"""Resource quantities parsed and compared exactly as upstream's resource.Quantity.

Values are kept as Fractions, so '0.1' + '0.2' == '300m' holds exactly.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
_PATTERN = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")

QUANTITY_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
SUFFIX_ERROR = "unable to parse quantity's suffix"
# resource.Quantity caps every value at the largest int64 and rounds any non-zero value
# up (away from zero) to a whole nano unit (ParseQuantity's maxAllowed and Round(Nano)).
MAX = Fraction(2**63 - 1)
NANO = Fraction(1, 10**9)
_INT32 = 2**31


class QuantityError(ValueError):
    pass


@lru_cache(maxsize=4096)
def parse(text) -> Fraction:
    """The exact value of a quantity such as '500m', '1.5', '128Mi', '1G' or '2e3'."""
    if isinstance(text, bool):
        raise QuantityError(QUANTITY_ERROR)
    if isinstance(text, int):
        return _bounded(Fraction(text))
    if isinstance(text, float):
        if text != text or text in (float("inf"), float("-inf")):
            raise QuantityError(QUANTITY_ERROR)
        return _bounded(Fraction(str(text)))
    if not isinstance(text, str):
        raise QuantityError(QUANTITY_ERROR)
    match = _PATTERN.match(text.strip())
    if not match:
        raise QuantityError(QUANTITY_ERROR)
    number, suffix = match.group(1), match.group(2) or ""
    if suffix in _BINARY:
        return _bounded(_decimal(number, 0), _BINARY[suffix])
    if suffix in _DECIMAL:
        return _bounded(_decimal(number, 0) * _DECIMAL[suffix])
    if len(suffix) > 12 or not -_INT32 <= int(suffix[1:]) < _INT32:  # Go: strconv.ParseInt(…, 10, 32)
        raise QuantityError(SUFFIX_ERROR)
    return _bounded(_decimal(number, int(suffix[1:])))


def _decimal(number: str, exponent: int) -> Fraction:
    """number × 10**exponent, exactly where it matters and without converting huge digit
    strings (Python's int-string limit): beyond the int64 cap it is just "too big", below
    a nano unit just "non-zero", which is all that _bounded() needs to know."""
    sign = -1 if number.startswith("-") else 1
    whole, _, fraction = number.lstrip("+-").partition(".")
    digits = (whole + fraction).lstrip("0")
    scale = exponent - len(fraction)
    if not digits:
        return Fraction(0)
    magnitude = len(digits) + scale  # the value is below 10**magnitude, at least 10**(magnitude-1)
    if magnitude > 40:
        return sign * MAX * 2
    if magnitude < -40:
        return sign * NANO / 2**70  # non-zero: rounds up to 1n, even times 2**60
    keep = max(1, magnitude + 60)  # digits down to 10**-60: finer than a nano unit times 2**60
    if len(digits) > keep:
        rest, digits = digits[keep:], digits[:keep]
        scale += len(rest)
        if rest.strip("0"):
            digits = str(int(digits) + 1)  # keep "more than": rounding up stays exact
    return sign * Fraction(int(digits)) * Fraction(10) ** scale


def _bounded(value: Fraction, factor: int = 1) -> Fraction:
    """ParseQuantity's bounds on value × factor: non-zero values round up (away from zero)
    to whole nano units, and magnitudes cap at the largest int64."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    if magnitude > MAX:
        return sign * MAX
    magnitude *= factor
    if magnitude.denominator != 1:
        nanos = magnitude / NANO
        magnitude = -(-nanos.numerator // nanos.denominator) * NANO
    return sign * min(magnitude, MAX)


def is_binary(text) -> bool:
    return isinstance(text, str) and text[-2:] in _BINARY


@lru_cache(maxsize=4096)
def millis(text) -> int:
    """CPU in millicores, rounded up as the scheduler does. Cached: a cluster repeats a
    handful of request strings across thousands of pods."""
    value = parse(text) * 1000
    return -(-value.numerator // value.denominator)


@lru_cache(maxsize=4096)
def to_int(text) -> int:
    """Bytes (or a count), rounded up."""
    value = parse(text)
    return -(-value.numerator // value.denominator)


def format(value: Fraction | int, binary: bool = False) -> str:
    """The canonical string for a value, in the binary or decimal style of its source."""
    value = Fraction(value)
    if value == 0:
        return "0"
    if binary and value.denominator == 1:
        for suffix, factor in reversed(_BINARY.items()):
            if value.numerator % factor == 0:
                return f"{value.numerator // factor}{suffix}"
        return str(value.numerator)
    if value.denominator == 1:
        n = value.numerator
        for suffix, exp in (("E", 18), ("P", 15), ("T", 12), ("G", 9), ("M", 6), ("k", 3)):
            if n % 10**exp == 0:
                return f"{n // 10**exp}{suffix}"
        return str(n)
    for suffix, factor in (("m", 1000), ("u", 10**6), ("n", 10**9)):
        scaled = value * factor
        if scaled.denominator == 1:
            return f"{scaled.numerator}{suffix}"
    scaled = -(-(value * 10**9).numerator // (value * 10**9).denominator)
    return f"{scaled}n"
