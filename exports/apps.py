from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = "Exports"

    def ready(self) -> None:
        # studies sits below exports and may not import it: a delete-everything withdrawal reaches the archives
        # through the hook registered here.
        from exports.services.removal import erase_exports_holding
        from studies.services.withdrawal import register_erasure_hook

        register_erasure_hook(erase_exports_holding)
