"""Included under studies/<slug>/exports/ (config/urls.py); every view is for owners and researchers."""

from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("", views.exports_page, name="page"),
    path("start/", views.start_export, name="start"),
    path("import/", views.import_qdpx, name="import"),
    path("import-as-new-study/", views.import_as_new_study, name="import_new_study"),
    path("<int:export_id>/status.json", views.export_status, name="status"),
    path("<int:export_id>/delete/", views.delete, name="delete"),
    path("download/<str:token>/", views.download, name="download"),
]
