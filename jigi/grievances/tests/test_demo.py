"""The demo seeds an assigned payment complaint, an escalated overdue one and a sensitive
case the officers cannot list, once."""

from __future__ import annotations

import pytest

from jigi.grievances import demo, selectors
from jigi.grievances.models import Complaint, Level
from jigi.grievances.tests.factories import officer

pytestmark = pytest.mark.django_db


def test_demo_seeds_complaints_once(areas: None) -> None:
    kayes = officer()
    assert demo.seed()["created"] == 3
    assert demo.seed()["created"] == 0
    assert Complaint.objects.filter(is_sensitive=True).count() == 1
    assert Complaint.objects.filter(level=Level.REGIONAL).count() == 1
    assert selectors.complaints_for(kayes).count() == 2
