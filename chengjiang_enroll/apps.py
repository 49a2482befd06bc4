from django.contrib.admin.apps import AdminConfig


class CampaignAdminConfig(AdminConfig):
    default_site = "chengjiang_enroll.admin.CampaignAdminSite"
