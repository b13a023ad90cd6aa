"""Security headers on every response the app sends.

They are added where Litestar hands a message to the server (a ``before_send`` hook), not
in a route middleware: Litestar runs route middleware only for a matched route, so a 404 for
an unknown path, a 405, and the 403 of its own CSRF middleware would go out without them.
"""

from __future__ import annotations

from litestar.types import Message, Scope

# No inline script or style anywhere: the form's script and the stylesheet are files under
# /static. Forms post only to this site and no page may be framed (clickjacking).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
# Features a questionnaire and a caseload never need. Only names Chromium knows: an unknown
# one is logged as an error in the console of every page.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(https: bool) -> dict[str, str]:
    """The headers every response carries; HSTS only when the site is served over HTTPS."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        # A job seeker's form address holds their personal token: never send it to anyone.
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeaders:
    """A ``before_send`` hook adding :func:`security_headers` to each response start.

    A header the handler already set is left as it is, so one route can relax or tighten
    a policy for itself.
    """

    def __init__(self, https: bool) -> None:
        self._headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in security_headers(https).items()
        ]

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        present = {name.lower() for name, _ in message.get("headers", ())}
        missing = [(name, value) for name, value in self._headers if name not in present]
        if missing:
            message["headers"] = [*message.get("headers", ()), *missing]
