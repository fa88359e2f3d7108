"""Forms of the team page (studies/team_views.py) and of accepting an invitation (studies/invitation_views.py)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from studies.models import Role, Study, StudyMembership, TeamInvitation
from studies.services.invitations import open_invitations


def member_auto_id(member: object) -> str:
    """Field ids of one member's forms (several on one page): unique, and stable between the page and a refusal."""
    return f"member-{member}-%s" if re.fullmatch(r"[0-9]{1,19}", str(member)) else "member-%s"


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class MemberRoleForm(forms.Form):
    member = forms.ModelChoiceField(queryset=StudyMembership.objects.none(), widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = study.memberships.all()  # type: ignore[attr-defined]


class RemoveMemberForm(forms.Form):
    member = forms.ModelChoiceField(queryset=StudyMembership.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = study.memberships.all()  # type: ignore[attr-defined]


class InvitationActionForm(forms.Form):
    """Names one of the study's open invitations (to resend or revoke it)."""

    invitation = forms.ModelChoiceField(queryset=TeamInvitation.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invitation"].queryset = open_invitations(study)  # type: ignore[attr-defined]


class NewAccountForm(forms.Form):
    """The account of a person joining by invitation: the address is the invitation's, never typed here."""

    display_name = forms.CharField(
        label=_("Your name as the team will see it"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, invitation: TeamInvitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        # In the request's language, so built here and not when the module is imported.
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            # Validated against the account to be, so that a password like the address or the name is refused.
            would_be = User(email=self.invitation.email, display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(first, user=would_be)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
