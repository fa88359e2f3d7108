from django.urls import path

from studies import (
    builder_views,
    consent_setup_views,
    distress_protocol_views,
    distress_views,
    guide_views,
    incentive_views,
    interview_note_views,
    message_views,
    no_show_views,
    partial_withdrawal_views,
    participant_views,
    question_views,
    quota_views,
    rule_views,
    safety_setup_views,
    safety_views,
    scale_views,
    schedule_views,
    setup_views,
    slot_views,
    team_views,
    views,
    xlsform_views,
)
from studies.audit_views import study_audit
from studies.dictionary_views import questionnaire_dictionary

app_name = "studies"
urlpatterns = [
    path("", views.study_list, name="list"),
    # Before <slug:slug>/: "new" is not a study (study_setup.RESERVED_SLUGS keeps it so).
    path("new/", setup_views.study_create, name="create"),
    path("<slug:slug>/", views.study_detail, name="detail"),
    path("<slug:slug>/team/", team_views.study_team, name="team"),
    path("<slug:slug>/team/role/", team_views.member_role, name="team_member_role"),
    path("<slug:slug>/team/remove/", team_views.member_remove, name="team_member_remove"),
    path("<slug:slug>/team/invitations/resend/", team_views.invitation_resend, name="team_invitation_resend"),
    path("<slug:slug>/team/invitations/revoke/", team_views.invitation_revoke, name="team_invitation_revoke"),
    path("<slug:slug>/audit/", study_audit, name="audit"),
    path("<slug:slug>/settings/", setup_views.study_settings, name="settings"),
    path("<slug:slug>/status/", setup_views.study_status, name="status"),
    path("<slug:slug>/checklist/", setup_views.study_checklist, name="checklist"),
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
    path("<slug:slug>/slots/", slot_views.slots, name="slots"),
    path("<slug:slug>/slots/recurring/", slot_views.slots_recurring, name="slots_recurring"),
    path("<slug:slug>/slots/delete/", slot_views.slots_delete, name="slots_delete"),
    path("<slug:slug>/slots/<int:slot_id>/", slot_views.slot_page, name="slot"),
    path("<slug:slug>/questionnaires/", question_views.questionnaire_list, name="questionnaires"),
    path("<slug:slug>/questionnaires/import/", xlsform_views.questionnaire_import, name="questionnaire_import"),
    path("<slug:slug>/questionnaires/<int:pk>/", question_views.questionnaire_detail, name="questionnaire"),
    path(
        "<slug:slug>/questionnaires/<int:pk>/xlsform/",
        xlsform_views.questionnaire_xlsform,
        name="questionnaire_xlsform",
    ),
    path("<slug:slug>/questionnaires/<int:pk>/scales/", scale_views.questionnaire_scale, name="questionnaire_scale"),
    path(
        "<slug:slug>/questionnaires/<int:pk>/questions/<int:question_pk>/",
        question_views.question_page,
        name="question",
    ),
    path(
        "<slug:slug>/questionnaires/<int:pk>/questions/<int:question_pk>/move/",
        question_views.question_move,
        name="question_move",
    ),
    path(
        "<slug:slug>/questionnaires/<int:pk>/questions/<int:question_pk>/duplicate/",
        question_views.question_duplicate,
        name="question_duplicate",
    ),
    path(
        "<slug:slug>/questionnaires/<int:pk>/questions/<int:question_pk>/delete/",
        question_views.question_delete,
        name="question_delete",
    ),
    path("<slug:slug>/questionnaires/<int:pk>/rules/<int:rule_pk>/", rule_views.rule_page, name="rule"),
    path(
        "<slug:slug>/questionnaires/<int:pk>/rules/<int:rule_pk>/delete/",
        rule_views.rule_delete,
        name="rule_delete",
    ),
    path(
        "<slug:slug>/questionnaires/<int:pk>/preview/",
        builder_views.questionnaire_preview,
        name="questionnaire_preview",
    ),
    path(
        "<slug:slug>/questionnaires/<int:pk>/publish/",
        builder_views.questionnaire_publish,
        name="questionnaire_publish",
    ),
    path(
        "<slug:slug>/questionnaires/<int:pk>/reorder/",
        builder_views.questionnaire_reorder,
        name="questionnaire_reorder",
    ),
    path("<slug:slug>/questionnaires/<int:pk>/sections/<int:section_pk>/", builder_views.section_page, name="section"),
    path(
        "<slug:slug>/questionnaires/<int:pk>/sections/<int:section_pk>/move/",
        builder_views.section_move,
        name="section_move",
    ),
    path(
        "<slug:slug>/questionnaires/<int:pk>/sections/<int:section_pk>/delete/",
        builder_views.section_delete,
        name="section_delete",
    ),
    path(
        "<slug:slug>/questionnaires/<int:pk>/answers.csv",
        question_views.questionnaire_export,
        name="questionnaire_export",
    ),
    path(
        "<slug:slug>/questionnaires/<int:pk>/data-dictionary.csv",
        questionnaire_dictionary,
        name="questionnaire_dictionary",
    ),
    path("<slug:slug>/guide/", guide_views.guide_page, name="guide"),
    path("<slug:slug>/guide/<int:question_id>/", guide_views.guide_question, name="guide_question"),
    path("<slug:slug>/guide/<int:question_id>/move/", guide_views.guide_move, name="guide_move"),
    path("<slug:slug>/guide/<int:question_id>/delete/", guide_views.guide_delete, name="guide_delete"),
    path("<slug:slug>/safety/", safety_views.safety_events, name="safety"),
    path("<slug:slug>/safety/<int:event_id>/follow-up/", safety_views.safety_follow_up, name="safety_follow_up"),
    # The distress protocol in a live interview (studies/distress_views.py): owners, researchers, interviewers.
    path("<slug:slug>/interviews/<int:interview_id>/start/", distress_views.interview_start, name="interview_start"),
    path("<slug:slug>/interviews/<int:interview_id>/distress/", distress_views.distress_mark, name="distress_mark"),
    path("<slug:slug>/safety/<int:event_id>/assess/", distress_views.distress_assess, name="distress_assess"),
    path("<slug:slug>/safety/<int:event_id>/offset/", distress_views.distress_offset, name="distress_offset"),
    path("<slug:slug>/safety/<int:event_id>/done/", distress_views.follow_up_done, name="follow_up_done"),
    # Time-stamped notes in a live interview (studies/interview_note_views.py): owners, researchers, interviewers.
    path("<slug:slug>/interviews/<int:interview_id>/notes/", interview_note_views.note_add, name="interview_notes"),
    path(
        "<slug:slug>/interviews/<int:interview_id>/notes/delete/",
        interview_note_views.note_delete,
        name="interview_note_delete",
    ),
    # A partial withdrawal after a mark (studies/partial_withdrawal_views.py): owners and researchers.
    path("<slug:slug>/safety/<int:event_id>/cut/", partial_withdrawal_views.apply_cut, name="apply_cut"),
    # --- set-up pages (issue #20) ---
    path("<slug:slug>/consent/", consent_setup_views.consent_setup, name="consent_setup"),
    path("<slug:slug>/consent/preview/", consent_setup_views.consent_preview, name="consent_preview"),
    path("<slug:slug>/consent/publish/", consent_setup_views.consent_publish, name="consent_publish"),
    path("<slug:slug>/safety/setup/", safety_setup_views.safety_setup, name="safety_setup"),
    path("<slug:slug>/safety/setup/preview/", safety_setup_views.safety_preview, name="safety_preview"),
    # The distress protocol (studies/distress_protocol_views.py): every member reads it, owners and researchers save.
    path("<slug:slug>/safety/setup/distress/", distress_protocol_views.distress_protocol, name="distress_protocol"),
    path("<slug:slug>/safety/setup/resources/add/", safety_setup_views.resource_add, name="crisis_resource_add"),
    path("<slug:slug>/safety/setup/resources/copy/", safety_setup_views.resource_copy, name="crisis_resource_copy"),
    path(
        "<slug:slug>/safety/setup/resources/<int:resource_id>/",
        safety_setup_views.resource_edit,
        name="crisis_resource",
    ),
    path(
        "<slug:slug>/safety/setup/resources/<int:resource_id>/delete/",
        safety_setup_views.resource_delete,
        name="crisis_resource_delete",
    ),
    path("<slug:slug>/safety/setup/contacts/add/", safety_setup_views.contact_add, name="safety_contact_add"),
    path("<slug:slug>/safety/setup/contacts/<int:contact_id>/", safety_setup_views.contact_edit, name="safety_contact"),
    path(
        "<slug:slug>/safety/setup/contacts/<int:contact_id>/delete/",
        safety_setup_views.contact_delete,
        name="safety_contact_delete",
    ),
    path(
        "<slug:slug>/safety/setup/contacts/<int:contact_id>/move/",
        safety_setup_views.contact_move,
        name="safety_contact_move",
    ),
    # Incentives (studies/incentive_views.py): every member reads the plan, owners change it; the ledger, its
    # payments and the finance CSV are for owners and researchers.
    path("<slug:slug>/incentives/plan/", incentive_views.incentive_plan, name="incentive_plan"),
    path("<slug:slug>/incentives/", incentive_views.ledger, name="incentives"),
    path("<slug:slug>/incentives/add/", incentive_views.add_line, name="incentive_add"),
    path("<slug:slug>/incentives/finance.csv", incentive_views.finance_export, name="incentives_export"),
    path("<slug:slug>/incentives/<int:incentive_id>/paid/", incentive_views.mark_paid, name="incentive_paid"),
    path("<slug:slug>/incentives/<int:incentive_id>/cancel/", incentive_views.cancel, name="incentive_cancel"),
    # Reminders, no-shows and the team's messages (studies/message_views.py, no_show_views.py): every member reads
    # the messages page; owners and researchers word messages, set reminders and send the team's message; the people
    # who meet participants mark a missed interview.
    path("<slug:slug>/messages/", message_views.message_templates_page, name="messages"),
    path("<slug:slug>/settings/reminders/", message_views.reminder_settings, name="reminders"),
    path("<slug:slug>/participants/<str:code>/message/", message_views.team_message, name="team_message"),
    path(
        "<slug:slug>/interviews/<int:interview_id>/no-show/", no_show_views.interview_no_show, name="interview_no_show"
    ),
    path("<slug:slug>/quotas/", quota_views.quotas, name="quotas"),
    path("<slug:slug>/quotas/<int:stratum_id>/", quota_views.quota_stratum, name="quota_stratum"),
    path("<slug:slug>/quotas/<int:stratum_id>/delete/", quota_views.quota_delete, name="quota_delete"),
]
