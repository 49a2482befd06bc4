from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(**kwargs: object) -> None:
    from campaigns.roles import roles_sync

    roles_sync()


def _private_tmp() -> None:
    """Temporary files (uploads being read, workbooks being written) hold personal data: keep them in a directory
    only the application reads, not in the shared /tmp."""
    import os
    import tempfile

    from django.conf import settings

    os.makedirs(settings.PRIVATE_TMP, mode=0o700, exist_ok=True)
    os.chmod(settings.PRIVATE_TMP, 0o700)
    tempfile.tempdir = str(settings.PRIVATE_TMP)


def _county_saved(sender: type, instance: object, **kwargs: object) -> None:
    # Counties come from fixtures (loaddata) and the admin as well as from load_regions: each hangs from its
    # node in the region tree however it was made, so a region's office sees it.
    if instance.region_id is None:
        from campaigns.services import county_attach_to_region

        county_attach_to_region(instance)


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("专项行动与组织")

    def ready(self) -> None:
        # Django creates permissions after migrate; the role groups follow them (see campaigns.roles).
        post_migrate.connect(_sync_roles, dispatch_uid="campaigns.sync_roles")
        from django.contrib.auth.signals import user_logged_in

        from campaigns.sessions import session_started

        user_logged_in.connect(session_started, dispatch_uid="campaigns.session_started")

        from django.db.models.signals import post_save

        post_save.connect(_county_saved, sender="campaigns.County", dispatch_uid="campaigns.county_saved")

        _private_tmp()

        # The admin has registered every app's models by now (django.contrib.admin comes first): an admin page
        # that is not scoped to the user's county stops the application here, before it serves anything.
        from campaigns.admin_guard import admin_registry_check

        admin_registry_check()
