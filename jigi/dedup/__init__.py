"""Deduplication and golden record: a Splink linkage model tuned to Malian names, batch runs
over the register, the instant check of new registrations, the review queue, merge and
un-merge."""

from jigi.dedup import sqlcache

sqlcache.install()  # before Splink is first imported (see sqlcache)
