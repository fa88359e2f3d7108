from django.urls import path

from studies import builder_views, guide_views, participant_views, safety_views, schedule_views, views
from studies.audit_views import study_audit

app_name = "studies"
urlpatterns = [
    path("", views.study_list, name="list"),
    path("<slug:slug>/", views.study_detail, name="detail"),
    path("<slug:slug>/team/", views.study_team, name="team"),
    path("<slug:slug>/audit/", study_audit, name="audit"),
    path("<slug:slug>/participants/", participant_views.participant_list, name="participants"),
    path("<slug:slug>/participants/select/", participant_views.select, name="select"),
    path("<slug:slug>/participants/<str:code>/", participant_views.participant_detail, name="participant"),
    path("<slug:slug>/participants/<str:code>/review/", participant_views.review, name="review"),
    path("<slug:slug>/participants/<str:code>/withdraw/", schedule_views.withdraw, name="withdraw"),
    path("<slug:slug>/participants/<str:code>/data.json", participant_views.export_data, name="participant_data"),
    path(
        "<slug:slug>/participants/<str:code>/interviews/<int:pk>/done/",
        schedule_views.interview_done,
        name="interview_done",
    ),
    path("<slug:slug>/slots/", schedule_views.slots, name="slots"),
    path("<slug:slug>/questionnaires/", builder_views.questionnaire_list, name="questionnaires"),
    path("<slug:slug>/questionnaires/<int:pk>/", builder_views.questionnaire_detail, name="questionnaire"),
    path(
        "<slug:slug>/questionnaires/<int:pk>/answers.csv",
        builder_views.questionnaire_export,
        name="questionnaire_export",
    ),
    path("<slug:slug>/guide/", guide_views.guide_page, name="guide"),
    path("<slug:slug>/guide/<int:question_id>/", guide_views.guide_question, name="guide_question"),
    path("<slug:slug>/guide/<int:question_id>/move/", guide_views.guide_move, name="guide_move"),
    path("<slug:slug>/guide/<int:question_id>/delete/", guide_views.guide_delete, name="guide_delete"),
    path("<slug:slug>/safety/", safety_views.safety_events, name="safety"),
    path("<slug:slug>/safety/<int:event_id>/follow-up/", safety_views.safety_follow_up, name="safety_follow_up"),
]
