from django.urls import path

from enrolment.views import api, batches, entries, records

urlpatterns = [
    path("batches/", batches.batch_list, name="batch-list"),
    path("batches/upload/", batches.batch_upload, name="batch-upload"),
    path("batches/<int:pk>/", batches.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/progress.json", batches.batch_progress_json, name="batch-progress"),
    path("batches/<int:pk>/rejected.xlsx", batches.batch_rejected, name="batch-rejected"),
    path("entries/", entries.entry_list, name="entry-list"),
    path("entries/export.xlsx", entries.entry_export, name="entry-export"),
    path("entries/import/", entries.entry_import, name="entry-import"),
    path("entries/import/<uuid:token>/", entries.entry_import_preview, name="entry-import-preview"),
    path("entries/<int:pk>/", entries.entry_detail, name="entry-detail"),
    path("records/", records.record_list, name="records"),
    path("records/new/", records.record_new, name="record-new"),
    path("api/entries/", api.entry_list, name="api-entry-list"),
    path("api/entries/<int:pk>/", api.entry_detail, name="api-entry-detail"),
]
