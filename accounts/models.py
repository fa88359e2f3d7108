"""Research-team accounts. Participants never have one: they use signed magic links."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device


class TimeStampedModel(models.Model):
    """The one abstract timestamped base of the project."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        # Email addresses are stored lower-cased; signing in must not depend on how one types them.
        return self.get(email__iexact=(username or "").strip())

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


# The stubs cannot see django-otp's Device (untyped), so they cannot name the reverse manager of its user field.
class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]
    """A member of a research team; the email address is the login."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # IANA time zone in which this person enters and reads times (slots, interviews); empty means UTC.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    # May create studies when STUDY_CREATION is "allowed" (granted by an operator: manage.py create_operator).
    can_create_studies = models.BooleanField(_("may create studies"), default=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.email


class AuditEntry(models.Model):
    """One line of the append-only audit trail (accounts.audit).

    `record_event` inserts it unsealed; the sealer later gives it its place in the chain (`seal_seq`, 1, 2, 3, ...
    with no gaps), the hash of the entry before it and its own keyed hash, and the id of the key (AUDIT_HMAC_KEYS)
    that made it. Entries sealed before keys existed have an empty `key_id` and an unkeyed hash.

    Holds ids and action names only: never participant data, transcript text or contact details.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=80)
    action = models.CharField(max_length=80, db_index=True)
    study_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    seal_seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    key_id = models.CharField(max_length=16, blank=True, editable=False)
    previous_hash = models.CharField(max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ("id",)
        verbose_name_plural = "audit entries"
        constraints = (
            models.CheckConstraint(
                condition=models.Q(seal_seq=None, key_id="", previous_hash="", entry_hash="")
                | (models.Q(seal_seq__gte=1) & ~models.Q(previous_hash="") & ~models.Q(entry_hash="")),
                name="audit_entry_sealed_whole_or_not_at_all",
            ),
        )
        # The sealer's question, "which entries wait?", stays a small index scan however long the trail grows.
        indexes = (models.Index(fields=("id",), condition=models.Q(seal_seq=None), name="audit_entry_unsealed"),)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"


class AuditSealLock(models.Model):
    """The one row the audit sealer locks (SELECT ... FOR UPDATE) for its transaction: one sealer at a time.

    It holds nothing else: the chain's head is its highest sealed entry, read once the lock is held.
    """

    class Meta:
        constraints = (models.CheckConstraint(condition=models.Q(id=1), name="audit_seal_lock_is_one_row"),)

    def __str__(self) -> str:
        return "audit seal lock"


class ApiToken(TimeStampedModel):
    """A personal API token for scripts: shown once, stored as a SHA-256 hash, limited to chosen studies."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # The public part of the token, to find it without scanning; the secret part is only hashed.
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    read_only = models.BooleanField(_("read-only"), default=True)
    studies = models.ManyToManyField("studies.Study", related_name="+", verbose_name=_("studies"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def recovery_digest(code: str) -> str:
    """The keyed hash a recovery code is stored as; spaces, dashes and case do not matter when typed."""
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())
    return salted_hmac("accounts.recovery-code", normalized, algorithm="sha256").hexdigest()


class RecoveryCodeDevice(Device):
    """A person's set of one-time recovery codes, as a django-otp device, so that spending one verifies a session.

    The codes themselves are never stored, only their keyed hashes (`recovery_digest`).
    """

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")

    def verify_token(self, token: Any) -> bool:
        # A conditional update spends the code: two requests racing with one code cannot both succeed.
        spent = RecoveryCode.objects.filter(device=self, digest=recovery_digest(str(token)), used_at=None).update(
            used_at=timezone.now()
        )
        return spent == 1

    def remaining(self) -> int:
        return self.codes.filter(used_at=None).count()


class RecoveryCode(models.Model):
    """One recovery code, by its keyed hash; `used_at` is set once, when it is spent."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (models.UniqueConstraint(fields=("device", "digest"), name="recovery_code_unique_per_device"),)

    def __str__(self) -> str:
        return f"recovery code {self.pk}"
