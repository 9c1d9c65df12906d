"""The Unified Social Register (RSU): households, their members, identity documents and
change requests.

Invariants: an active household has exactly one living head, an adult unless the household is
flagged child-headed; every write goes through `jigi.registry.services` and is recorded in the
audit log with old → new values (the record's history); households and members carry a
``version`` that each write increments, so a stale form is refused instead of overwriting;
users see households of their scope only (others answer "not found").
"""
