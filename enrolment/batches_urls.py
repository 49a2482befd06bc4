from django.urls import path

from enrolment import batches_views as views

urlpatterns = [
    path("batches/", views.batch_list, name="batch-list"),
    path("batches/upload/", views.batch_upload, name="batch-upload"),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/progress.json", views.batch_progress_json, name="batch-progress"),
    path("batches/<int:pk>/rejected.xlsx", views.batch_rejected, name="batch-rejected"),
]
