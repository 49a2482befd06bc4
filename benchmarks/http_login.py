"""A password login through the app's own login form, for the HTTP clients of `make bench-province`.

Takes any requests-like session (a ``requests.Session`` or locust's ``HttpSession``), so the idle figures and
the load tool log in the same way a browser does: GET the form for its CSRF cookie, POST the credentials.
"""

from __future__ import annotations


def login(session, base_url: str, username: str, password: str) -> None:
    """Log ``session`` in as ``username``; raises RuntimeError when the app does not answer with a session."""
    # locust's session names its requests (kept out of the page figures); a plain requests.Session takes no name.
    named = {"name": "login"} if type(session).__module__.startswith("locust") else {}
    session.get(f"{base_url}/accounts/login/", **named)
    token = session.cookies.get("csrftoken", "")
    response = session.post(
        f"{base_url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token, "next": "/"},
        headers={"Referer": f"{base_url}/accounts/login/"},
        allow_redirects=False,
        **named,
    )
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"login of {username} failed: HTTP {response.status_code}")
