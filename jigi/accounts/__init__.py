"""Users, roles, scopes, API tokens and the second factor.

Invariants: a user's role decides what they may do (`jigi.accounts.roles`); their scope (areas
and sites, or the whole country) decides which records they see, through the one policy in
`jigi.accounts.policy`. Out-of-scope records answer "not found". API tokens are stored hashed.
"""
