"""Jigi: one information system for Mali's social protection and humanitarian response.

The project package holds settings, URLs and the `jigi` command; each domain is an app below it.
"""
