"""Included under studies/<slug>/ (config/urls.py); every view checks the study role."""

from django.urls import path

from review.views import deid, editor, history, keep_terms, pages

app_name = "review"
urlpatterns = [
    path("transcripts/", pages.transcript_list, name="list"),
    path("transcripts/<int:transcript_id>/", pages.transcript_read, name="read"),
    path("transcripts/<int:transcript_id>/edit/", editor.editor, name="editor"),
    path("transcripts/<int:transcript_id>/save/", editor.save, name="save"),
    path("transcripts/<int:transcript_id>/approve/", pages.approve, name="approve"),
    path("transcripts/<int:transcript_id>/member-check/", pages.member_check_send, name="member-check-send"),
    path("transcripts/<int:transcript_id>/member-check/cancel/", pages.member_check_cancel, name="member-check-cancel"),
    path("transcripts/<int:transcript_id>/versions/", history.history, name="history"),
    path("transcripts/<int:transcript_id>/restore/", history.restore, name="restore"),
    path("transcripts/<int:transcript_id>/redaction/", deid.redaction_page, name="redaction"),
    path("transcripts/<int:transcript_id>/redaction/decide/", deid.redaction_decide, name="redaction-decide"),
    path("transcripts/<int:transcript_id>/redaction/mark/", deid.redaction_mark, name="redaction-mark"),
    path(
        "transcripts/<int:transcript_id>/redaction/mark-selection/",
        deid.redaction_mark_selection,
        name="redaction-mark-selection",
    ),
    path("redaction/tags/", deid.tag_table, name="tags"),
    path("redaction/identifiers/", deid.identifier_list, name="identifiers"),
    path("redaction/keep/", keep_terms.keep_terms, name="keep-terms"),
]
