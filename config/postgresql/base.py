"""Django's PostgreSQL backend, with a health check that a busy connection skips.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every request, so that a persistent
connection that died while it sat idle (the database restarted, a firewall dropped it) is replaced instead of
failing the request. On the API's busiest endpoint that round trip cost about 5% of the request.

Here a connection that ended a request (or a task) less than `TRUSTED_FOR` seconds ago, with no error left on it,
goes without the check; one idle for longer is checked as before. The price: should the database restart in that
second, the next request on such a connection fails once, as a request in flight during the restart would anyway,
and Django replaces the connection after it.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

TRUSTED_FOR = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    clock = staticmethod(time.monotonic)
    _used = False  # queries ran since the last request boundary
    _healthy_at: float | None = None  # when a request that used the connection ended with it intact

    def close_if_health_check_failed(self) -> None:  # before every cursor
        self._used = True
        healthy_at = self._healthy_at
        if healthy_at is not None and self.clock() - healthy_at < TRUSTED_FOR:
            self.health_check_done: bool = True
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self) -> None:  # as each request starts and ends (Django's signals)
        used, self._used = self._used, False
        super().close_if_unusable_or_obsolete()
        # At a request's start nothing has used the connection since the last boundary, so an idle connection
        # keeps its old time; at its end, a connection still open had no error (or passed Django's check).
        if self.connection is None:
            self._healthy_at = None
        elif used:
            self._healthy_at = self.clock()

    def close(self) -> None:
        super().close()
        self._healthy_at = None
