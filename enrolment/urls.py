from django.urls import path

from enrolment.views import api, batches, data_imports, entries, records

urlpatterns = [
    path("batches/", batches.batch_list, name="batch-list"),
    path("batches/upload/", batches.batch_upload, name="batch-upload"),
    path("batches/<int:pk>/", batches.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/progress.json", batches.batch_progress_json, name="batch-progress"),
    path("batches/<int:pk>/rejected.xlsx", batches.batch_rejected, name="batch-rejected"),
    path("imports/", data_imports.data_import_list, name="data-import-list"),
    path("imports/upload/", data_imports.data_import_upload, name="data-import-upload"),
    path("imports/<int:pk>/", data_imports.data_import_detail, name="data-import-detail"),
    path("imports/<int:pk>/progress.json", data_imports.data_import_progress, name="data-import-progress"),
    path("imports/<int:pk>/rejected.xlsx", data_imports.data_import_rejected, name="data-import-rejected"),
    path("entries/", entries.entry_list, name="entry-list"),
    path("entries/export.xlsx", entries.entry_export, name="entry-export"),
    path("entries/bulk-status/", entries.entry_bulk_status, name="entry-bulk-status"),
    path("entries/import/", entries.entry_import, name="entry-import"),
    path("entries/import/<uuid:token>/", entries.entry_import_preview, name="entry-import-preview"),
    path("entries/<int:pk>/", entries.entry_detail, name="entry-detail"),
    path("entries/<int:pk>/reveal/", entries.entry_reveal, name="entry-reveal"),
    path("records/", records.record_list, name="records"),
    path("records/new/", records.record_new, name="record-new"),
    path("api/entries/", api.api_entry_list, name="api-entry-list"),
    path("api/entries/<int:pk>/", api.api_entry_detail, name="api-entry-detail"),
]
