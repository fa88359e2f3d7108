"""Included under studies/<slug>/dashboard/ (config/urls.py); every team role sees the page (dashboard.views)."""

from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="page"),
    path("panels/<str:panel>/", views.dashboard_panel, name="panel"),
    path("jobs/<int:job_id>/retry/", views.retry, name="retry"),
]
