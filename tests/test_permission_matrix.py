"""Every URL pattern of the web UI and the API, visited by every persona: the status is the expected one.

A route with no expectation here fails the test, so a new page cannot ship without saying who may use it.
Each line reads: route name -> statuses for owner, researcher, interviewer, coder, viewer, outsider,
anonymous. "GET" visits use no data; "POST" visits (for routes that only accept POST) send an empty form,
so allowed roles get a validation answer (400/302) and nothing changes.
Run with MATRIX_PRINT=1 to print what every route answers now (to review a change, not to copy blindly).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from studies.models import ScreeningResponse, Section
from tests.permission_world import CONTACT, DISTRESS_NOTE, INTERVIEW_NOTE, PERSONAS, RAW_TEXT, World, build_world

# Django admin (staff only, its own login) and the API (tests/test_api_permissions.py walks every router
# route with every role and every kind of token) are checked elsewhere.
SKIPPED_PREFIXES = ("admin/", "static/", "i18n/", "api/v1/")


EXPECTED_GET: dict[str, str] = {
    # Pages that act on the account's own credentials always ask for the second factor first (these personas
    # have none, so they are sent to set it up): accounts/middleware.py.
    "accounts:password_change": "302 302 302 302 302 302 302",
    "accounts:password_change_done": "302 302 302 302 302 302 302",
    "accounts:password_reset": "200 200 200 200 200 200 200",
    "accounts:password_reset_complete": "200 200 200 200 200 200 200",
    "accounts:password_reset_confirm": "200 200 200 200 200 200 200",
    "accounts:password_reset_done": "200 200 200 200 200 200 200",
    # Display name and time zone: every signed-in person, their own.
    "accounts:profile": "200 200 200 200 200 200 302",
    "accounts:reauthenticate": "302 302 302 302 302 302 302",
    "accounts:recovery_codes": "302 302 302 302 302 302 302",
    "accounts:security": "302 302 302 302 302 302 302",
    "accounts:two_factor_remove": "302 302 302 302 302 302 302",
    "accounts:two_factor_setup": "200 200 200 200 200 200 302",
    "accounts:two_factor_verify": "302 302 302 302 302 302 302",
    "api-docs": "200 200 200 200 200 200 200",
    "api-schema": "200 200 200 200 200 200 200",
    # The API token page (studies/token_urls.py) acts on the account's credentials too: held the same way.
    "api_tokens:list": "302 302 302 302 302 302 302",
    "api_tokens:revoke": "302 302 302 302 302 302 302",
    # Member checking in the portal (review/portal_urls.py): a portal session only, never a team account.
    "checking:answer": "405 405 405 405 405 405 405",
    "checking:comment": "405 405 405 405 405 405 405",
    "checking:transcript": "403 403 403 403 403 403 403",
    "coding:adjudication": "200 200 403 403 403 404 302",
    "coding:adjudication-finish": "405 405 405 405 405 405 405",
    "coding:agreement": "200 200 403 403 403 404 302",
    "coding:code_add": "405 405 405 405 405 405 405",
    "coding:code_delete": "405 405 405 405 405 405 405",
    "coding:code_edit": "200 200 403 403 403 404 302",
    "coding:code_merge": "405 405 405 405 405 405 405",
    "coding:code_move": "405 405 405 405 405 405 405",
    "coding:codebook": "200 200 200 200 200 404 302",
    "coding:coding-create": "405 405 405 405 405 405 405",
    "coding:coding-delete": "405 405 405 405 405 405 405",
    "coding:coding-edit": "405 405 405 405 405 405 405",
    "coding:decide": "405 405 405 405 405 405 405",
    "coding:excerpts": "200 200 403 403 403 404 302",
    "coding:export": "200 200 200 200 200 404 302",
    "coding:finish": "405 405 405 405 405 405 405",
    "coding:import": "405 405 405 405 405 405 405",
    "coding:manage": "200 200 403 403 403 404 302",
    "coding:memo-create": "405 405 405 405 405 405 405",
    "coding:memo-delete": "405 405 405 405 405 405 405",
    "coding:next": "302 302 403 302 403 404 302",
    "coding:queue": "200 200 403 200 403 404 302",
    # Transcript search: every member role, each in the text it reads (raw for owners and researchers).
    "coding:search": "200 200 200 200 200 404 302",
    "coding:strata": "200 200 403 403 403 404 302",
    "coding:workspace": "404 404 403 200 403 404 302",
    "dashboard:page": "200 200 200 200 200 404 302",
    "dashboard:panel": "200 200 200 200 200 404 302",
    "dashboard:retry": "405 405 405 405 405 405 405",
    "exports:delete": "405 405 405 405 405 405 405",
    "exports:download": "404 404 403 403 403 404 302",
    "exports:import": "405 405 405 405 405 405 405",
    "exports:import_new_study": "405 405 405 405 405 405 405",
    "exports:page": "200 200 403 403 403 404 302",
    "exports:start": "405 405 405 405 405 405 405",
    "exports:status": "404 404 403 403 403 404 302",
    "healthz": "200 200 200 200 200 200 200",
    "home": "302 302 302 302 302 302 302",
    # Accepting a team invitation: open to everyone, the signed token is the credential (no token here: 400).
    "invitations:accept": "400 400 400 400 400 400 400",
    "login": "302 302 302 302 302 302 200",
    "logout": "405 405 405 405 405 405 405",
    "participate:portal": "403 403 403 403 403 403 403",
    "participate:portal_book": "403 403 403 403 403 403 403",
    "participate:portal_cancel": "405 405 405 405 405 405 405",
    "participate:portal_consent": "403 403 403 403 403 403 403",
    "participate:portal_consent_pdf": "403 403 403 403 403 403 403",
    # Asking that the part after a distress mark is not used (issue #25): the participant's own, from the portal.
    "participate:portal_cut": "405 405 405 405 405 405 405",
    "participate:portal_enter": "400 400 400 400 400 400 400",
    "participate:portal_ics": "403 403 403 403 403 403 403",
    "participate:portal_new_link": "405 405 405 405 405 405 405",
    "participate:portal_questionnaire": "403 403 403 403 403 403 403",
    "participate:portal_withdraw": "403 403 403 403 403 403 403",
    "participate:screening": "200 200 200 200 200 200 200",
    "participate:screening_result": "404 404 404 404 404 404 404",
    "review:approve": "405 405 405 405 405 405 405",
    "review:editor": "200 200 403 403 403 404 302",
    "review:history": "200 200 403 403 403 404 302",
    "review:identifiers": "200 200 403 403 403 404 302",
    "review:keep-terms": "200 200 403 403 403 404 302",
    "review:list": "200 200 200 200 200 404 302",
    "review:member-check-cancel": "405 405 405 405 405 405 405",
    "review:member-check-send": "405 405 405 405 405 405 405",
    "review:read": "200 200 200 200 200 404 302",
    "review:redaction": "200 200 403 403 403 404 302",
    "review:redaction-decide": "405 405 405 405 405 405 405",
    "review:redaction-mark": "405 405 405 405 405 405 405",
    "review:redaction-mark-selection": "405 405 405 405 405 405 405",
    "review:restore": "405 405 405 405 405 405 405",
    "review:save": "405 405 405 405 405 405 405",
    "review:tags": "200 200 403 403 403 404 302",
    "setup_files:clone": "405 405 405 405 405 405 405",
    "setup_files:export": "200 200 403 403 403 404 302",
    # A new study from a file needs the right to create studies, like studies:create: no persona has it.
    "setup_files:import": "403 403 403 403 403 403 302",
    "setup_files:study": "200 200 403 403 403 404 302",
    # A partial withdrawal after a distress mark (studies/partial_withdrawal_views.py): owners and researchers.
    "studies:apply_cut": "405 405 405 405 405 405 405",
    "studies:audit": "200 403 403 403 403 404 302",
    # Study set-up (studies/setup_views.py): every member reads settings and checklist, owners change them.
    "studies:checklist": "200 200 200 200 200 404 302",
    # The consent editor (studies/consent_setup_views.py): every member reads it, owners and researchers change it.
    "studies:consent_preview": "405 405 405 405 405 405 405",
    "studies:consent_publish": "405 405 405 405 405 405 405",
    "studies:consent_setup": "200 200 200 200 200 404 302",
    # Creating a study needs User.can_create_studies (STUDY_CREATION=allowed, the default): no persona has it.
    "studies:create": "403 403 403 403 403 403 302",
    # Safety set-up (studies/safety_setup_views.py): every member reads it, owners and researchers change it.
    "studies:crisis_resource": "200 200 200 200 200 404 302",
    "studies:crisis_resource_add": "405 405 405 405 405 405 405",
    "studies:crisis_resource_copy": "405 405 405 405 405 405 405",
    "studies:crisis_resource_delete": "405 405 405 405 405 405 405",
    "studies:detail": "200 200 200 200 200 404 302",
    # The distress protocol (studies/distress_protocol_views.py): every member reads it, owners and researchers save.
    "studies:distress_protocol": "200 200 200 200 200 404 302",
    # The distress protocol in a live interview (studies/distress_views.py): owners, researchers and interviewers.
    # The world's event is distress marked in its interview, assessed; its note shows to owners and researchers only.
    "studies:distress_assess": "200 200 200 403 403 404 302",
    "studies:distress_mark": "405 405 405 405 405 405 405",
    "studies:distress_offset": "405 405 405 405 405 405 405",
    "studies:follow_up_done": "405 405 405 405 405 405 405",
    "studies:guide": "200 200 200 200 200 404 302",
    "studies:guide_delete": "405 405 405 405 405 405 405",
    "studies:guide_move": "405 405 405 405 405 405 405",
    "studies:guide_question": "200 200 403 403 403 404 302",
    # Incentives (studies/incentive_views.py): every member reads the plan, owners change it; the ledger, payments
    # and the finance CSV are for owners and researchers.
    "studies:incentive_add": "405 405 405 405 405 405 405",
    "studies:incentive_cancel": "405 405 405 405 405 405 405",
    "studies:incentive_paid": "405 405 405 405 405 405 405",
    "studies:incentive_plan": "200 200 200 200 200 404 302",
    "studies:incentives": "200 200 403 403 403 404 302",
    "studies:incentives_export": "200 200 403 403 403 404 302",
    "studies:interview_done": "405 405 405 405 405 405 405",
    # Time-stamped notes in a live interview (studies/interview_note_views.py): owners, researchers, interviewers.
    "studies:interview_note_delete": "405 405 405 405 405 405 405",
    "studies:interview_notes": "405 405 405 405 405 405 405",
    # Marking a missed interview (studies/no_show_views.py): owners, researchers and interviewers.
    "studies:interview_no_show": "405 405 405 405 405 405 405",
    "studies:interview_start": "405 405 405 405 405 405 405",
    "studies:list": "200 200 200 200 200 200 302",
    # The messages page (studies/message_views.py): every member reads it, owners and researchers word messages,
    # set reminders (a form on the settings page) and send the team's message.
    "studies:messages": "200 200 200 200 200 404 302",
    "studies:participant": "200 200 200 200 200 404 302",
    "studies:participant_data": "200 200 403 403 403 404 302",
    "studies:participants": "200 200 200 200 200 404 302",
    # Questionnaires, questions and rules (studies/question_views.py, rule_views.py): every member reads them,
    # owners and researchers change them; the answers (CSV) are for owners and researchers only.
    "studies:question": "200 200 200 200 200 404 302",
    "studies:question_delete": "405 405 405 405 405 405 405",
    "studies:question_duplicate": "405 405 405 405 405 405 405",
    "studies:question_move": "405 405 405 405 405 405 405",
    "studies:questionnaire": "200 200 200 200 200 404 302",
    "studies:questionnaire_dictionary": "200 200 403 403 403 404 302",
    "studies:questionnaire_export": "200 200 403 403 403 404 302",
    # Importing a questionnaire file and exporting one as an XLSForm (studies/xlsform_views.py): owners, researchers.
    "studies:questionnaire_import": "200 200 403 403 403 404 302",
    "studies:questionnaire_xlsform": "200 200 403 403 403 404 302",
    # The builder (studies/builder_views.py): every member reads sections and tries the preview (it saves nothing);
    # owners and researchers publish, reorder and change sections.
    "studies:questionnaire_preview": "200 200 200 200 200 404 302",
    "studies:questionnaire_publish": "405 405 405 405 405 405 405",
    "studies:questionnaire_reorder": "405 405 405 405 405 405 405",
    "studies:questionnaire_scale": "405 405 405 405 405 405 405",
    "studies:questionnaires": "200 200 200 200 200 404 302",
    "studies:quota_delete": "200 200 403 403 403 404 302",
    "studies:quota_stratum": "200 200 200 200 200 404 302",
    "studies:quotas": "200 200 200 200 200 404 302",
    "studies:reminders": "405 405 405 405 405 405 405",
    "studies:review": "405 405 405 405 405 405 405",
    "studies:rule": "200 200 200 200 200 404 302",
    "studies:rule_delete": "405 405 405 405 405 405 405",
    "studies:safety": "200 200 403 403 403 404 302",
    "studies:safety_contact": "200 200 200 200 200 404 302",
    "studies:safety_contact_add": "405 405 405 405 405 405 405",
    "studies:safety_contact_delete": "405 405 405 405 405 405 405",
    "studies:safety_contact_move": "405 405 405 405 405 405 405",
    "studies:safety_follow_up": "405 405 405 405 405 405 405",
    "studies:section": "200 200 200 200 200 404 302",
    "studies:section_delete": "405 405 405 405 405 405 405",
    "studies:section_move": "405 405 405 405 405 405 405",
    "studies:safety_preview": "200 200 200 200 200 404 302",
    "studies:safety_setup": "200 200 200 200 200 404 302",
    "studies:select": "200 200 403 403 403 404 302",
    "studies:settings": "200 200 200 200 200 404 302",
    # Interview slots (studies/slot_views.py): every member reads them, owners and researchers change them.
    "studies:slot": "200 200 200 200 200 404 302",
    "studies:slots": "200 200 200 200 200 404 302",
    "studies:slots_delete": "405 405 405 405 405 405 405",
    "studies:slots_recurring": "405 405 405 405 405 405 405",
    "studies:status": "405 405 405 405 405 405 405",
    "studies:team": "200 200 200 200 200 404 302",
    "studies:team_invitation_resend": "405 405 405 405 405 405 405",
    "studies:team_message": "405 405 405 405 405 405 405",
    "studies:team_invitation_revoke": "405 405 405 405 405 405 405",
    "studies:team_member_remove": "405 405 405 405 405 405 405",
    "studies:team_member_role": "405 405 405 405 405 405 405",
    "studies:withdraw": "405 405 405 405 405 405 405",
    "transcription:interview": "200 200 200 200 200 404 302",
    "transcription:interview-status": "200 200 200 200 200 404 302",
    "transcription:jobs": "200 200 200 200 200 404 302",
    "transcription:jobs-status": "200 200 200 200 200 404 302",
    "transcription:media": "200 200 200 403 403 404 302",
    "transcription:retranscribe": "405 405 405 405 405 405 405",
    "transcription:retry": "405 405 405 405 405 405 405",
    "transcription:upload-chunk": "200 200 200 403 403 404 302",
    "transcription:upload-finish": "405 405 405 405 405 405 405",
    "transcription:upload-start": "405 405 405 405 405 405 405",
    "voice:answer_skip": "405 405 405 405 405 405 405",
    "voice:answer_upload": "405 405 405 405 405 405 405",
    "voice:answers": "403 403 403 403 403 403 403",
    "voice:answers_done": "405 405 405 405 405 405 405",
    # "I need support" in a voice interview (issue #25): a portal session only, never a team account.
    "voice:support": "403 403 403 403 403 403 403",
    "voice:support_cut": "405 405 405 405 405 405 405",
    "voice:support_open": "405 405 405 405 405 405 405",
    "voice:support_stop": "405 405 405 405 405 405 405",
}
EXPECTED_POST: dict[str, str] = {
    "api_tokens:revoke": "302 404 404 404 404 404 302",
    "checking:answer": "403 403 403 403 403 403 403",
    "checking:comment": "403 403 403 403 403 403 403",
    "coding:adjudication-finish": "302 302 403 403 403 404 302",
    "coding:code_add": "400 400 403 403 403 404 302",
    "coding:code_delete": "302 302 403 403 403 404 302",
    "coding:code_merge": "302 302 403 403 403 404 302",
    "coding:code_move": "302 302 403 403 403 404 302",
    "coding:coding-create": "404 404 403 400 403 404 302",
    "coding:coding-delete": "404 404 403 200 403 404 302",
    "coding:coding-edit": "404 404 403 400 403 404 302",
    "coding:decide": "404 404 403 403 403 404 302",
    "coding:finish": "404 404 403 302 403 404 302",
    "coding:import": "302 302 403 403 403 404 302",
    "coding:memo-create": "404 404 403 400 403 404 302",
    "coding:memo-delete": "404 404 403 200 403 404 302",
    "dashboard:retry": "302 302 302 403 403 404 302",
    "exports:delete": "404 404 403 403 403 404 302",
    "exports:import": "302 302 403 403 403 404 302",
    "exports:import_new_study": "403 403 403 403 403 404 302",  # personas may not create studies
    "exports:start": "302 302 403 403 403 404 302",
    "logout": "302 302 302 302 302 302 302",
    "participate:portal_cancel": "403 403 403 403 403 403 403",
    "participate:portal_cut": "403 403 403 403 403 403 403",
    "participate:portal_new_link": "400 400 400 400 400 400 400",
    "review:approve": "302 302 403 403 403 404 302",
    # Member checking: with no request open, cancelling is refused with a message; an empty form lacks the deadline.
    "review:member-check-cancel": "302 302 403 403 403 404 302",
    "review:member-check-send": "400 400 403 403 403 404 302",
    "review:redaction-decide": "302 302 403 403 403 404 302",
    "review:redaction-mark": "302 302 403 403 403 404 302",
    # Words selected in the editor (JSON): an empty body names no selection (400), nothing is marked.
    "review:redaction-mark-selection": "400 400 403 403 403 404 302",
    "review:restore": "302 302 403 403 403 404 302",
    "review:save": "400 400 403 403 403 404 302",
    # Copying needs the right to create studies too (the owner persona lacks it): refused before the form is read.
    "setup_files:clone": "403 403 403 403 403 404 302",
    # An empty form lacks the confirmation: shown again with the reason (400), nothing changes.
    "studies:apply_cut": "400 400 403 403 403 404 302",
    # An empty text previews as nothing; with no draft there is nothing to publish (a message, back to the page).
    "studies:consent_preview": "200 200 403 403 403 404 302",
    "studies:consent_publish": "302 302 403 403 403 404 302",
    "studies:crisis_resource_add": "400 400 403 403 403 404 302",
    "studies:crisis_resource_copy": "400 400 403 403 403 404 302",
    "studies:crisis_resource_delete": "400 400 403 403 403 404 302",
    # The world's interview is over: starting it or marking distress is refused with a message, nothing changes.
    "studies:distress_mark": "302 302 302 403 403 404 302",
    "studies:distress_offset": "400 400 400 403 403 404 302",
    # The interviewer is the one the world's follow-up was given to: an empty note is refused with a message.
    "studies:follow_up_done": "302 302 302 403 403 404 302",
    "studies:guide_delete": "302 302 403 403 403 404 302",
    "studies:guide_move": "400 400 403 403 403 404 302",
    # An empty form: no line is added, no payment without its date, no cancellation without the tick (400).
    "studies:incentive_add": "400 400 403 403 403 404 302",
    "studies:incentive_cancel": "400 400 403 403 403 404 302",
    "studies:incentive_paid": "400 400 403 403 403 404 302",
    "studies:interview_done": "404 404 404 403 403 404 302",
    # An empty form: no note is named (404), no text written (the form again, 400); nothing changes.
    "studies:interview_note_delete": "404 404 404 403 403 404 302",
    "studies:interview_notes": "400 400 400 403 403 404 302",
    # The world's interview is over: marking it missed is refused with a message, nothing changes.
    "studies:interview_no_show": "302 302 302 403 403 404 302",
    "studies:interview_start": "302 302 302 403 403 404 302",
    # A first POST to delete shows the confirmation step; copying and moving need a key or a direction.
    "studies:question_delete": "200 200 403 403 403 404 302",
    "studies:question_duplicate": "400 400 403 403 403 404 302",
    "studies:question_move": "400 400 403 403 403 404 302",
    # The world's questionnaire is published already (back to the builder); an empty order is refused (400).
    "studies:questionnaire_publish": "302 302 403 403 403 404 302",
    "studies:questionnaire_reorder": "400 400 403 403 403 404 302",
    # An empty form names no scale: the questionnaire page again, with the reason (400).
    "studies:questionnaire_scale": "400 400 403 403 403 404 302",
    # No numbers: the reminder settings are shown again with the reasons (400), nothing changes.
    "studies:reminders": "400 400 403 403 403 404 302",
    "studies:review": "404 404 403 403 403 404 302",
    "studies:rule_delete": "200 200 403 403 403 404 302",
    "studies:safety_contact_add": "400 400 403 403 403 404 302",
    "studies:safety_contact_delete": "400 400 403 403 403 404 302",
    "studies:safety_contact_move": "400 400 403 403 403 404 302",
    "studies:safety_follow_up": "400 400 403 403 403 404 302",
    # A first POST to delete a section shows the confirmation step; moving needs a direction.
    "studies:section_delete": "200 200 403 403 403 404 302",
    "studies:section_move": "400 400 403 403 403 404 302",
    "studies:slots_delete": "400 400 403 403 403 404 302",
    "studies:slots_recurring": "400 400 403 403 403 404 302",
    "studies:status": "400 403 403 403 403 404 302",
    "studies:team_invitation_resend": "400 403 403 403 403 404 302",
    # The world's study has no team message in the person's language: refused with a message, nothing queued.
    "studies:team_message": "302 302 403 403 403 404 302",
    "studies:team_invitation_revoke": "400 403 403 403 403 404 302",
    "studies:team_member_remove": "400 403 403 403 403 404 302",
    "studies:team_member_role": "400 403 403 403 403 404 302",
    "studies:withdraw": "302 302 403 403 403 404 302",
    # The world's transcript is approved: owners and researchers are refused with a message (302), nothing changes.
    "transcription:retranscribe": "302 302 403 403 403 404 302",
    "transcription:retry": "302 302 302 403 403 404 302",
    "transcription:upload-finish": "400 400 400 403 403 404 302",
    "transcription:upload-start": "400 400 400 403 403 404 302",
    "voice:answer_skip": "403 403 403 403 403 403 403",
    "voice:answer_upload": "403 403 403 403 403 403 403",
    "voice:answers_done": "403 403 403 403 403 403 403",
    "voice:support_cut": "403 403 403 403 403 403 403",
    "voice:support_open": "403 403 403 403 403 403 403",
    "voice:support_stop": "403 403 403 403 403 403 403",
}


def routes(
    patterns: list[URLPattern | URLResolver] | None = None,
    prefix: str = "",
    namespace: str = "",
    kwargs: tuple[str, ...] = (),
) -> Iterator[tuple[str, str, list[str]]]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        names = kwargs + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from routes(entry.url_patterns, prefix + str(entry.pattern), inner, names)
        elif entry.name and not (prefix + str(entry.pattern)).startswith(SKIPPED_PREFIXES):
            yield prefix + str(entry.pattern), namespace + entry.name, list(names)


def url_for(name: str, kwargs: list[str], world: World) -> str:
    values = {key: world.ids[key] for key in kwargs if key != "format"}
    return reverse(name, kwargs=values)


# Raw (unredacted, unapproved) transcript text, screening answers (free text and risk items), risk, fraud
# and eligibility reasons, and contact details are for owners and researchers (issue #17). No page may show
# them to anyone else.
RAW_READERS = {"owner", "researcher"}
SCREENING_READERS = {"owner", "researcher"}
CONTACT_READERS = {"owner", "researcher"}
NOTE_READERS = {"owner", "researcher"}
# The interviewer's notes: for the people who run interviews (studies.services.interview_notes.NOTE_ROLES).
INTERVIEW_NOTE_READERS = {"owner", "researcher", "interviewer"}
SCREENING_ANSWERS = {"matrix_story": "Matrix screening story about sleepless nights.", "matrix_risk": "matrix-risk-yes"}
RISK_REASONS = ["matrix_fraud_reason"]
ELIGIBILITY_REASONS = ["matrix eligibility reason"]
SCREENING_TEXT = (*SCREENING_ANSWERS, *SCREENING_ANSWERS.values(), *RISK_REASONS, *ELIGIBILITY_REASONS)


def add_screening_answers(world: World) -> None:
    """Distinctive answers and reasons on the world participant's screening, for the leak check (its review
    stays not needed, so the empty POST to studies:review still changes nothing)."""
    ScreeningResponse.objects.filter(participant=world.ids["participant"]).update(
        answers=SCREENING_ANSWERS,
        eligible=False,
        eligibility_reasons=ELIGIBILITY_REASONS,
        risk_level=ScreeningResponse.Risk.HIGH,
        risk_reasons=RISK_REASONS,
    )


def leaks(world: World, persona: str, body: bytes) -> list[str]:
    found = []
    if persona not in RAW_READERS and RAW_TEXT.encode() in body:
        found.append("raw transcript text")
    if persona not in SCREENING_READERS and any(value.encode() in body for value in SCREENING_TEXT):
        found.append("screening answers or reasons")
    if persona not in CONTACT_READERS and any(value.encode() in body for value in CONTACT):
        found.append("contact details")
    if persona not in NOTE_READERS and DISTRESS_NOTE.encode() in body:
        found.append("a distress assessment note")
    if persona not in INTERVIEW_NOTE_READERS and INTERVIEW_NOTE.encode() in body:
        found.append("an interviewer's note")
    return found


def visit(world: World, name: str, url: str, leaked: dict[str, list[str]]) -> list[int]:
    statuses = []
    for persona in PERSONAS:
        response = world.client(persona).get(url)
        statuses.append(response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        if found := leaks(world, persona, body):
            leaked[f"{name} as {persona}"] = found
    return statuses


def observe(world: World, leaked: dict[str, list[str]]) -> tuple[dict[str, str], dict[str, str]]:
    seen_get: dict[str, str] = {}
    seen_post: dict[str, str] = {}
    for _pattern, name, kwargs in routes():
        if name in seen_get or "format" in kwargs:
            continue
        unknown = [key for key in kwargs if key not in world.ids]
        if unknown:
            seen_get[name] = f"no world object for {unknown}"
            continue
        url = url_for(name, kwargs, world)
        gets = visit(world, name, url, leaked)
        seen_get[name] = " ".join(map(str, gets))
        if set(gets) & {405}:
            posts = [world.client(persona).post(url, {}).status_code for persona in PERSONAS]
            seen_post[name] = " ".join(map(str, posts))
    return seen_get, seen_post


@pytest.mark.slow
@pytest.mark.django_db
def test_every_route_answers_every_persona_as_expected(settings: object, tmp_path: object) -> None:
    world = build_world()
    add_screening_answers(world)
    # An empty section of the screening, for the builder's section routes (empty POSTs there change nothing).
    part = Section.objects.create(questionnaire_id=world.ids["pk"], key="matrix_part", title={"en": "Part"})
    world.ids["section_pk"] = part.pk
    redacted = world.client("coder").get(
        reverse("coding:workspace", args=[world.study.slug, world.ids["assignment_id"]])
    )
    assert "[NAME-1] uses a chatbot at night." in redacted.content.decode(), "the coder works on the redacted text"
    owners_view = world.client("owner").get(reverse("studies:participant", args=[world.study.slug, world.ids["code"]]))
    shown = owners_view.content.decode()
    assert [text for text in (*SCREENING_TEXT, *CONTACT) if text not in shown] == [], (
        "the leak check looks for what owners see"
    )
    safety = world.client("owner").get(reverse("studies:safety", args=[world.study.slug])).content.decode()
    assert DISTRESS_NOTE in safety, "the leak check looks for the note owners see"
    interview_page = reverse("transcription:interview", args=[world.study.slug, world.ids["interview_id"]])
    shown_note = world.client("interviewer").get(interview_page).content.decode()
    assert INTERVIEW_NOTE in shown_note, "the leak check looks for the note interviewers see"
    leaked: dict[str, list[str]] = {}
    seen_get, seen_post = observe(world, leaked)
    if os.environ.get("MATRIX_PRINT"):
        print("\nGET:", *(f'    "{k}": "{v}",' for k, v in sorted(seen_get.items())), sep="\n")
        print("POST:", *(f'    "{k}": "{v}",' for k, v in sorted(seen_post.items())), sep="\n")
    missing = sorted(set(seen_get) - set(EXPECTED_GET)) + sorted(set(seen_post) - set(EXPECTED_POST))
    assert not missing, f"routes without an expectation: {missing}"
    wrong = {name: (EXPECTED_GET[name], got) for name, got in seen_get.items() if EXPECTED_GET[name] != got}
    wrong |= {
        f"POST {name}": (EXPECTED_POST[name], got) for name, got in seen_post.items() if EXPECTED_POST[name] != got
    }
    assert not wrong, f"expected vs got ({' '.join(PERSONAS)}): {wrong}"
    assert not leaked, f"pages that show what the persona may not see: {leaked}"
