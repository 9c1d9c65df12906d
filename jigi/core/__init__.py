"""Shared kernel: administrative areas (OCHA P-codes), sites, organisations, funding sources,
money and phone types, and background jobs with progress.

Invariants: a P-code starts with its parent's P-code, so "inside an area" is a prefix test;
money is an integer number of XOF; every long job is a `Job` row that records its progress.
core imports no other Jigi app.
"""
