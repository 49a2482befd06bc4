from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("audit/", views.access_log, name="log"),
    path("audit/export.xlsx", views.access_log_export, name="export"),
]
