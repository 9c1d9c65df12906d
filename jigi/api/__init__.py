"""The JSON API under /api/v1: one NinjaAPI gathering every app's router, authentication
(personal API tokens or the browser session) and the one mapping of domain errors to HTTP."""
