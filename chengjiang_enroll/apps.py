from axes.apps import AppConfig as AxesAppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class CampaignAdminConfig(AdminConfig):
    default_site = "chengjiang_enroll.admin.CampaignAdminSite"


class LoginLockoutConfig(AxesAppConfig):
    """django-axes under a Chinese name: its app has no verbose name, so the admin showed "AXES"."""

    verbose_name = _("登录安全")
