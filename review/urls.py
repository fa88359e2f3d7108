"""Included under studies/<slug>/ (config/urls.py); every view checks the study role."""

from django.urls import URLPattern

app_name = "review"
urlpatterns: list[URLPattern] = []
