"""Read-mostly admin for support: codebook changes go through coding.services so that each makes a version."""

from django.contrib import admin

from coding.models import Code, CodebookVersion, Coding, CodingAssignment


@admin.register(Code)
class CodeAdmin(admin.ModelAdmin):
    list_display = ("name", "study", "parent", "is_codable", "colour", "guid")
    list_filter = ("is_codable",)
    search_fields = ("name", "guid")
    readonly_fields = ("guid", "study", "parent", "position", "created_at", "updated_at")


@admin.register(CodebookVersion)
class CodebookVersionAdmin(admin.ModelAdmin):
    list_display = ("study", "number", "change", "created_by", "created_at")
    readonly_fields = ("study", "number", "change", "snapshot", "created_by", "created_at")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Coding)
class CodingAdmin(admin.ModelAdmin):
    # Support staff see ids and offsets, not the coded words: those are research data behind study roles.
    list_display = ("id", "code", "coder", "transcript_version", "start", "end", "created_at")
    fields = ("guid", "code", "coder", "transcript_version", "start", "end", "codebook_version", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(CodingAssignment)
class CodingAssignmentAdmin(admin.ModelAdmin):
    list_display = ("transcript", "coder", "status", "started_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("transcript", "transcript_version", "coder", "started_at", "finished_at")
