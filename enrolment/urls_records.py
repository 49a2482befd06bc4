from django.urls import path

from enrolment import views_records

urlpatterns = [
    path("records/", views_records.record_list, name="records"),
    path("records/new/", views_records.record_new, name="record-new"),
]
