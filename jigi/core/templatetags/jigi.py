from typing import Any

from django import template

from jigi.core.money import format_xof

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def xof(amount: int) -> str:
    """15000 → "15 000 FCFA"."""
    return format_xof(amount)
