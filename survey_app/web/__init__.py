"""The HTTP layer: Litestar app, auth, server-rendered pages and the JSON API."""
