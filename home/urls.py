from django.urls import path

from home import views

urlpatterns = [
    path("", views.home, name="home"),
    path("start/admin/", views.start_admin, name="start-admin"),
    path("start/office/", views.start_office, name="start-office"),
    path("start/town/", views.start_town, name="start-town"),
    path("start/department/", views.start_department, name="start-department"),
    path("healthz", views.healthz, name="healthz"),
]
