"""Our own error pages: in Chinese, inside the product's layout, with a way back."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseForbidden
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def back_link(request: HttpRequest) -> str:
    """Where "返回" goes: the page the user came from on this site, else their start page."""
    referer = request.headers.get("referer", "")
    if (
        referer
        and referer != request.build_absolute_uri()
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return referer
    return reverse("home") if request.user.is_authenticated else reverse("login")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponseForbidden:
    # The exception's text is shown only when a view gave a reason meant for the user (a Chinese sentence).
    reason = str(exception) if exception.args and isinstance(exception.args[0], str) else ""
    template = loader.get_template("403.html")
    return HttpResponseForbidden(template.render({"reason": reason, "back": back_link(request)}, request))
