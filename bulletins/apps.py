from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    """The monthly bulletin (按月通报): above reporting, targets and the dashboard, it freezes their figures,
    names who is praised and criticised, and keeps the accountability leads that follow."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "bulletins"
    verbose_name = _("按月通报")
