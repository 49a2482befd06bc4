from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from chengjiang_enroll.accounts import PasswordChangeView

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("admin/", admin.site.urls),
    path("", include("home.urls")),
    path("", include("enrolment.urls")),
    path("", include("targets.urls")),
    path("", include("reporting.urls")),
    path("", include("dashboard.urls")),
    path("", include("bulletins.urls")),
    path("", include("audit.urls")),
]

handler403 = "chengjiang_enroll.errors.permission_denied"
