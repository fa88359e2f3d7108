"""Admin for studies: the team, questionnaires with questions and rules, quotas, slots, consent versions,
crisis resources. No participant data: screening answers and contact details are research data behind study roles,
on the study's own (audited) pages."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from studies.models import (
    ConsentDocument,
    CrisisResource,
    EligibilityRule,
    Question,
    Questionnaire,
    Slot,
    Stratum,
    Study,
    StudyMembership,
)
from studies.services.consent_setup import ConsentSetupError, publish_consent_draft


class MembershipInline(admin.TabularInline):
    model = StudyMembership
    extra = 0
    autocomplete_fields = ("user",)


class StratumInline(admin.TabularInline):
    model = Stratum
    extra = 0


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "status", "target_sample_size")
    list_filter = ("status",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    inlines = (MembershipInline, StratumInline)


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = (
        ("position", "key", "kind", "required"),
        "text",
        "help_text",
        "choices",
        ("min_value", "max_value"),
        ("conditions", "condition_match"),
        ("is_risk_item", "risk_values"),
        ("is_attention_check", "attention_answer"),
    )


class RuleInline(admin.TabularInline):
    model = EligibilityRule
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ("study", "kind", "min_completion_seconds")
    list_filter = ("kind",)
    inlines = (QuestionInline, RuleInline)


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ("study", "start", "duration_minutes", "mode", "interviewer")
    list_filter = ("study", "mode")


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):
    list_display = ("study", "language", "version", "title", "published_at")
    list_filter = ("language",)
    readonly_fields = ("published_at",)
    actions = ("publish",)

    @admin.action(description="Publish in every study language, and ask people not yet interviewed to re-consent")
    def publish(self, request: HttpRequest, queryset: QuerySet[ConsentDocument]) -> None:
        # The same service as the study's consent page: the whole version at once, refused while a text is missing.
        drafts = queryset.filter(published_at__isnull=True).select_related("study")
        for study, version in {(document.study, document.version) for document in drafts}:
            try:
                asked = publish_consent_draft(study=study, version=version, request=request)
            except ConsentSetupError as error:
                self.message_user(request, f"{study.slug} v{version}: {error}", level=messages.ERROR)
            else:
                self.message_user(request, f"{study.slug} v{version} published; {asked} asked to re-consent.")


@admin.register(CrisisResource)
class CrisisResourceAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "language", "phone", "position")
    list_filter = ("country",)
    search_fields = ("name", "country")
