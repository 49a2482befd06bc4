from django.urls import path

from dashboard import views

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("dashboard/xlsx", views.dashboard_xlsx, name="dashboard-xlsx"),
    path("dashboard/towns/<int:pk>/", views.dashboard_town, name="dashboard-town"),
]
