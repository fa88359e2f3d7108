"""A study's incentive ledger as CSV for the finance office: a row per line (cancelled ones included, so the office
sees what was stopped), by pseudonym. Contact details (name, e-mail) are columns only for owners: the caller says.

Gift-card codes are never in the file. The file starts with a byte-order mark so spreadsheets read it as UTF-8, and
any text cell a spreadsheet would run as a formula is defused (config.spreadsheet).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from config.spreadsheet import defuse_formula
from studies.models import ContactDetails, Incentive, Study

COLUMNS = ("participant", "amount", "currency", "method", "status", "earned_at", "paid_at", "reference")
CONTACT_COLUMNS = ("name", "email")


def _when(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def _row(line: Incentive, contacts: dict[int, ContactDetails] | None) -> list[str]:
    row = [
        line.participant.code,
        f"{line.amount:.2f}",
        line.currency,
        line.method,
        line.status,
        _when(line.earned_at),
        _when(line.paid_at),
        line.reference,
    ]
    if contacts is not None:
        contact = contacts.get(line.participant_id)
        row += [contact.name, contact.email] if contact is not None else ["", ""]
    return [defuse_formula(cell) for cell in row]


def finance_csv(*, study: Study, with_contacts: bool) -> Iterator[bytes]:
    """The CSV in chunks, one line at a time. The caller has checked the role (and `with_contacts` is for owners
    only) and audit-logged the export."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*COLUMNS, *(CONTACT_COLUMNS if with_contacts else ())])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    lines = Incentive.objects.filter(study=study).select_related("participant").order_by("earned_at", "id")
    contacts: dict[int, ContactDetails] | None = None
    if with_contacts:
        # Decrypted in Python (encrypted columns cannot be joined on their text): one query for the study's people.
        people = ContactDetails.objects.filter(participant__incentives__study=study).distinct()
        contacts = {contact.participant_id: contact for contact in people}
    for line in lines.iterator(chunk_size=500):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_row(line, contacts))
        yield buffer.getvalue().encode()
