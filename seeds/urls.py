"""Set-up file pages, under /studies/ (config/urls.py includes them before studies.urls)."""

from django.urls import path

from seeds import views

app_name = "setup_files"
urlpatterns = [
    # "new" is a reserved slug (studies.services.study_setup), so no study's pages live under it.
    path("new/from-file/", views.import_file, name="import"),
    path("<slug:slug>/setup-file/", views.setup_file, name="study"),
    path("<slug:slug>/setup-file/export.yaml", views.export_file, name="export"),
    path("<slug:slug>/setup-file/clone/", views.clone, name="clone"),
]
