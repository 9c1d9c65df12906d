"""Grievances: complaints and feedback from every channel, their tracking codes, assignment,
deadlines, escalation, resolution, appeal and statistics.

Invariants: a complaint's tracking code is unique and carries a Damm check character; its
status changes only along `services.TRANSITIONS`; a complaint is closed only once resolved (a
resolution type, and a reason for a rejection); sensitive categories (sexual exploitation and
abuse, fraud, staff misconduct) are read only by focal points (`Perm.GRIEVANCES_SENSITIVE`),
each opening audit-logged, and never appear in general lists, counts, statistics, exports or
search; a referral to protection keeps the consent and who referred, never the narrative.
"""
