"""ISO datetimes with impossible zone offsets are not dates, as in the reference."""

from __future__ import annotations

import pytest

from cordial_destination.date_like import is_date_like


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("2024-01-02T10:00:00+23:59", True),
        ("2024-01-02T10:00:00+2359", True),
        ("2024-01-02T10:00:00-05:30", True),
        ("2024-01-02T10:00:00Z", True),
        ("2024-01-02T10:00:00+24:00", False),
        ("2024-01-02T10:00:00+23:60", False),
        ("2024-01-02T10:00:00+99:99", False),
        ("2024-01-02T10:00:00-25:00", False),
        ("2024-01-02T10:00:00+2500", False),
        ("2024-01-02T10:00+25:00", False),
    ],
)
def test_zone_offsets(text: str, accepted: bool) -> None:
    assert is_date_like(text) is accepted
