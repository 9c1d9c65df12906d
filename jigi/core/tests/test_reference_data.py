import pytest

from jigi.core import selectors
from jigi.core.models import AdminArea
from jigi.core.refdata import load_admin_areas

pytestmark = pytest.mark.django_db


def test_mali_has_10_regions_53_cercles_701_communes(areas: None) -> None:
    assert AdminArea.objects.filter(level=1).count() == 10
    assert AdminArea.objects.filter(level=2).count() == 53
    assert AdminArea.objects.filter(level=3).count() == 701


def test_every_pcode_starts_with_its_parents_pcode(areas: None) -> None:
    for area in AdminArea.objects.filter(level__gt=1).select_related("parent"):
        assert area.parent is not None
        assert area.pcode.startswith(area.parent.pcode)
        assert area.parent.level == area.level - 1


def test_reloading_the_areas_changes_nothing(areas: None) -> None:
    result = load_admin_areas()
    assert (result.created, result.updated, result.unchanged) == (0, 0, 764)


def test_reloading_repairs_an_edited_name(areas: None) -> None:
    AdminArea.objects.filter(pcode="ML04").update(name="Segou (typo)")
    result = load_admin_areas()
    assert result.updated == 1
    assert AdminArea.objects.get(pcode="ML04").name == "Ségou"


def test_area_search_ignores_accents_and_case(areas: None) -> None:
    names = set(selectors.areas(search="SEGOU", level=1).values_list("name", flat=True))
    assert names == {"Ségou"}
    # Ménaka is spelled without its accent at region level and with it at commune level.
    menaka = set(selectors.areas(search="ménaka").values_list("pcode", flat=True))
    assert {"ML10", "ML1001", "ML100101"} <= menaka


def test_area_search_by_pcode(areas: None) -> None:
    assert [area.name for area in selectors.areas(search="ml0403")] == ["Macina"]
