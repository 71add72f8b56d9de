"""Go's time.Duration, as kubectl's --timeout takes and prints it."""

import pytest

from playground.kubectl import duration


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("30s", "30s"),
        ("90s", "1m30s"),
        ("5m", "5m0s"),
        ("1h", "1h0m0s"),
        ("1.5s", "1.5s"),
        ("500ms", "500ms"),
        ("0", "0s"),
    ],
)
def test_parse_and_format_round_trip_as_go_prints_them(text, printed):
    assert duration.format(duration.parse(text)) == printed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x", 'time: invalid duration "x"'),
        ("5", 'time: missing unit in duration "5"'),
        ("1x", 'time: unknown unit "x" in duration "1x"'),
        ("5s5", 'time: missing unit in duration "5s5"'),
    ],
)
def test_bad_durations_read_like_go(text, message):
    with pytest.raises(duration.DurationError, match=f"^{message}$"):
        duration.parse(text)
