from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "coding"
    verbose_name = "Coding"

    def ready(self) -> None:
        # review sits below coding and may not import it: an approved transcript version enters the coding queue
        # through the hook registered here.
        from coding.services.queue import enqueue_approved_version
        from review.services.approval import register_approval_hook

        register_approval_hook(enqueue_approved_version)
