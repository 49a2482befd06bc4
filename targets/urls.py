from django.urls import path

from targets import views

urlpatterns = [
    path("api/progress/", views.progress_api, name="api-progress"),
    path("progress/", views.progress_page, name="progress"),
    path("progress/export.xlsx", views.progress_export, name="progress-export"),
    path("targets/baselines/", views.baselines_page, name="baselines"),
    path("targets/baselines/upload/", views.baselines_upload, name="baselines-upload"),
    path("targets/baselines/template.xlsx", views.baselines_template, name="baselines-template"),
    path("targets/plans/", views.region_plans_page, name="region-plans"),
    path("targets/plans/upload/", views.region_plan_upload, name="region-plan-upload"),
    path("targets/plans/template.xlsx", views.region_plan_template, name="region-plan-template"),
]
