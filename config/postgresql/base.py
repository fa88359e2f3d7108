"""Django's PostgreSQL backend, with a health check that a busy connection skips and prepared statements for the
few fixed queries every API request makes.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every request, so that a persistent
connection that died while it sat idle (the database restarted, a firewall dropped it) is replaced instead of
failing the request. On the API's busiest endpoint that round trip cost about 5% of the request.

Here a connection that ended a request less than `TRUSTED_FOR` seconds ago, with no error left on it,
goes without the check; one idle for longer is checked as before. The price: should the database restart in that
second, the next request on such a connection fails once, as a request in flight during the restart would anyway,
and Django replaces the connection after it.

`prepared_cursor()` is for the hand-written SQL of `config.sqlrows` (a token with its user and membership, the
transcripts page): its statements bind their parameters on the server, and psycopg prepares each one on the
connection the second time it runs, so PostgreSQL parses and plans it once per connection instead of once per
request (planning the four-table page had cost more than running it). Every other query keeps Django's
client-side binding, which never prepares. Behind a pooler in transaction mode, use one that keeps prepared
statements per client (PgBouncer 1.21 or later with `max_prepared_statements`) or set `DB_PREPARE_THRESHOLD=`
empty.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.utils.asyncio import async_unsafe
from psycopg import adapters
from psycopg.pq import Format

TIMESTAMPTZ_OID = adapters.types["timestamptz"].oid

TRUSTED_FOR = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    clock = staticmethod(time.monotonic)
    _used = False  # queries ran since the last request boundary
    _healthy_at: float | None = None  # when a request that used the connection ended with it intact
    _server_binding = False  # the next cursor binds on the server (prepared_cursor)

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

    @async_unsafe
    def prepared_cursor(self) -> Any:
        """A cursor like `cursor()`, whose statements are prepared once per connection (see the module)."""
        self._server_binding = True
        try:
            return self._cursor()  # type: ignore[attr-defined]  # cursor() less its async guard (django-stubs lacks it)
        finally:
            self._server_binding = False

    def create_cursor(self, name: str | None = None) -> Any:
        if not self._server_binding or name:
            return super().create_cursor(name)
        cursor = base.ServerBindingCursor(self.connection)  # type: ignore[call-arg]  # a psycopg Cursor
        tzloader = self.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if self.timezone != tzloader.timezone:  # as Django's create_cursor does
            register_tzloader(self.timezone, cursor)
        return cursor

    def close(self) -> None:
        super().close()
        self._healthy_at = None
