"""Which month of GBV statistics is published, on which day."""

from __future__ import annotations

from datetime import date

import pytest

from jigi.core.errors import InvalidInput
from jigi.protection.publication import LAG_DAYS, latest_published_month, published_month


@pytest.mark.parametrize(
    ("today", "latest"),
    [
        (date(2026, 12, 1), date(2026, 10, 1)),  # November is not in yet
        (date(2026, 12, LAG_DAYS), date(2026, 10, 1)),
        (date(2026, 12, LAG_DAYS + 1), date(2026, 11, 1)),
        (date(2026, 1, 15), date(2025, 12, 1)),  # across a year
        (date(2026, 1, 3), date(2025, 11, 1)),
        (date(2026, 3, 31), date(2026, 2, 1)),
    ],
)
def test_a_month_is_published_ten_days_after_it_ends(today: date, latest: date) -> None:
    assert latest_published_month(today) == latest


def test_a_month_not_yet_published_is_refused_naming_the_day() -> None:
    today = date(2026, 12, 1)
    assert published_month(date(2026, 10, 17), today) == date(2026, 10, 1)
    assert published_month(None, today) == date(2026, 10, 1)
    with pytest.raises(InvalidInput) as error:
        published_month(date(2026, 11, 30), today)
    assert "11/12/2026" in str(error.value)
    assert "month" in error.value.errors
