from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Transcript review"

    def ready(self) -> None:
        # studies sits below review and may not import it: a delete-everything withdrawal and a partial withdrawal
        # after a distress mark reach redaction marks and the tag table through the hooks registered here.
        from review.services.erasure import forget_after_cut, forget_tags_of_erased
        from studies.services.partial_withdrawal import register_cut_hook
        from studies.services.withdrawal import register_erasure_hook

        register_erasure_hook(forget_tags_of_erased)
        register_cut_hook(forget_after_cut)
