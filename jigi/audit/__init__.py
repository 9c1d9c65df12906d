"""The audit log: append-only and tamper-evident.

Invariants: entries are only ever added, through `jigi.audit.services.record`, inside the
caller's transaction; entry n carries the SHA-256 of entry n-1, and the chain head row records
the last sequence number and hash, so editing, removing or truncating entries is detected by
`verify_chain` (`jigi audit verify`). The database refuses UPDATE on entries.
audit depends only on core (decision 0002), so every app above it can record.
"""
