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


@register.filter
def change_pair(value: Any) -> tuple[Any, Any] | None:
    """An audit change [old, new] as a pair; None for a plain value (e.g. a count)."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None
