"""Money is an integer number of XOF (the CFA franc has no minor unit): never a float."""

NARROW_NO_BREAK_SPACE = "\u202f"


def format_xof(amount_xof: int) -> str:
    """Show 15000 as "15 000 FCFA", grouping thousands with a narrow no-break space."""
    if isinstance(amount_xof, bool) or not isinstance(amount_xof, int):
        raise TypeError(f"Amounts are whole XOF integers, not {type(amount_xof).__name__}.")
    sign = "-" if amount_xof < 0 else ""
    grouped = f"{abs(amount_xof):,}".replace(",", NARROW_NO_BREAK_SPACE)
    return f"{sign}{grouped}{NARROW_NO_BREAK_SPACE}FCFA"
