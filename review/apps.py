from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Transcript review"

    def ready(self) -> None:
        # studies sits below review and may not import it: a delete-everything withdrawal reaches the tag table
        # through the hook registered here.
        from review.services.erasure import forget_tags_of_erased
        from studies.services.withdrawal import register_erasure_hook

        register_erasure_hook(forget_tags_of_erased)
