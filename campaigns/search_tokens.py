"""Searches by name or ID number never travel in a URL: the text stays in the session, the URL carries a token.

A search form posts its text; the view keeps it under an opaque token (``qt``) and redirects to the list with
the token instead of the text, so neither the address bar, the browser history, the web server's access log
nor a link copied from the page holds a name or an ID number. Links built from the list's query string (pages,
export) carry the token and find the same search.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest, QueryDict

TOKEN_PARAM = "qt"
_SESSION_KEY = "search_tokens"
# A user works with a handful of searches at once; older tokens are forgotten.
_KEEP = 20


def search_token_store(request: HttpRequest, text: str) -> str:
    tokens: dict[str, str] = request.session.get(_SESSION_KEY, {})
    token = secrets.token_urlsafe(9)
    tokens[token] = text
    request.session[_SESSION_KEY] = dict(list(tokens.items())[-_KEEP:])
    return token


def search_redirect_query(request: HttpRequest, data: QueryDict, *, field: str = "q") -> str:
    """The query string to redirect a posted search to: every other parameter as is, the text as a token."""
    query = QueryDict(mutable=True)
    for name in data:
        if name not in (field, TOKEN_PARAM, "csrfmiddlewaretoken"):
            query.setlist(name, [value for value in data.getlist(name) if value != ""])
    text = (data.get(field) or "").strip()
    if text:
        query[TOKEN_PARAM] = search_token_store(request, text)
    return query.urlencode()


def search_params(request: HttpRequest, data: QueryDict, *, field: str = "q") -> tuple[QueryDict, bool]:
    """``data`` with the search text its token stands for under ``field``, and whether the token had expired
    (another session's, or forgotten): then there is no search text, and the caller says so."""
    token = data.get(TOKEN_PARAM)
    if not token:
        return data, False
    params = data.copy()
    del params[TOKEN_PARAM]
    text = request.session.get(_SESSION_KEY, {}).get(token)
    if text:
        params[field] = text
    return params, not text
