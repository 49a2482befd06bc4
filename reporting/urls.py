from django.urls import path, register_converter

from reporting import views


class PeriodConverter:
    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class PeriodOrSummaryConverter(PeriodConverter):
    regex = r"\d{4}-\d{2}|summary"


register_converter(PeriodConverter, "period")
register_converter(PeriodOrSummaryConverter, "anyperiod")

app_name = "reporting"
urlpatterns = [
    path("reports/", views.report_list, name="list"),
    path("reports/summary/", views.summary_detail, name="summary"),
    path("reports/<period:period>/", views.report_detail, name="report"),
    path("reports/view/<int:pk>/", views.report_view, name="view"),
    path("reports/view/<int:pk>/return/", views.report_return_view, name="return"),
    path("reports/view/<int:pk>/accept/", views.report_accept_view, name="accept"),
    path("reports/attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("reports/attachments/<int:pk>/delete/", views.attachment_delete, name="attachment-delete"),
    path("reports/overview/", views.overview_index, name="overview-index"),
    path("reports/overview/<anyperiod:period>/", views.overview, name="overview"),
    path("reports/overview/<anyperiod:period>/urge/", views.overview_urge, name="overview-urge"),
    path("reports/overview/<anyperiod:period>/export.xlsx", views.overview_export, name="overview-export"),
    path("reports/supervision/", views.supervision_list, name="supervision"),
    path("reports/supervision/new/", views.supervision_edit, name="supervision-new"),
    path("reports/supervision/<int:pk>/", views.supervision_edit, name="supervision-edit"),
    path("reports/notices/<int:pk>/dismiss/", views.notice_dismiss_view, name="notice-dismiss"),
    path("api/reports/", views.api_reports, name="api"),
]
