from django.urls import path

from coding.views import autosave, codebook, review, search, workspace

app_name = "coding"
# Included under studies/<slug:slug>/ (config/urls.py).
work = "coding/<int:assignment_id>/"
urlpatterns = [
    path("codebook/", codebook.codebook, name="codebook"),
    path("codebook/add/", codebook.code_add, name="code_add"),
    path("codebook/import/", codebook.codebook_import, name="import"),
    path("codebook/export.<str:fmt>", codebook.codebook_export, name="export"),
    path("codebook/codes/<uuid:guid>/", codebook.code_edit, name="code_edit"),
    path("codebook/codes/<uuid:guid>/move/", codebook.code_move, name="code_move"),
    path("codebook/codes/<uuid:guid>/merge/", codebook.code_merge, name="code_merge"),
    path("codebook/codes/<uuid:guid>/delete/", codebook.code_delete, name="code_delete"),
    path("coding/", workspace.my_queue, name="queue"),
    path("coding/next/", workspace.open_next, name="next"),
    path(work, workspace.workspace, name="workspace"),
    path(work + "codings/", autosave.coding_create, name="coding-create"),
    path(work + "codings/<int:coding_id>/", autosave.coding_edit, name="coding-edit"),
    path(work + "codings/<int:coding_id>/delete/", autosave.coding_delete, name="coding-delete"),
    path(work + "memos/", autosave.memo_create, name="memo-create"),
    path(work + "memos/<int:memo_id>/delete/", autosave.memo_delete, name="memo-delete"),
    path(work + "finish/", autosave.finish, name="finish"),
    path("coding/manage/", review.manage, name="manage"),
    path("coding/agreement/", review.agreement, name="agreement"),
    path("coding/adjudication/<int:version_id>/", review.adjudication, name="adjudication"),
    path("coding/adjudication/<int:version_id>/decide/", review.decide, name="decide"),
    path("coding/adjudication/<int:version_id>/finish/", review.adjudication_finish, name="adjudication-finish"),
    path("coding/excerpts/", review.excerpt_list, name="excerpts"),
    path("coding/strata/", review.strata, name="strata"),
    path("search/", search.search, name="search"),
]
