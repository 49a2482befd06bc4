from django.urls import path, register_converter

from bulletins import views


class MonthConverter:
    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MonthConverter, "month")

app_name = "bulletins"
urlpatterns = [
    path("bulletins/", views.bulletin_list, name="list"),
    path("bulletins/leads/", views.lead_list, name="leads"),
    path("bulletins/leads/<int:pk>/xlsx", views.lead_xlsx, name="lead-xlsx"),
    path("bulletins/<month:month>/", views.bulletin_detail, name="detail"),
    path("bulletins/<month:month>/print/", views.bulletin_print, name="print"),
    path("bulletins/<month:month>/xlsx", views.bulletin_xlsx, name="xlsx"),
    path("bulletins/<month:month>/docx", views.bulletin_docx, name="docx"),
]
