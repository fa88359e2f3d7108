"""Project package: settings, root URLs, the Celery app (the design card's `platform/`)."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
