from fractions import Fraction

import pytest

from playground.engine import quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Fraction(1, 2)),
        ("1.5", Fraction(3, 2)),
        ("128Mi", 128 * 2**20),
        ("1G", 10**9),
        ("2e3", 2000),
        ("1Ki", 1024),
        ("0.1", Fraction(1, 10)),
        (2, 2),
        ("100u", Fraction(1, 10**4)),
    ],
)
def test_it_parses_quantities_exactly_as_upstream(text, value):
    assert quantity.parse(text) == value


@pytest.mark.parametrize("text", ["abc", "1.5.5", "12Mb", "", "--1", True])
def test_it_rejects_malformed_quantities_with_upstreams_message(text):
    with pytest.raises(quantity.QuantityError, match=r"quantities must match the regular expression"):
        quantity.parse(text)


def test_cpu_millicores_round_up_and_sums_are_exact():
    assert quantity.millis("0.0001") == 1
    assert quantity.millis("1.5") == 1500
    assert quantity.parse("0.1") + quantity.parse("0.2") == quantity.parse("300m")


def test_formatting_keeps_the_style_of_the_source():
    assert quantity.format(Fraction(1, 2)) == "500m"
    assert quantity.format(2000) == "2k"
    assert quantity.format(256 * 2**20, binary=True) == "256Mi"
    assert quantity.format(0) == "0"
