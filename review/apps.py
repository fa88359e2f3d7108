from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Transcript review"

    def ready(self) -> None:
        # studies sits below review and may not import it: a delete-everything withdrawal and a partial withdrawal
        # after a distress mark reach redaction marks and the tag table through the hooks registered here; member
        # checking adds its e-mail's wording, its portal section and the cancelling of a withdrawn person's checks.
        from review.member_checks import portal_panels
        from review.services.approval import register_approval_hook
        from review.services.erasure import forget_after_cut, forget_tags_of_erased
        from review.services.member_check import cancel_checks_of_withdrawn
        from review.services.member_check_mail import compose_member_check
        from review.services.search_index import reindex_after_cut, reindex_approved
        from studies.models import OutboxMessage
        from studies.services.emails import register_composer
        from studies.services.partial_withdrawal import register_cut_hook
        from studies.services.portal_panels import register_portal_panels
        from studies.services.withdrawal import register_erasure_hook, register_withdrawal_hook

        # Search rows follow the versions each audience reads (review.services.search_index).
        register_approval_hook(reindex_approved)
        register_cut_hook(reindex_after_cut)
        register_erasure_hook(forget_tags_of_erased)
        register_cut_hook(forget_after_cut)
        register_withdrawal_hook(cancel_checks_of_withdrawn)
        register_composer(OutboxMessage.Kind.MEMBER_CHECK, compose_member_check)
        register_portal_panels(portal_panels)
