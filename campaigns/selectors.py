"""Reads every app needs: which campaign a request is about."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from campaigns.models import Campaign, User


def campaign_for(user: User, campaign_id: int | str | None = None) -> Campaign:
    """The campaign a user works in: the one asked for by id, else the current one; Http404 if none is in scope.

    The one resolver of every page, API and upload: a campaign outside the user's county is as missing as
    one that does not exist. An id that is not a whole number is a 404 too; the JSON API checks its
    parameter first and answers 400.
    """
    campaigns = Campaign.objects.for_user(user)
    if campaign_id in (None, ""):
        campaign = campaigns.current()
    else:
        campaign = campaigns.filter(pk=int(campaign_id)).first() if str(campaign_id).isdigit() else None
    if campaign is None:
        raise Http404(_("找不到专项行动"))
    return campaign


def campaign_for_command(campaign_id: int | None = None) -> Campaign:
    """The campaign a management command works on (``--campaign ID``, else the current one)."""
    from django.core.management.base import CommandError

    if campaign_id is not None:
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            raise CommandError(_("找不到 ID 为 %(id)s 的专项行动") % {"id": campaign_id})
        return campaign
    campaign = Campaign.objects.current()
    if campaign is None:
        raise CommandError(_("还没有专项行动，请先载入专项行动数据（load_campaign）"))
    return campaign
