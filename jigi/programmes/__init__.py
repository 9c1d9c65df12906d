"""Programmes and their rules, targeting and enrolment.

A programme covers communes (each with a quota) and pays a transfer value every 1, 2 or 3
months for a fixed duration. Targeting scores every active household of the coverage with a
versioned PMT formula in one set-based pass, applies the categorical criteria and the cut-off,
and ranks within each commune up to its quota. An adopted run becomes the list the community
validates; validated households are enrolled. A household has at most one open (active or
suspended) enrolment per programme: a database constraint, not a read-then-write.
"""
