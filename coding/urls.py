from django.urls import path

from coding import views

app_name = "coding"
# Included under studies/<slug:slug>/codebook/ (config/urls.py).
urlpatterns = [
    path("", views.codebook, name="codebook"),
    path("add/", views.code_add, name="code_add"),
    path("import/", views.codebook_import, name="import"),
    path("export.<str:fmt>", views.codebook_export, name="export"),
    path("codes/<uuid:guid>/", views.code_edit, name="code_edit"),
    path("codes/<uuid:guid>/move/", views.code_move, name="code_move"),
    path("codes/<uuid:guid>/merge/", views.code_merge, name="code_merge"),
    path("codes/<uuid:guid>/delete/", views.code_delete, name="code_delete"),
]
