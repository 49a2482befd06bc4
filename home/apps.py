from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The pages that combine the feature apps: each role's start page, the menu, the health check.

    It sits above every other app and nothing imports it, so the feature apps' arrows run one way:
    reporting → targets → enrolment → campaigns.
    """

    name = "home"
    verbose_name = _("工作台")
