from django.urls import path

from enrolment import entries_api, entries_views

urlpatterns = [
    path("entries/", entries_views.entry_list, name="entry-list"),
    path("entries/export.xlsx", entries_views.entry_export, name="entry-export"),
    path("entries/import/", entries_views.entry_import, name="entry-import"),
    path("entries/import/<uuid:token>/", entries_views.entry_import_preview, name="entry-import-preview"),
    path("entries/<int:pk>/", entries_views.entry_detail, name="entry-detail"),
    path("api/entries/", entries_api.entry_list, name="api-entry-list"),
    path("api/entries/<int:pk>/", entries_api.entry_detail, name="api-entry-detail"),
]
