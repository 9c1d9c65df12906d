"""Payments: agencies, payment cycles and their payrolls.

Invariants: a household is paid at most once per cycle (a unique constraint on the cycle's
lines; a cycle belongs to one programme); a payroll is generated set-based from the active
enrolments on the cycle date and frozen once submitted (each line keeps the recipient, number
and amount it was generated with); the one who submits a cycle cannot approve it; a cycle is
approved only within its funding source's budget for the programme and year; a closed cycle
never changes. Amounts are integer XOF and each line's parts add up to its amount (a check
constraint).
"""
