"""The de-identification keep list travels with a study's set-up file, and a wrong one is named by its path."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from review.services.identifiers import KEEP_TERM_MAX_LENGTH
from seeds.setup.export import export_setup
from seeds.setup.importing import import_setup
from seeds.setup.validate import validate_setup
from seeds.tests.test_setup_file import small_setup
from studies.models import Study


@pytest.fixture
def someone(db: None) -> User:
    return User.objects.create_user(email="keep-list-owner@example.org", password=None)


def test_a_studys_own_keep_list_and_its_country_choice_travel_with_the_setup(someone: User) -> None:
    data = small_setup()
    data["study"].update(deid_keep_terms=["ChatGPT", "  Mind   Garden "], deid_keep_countries=False)

    study = import_setup(data=data, owner=someone, title="", slug="")

    assert (study.deid_keep_terms, study.deid_keep_countries) == (["ChatGPT", "Mind Garden"], False)
    exported = export_setup(study=study)["study"]
    assert (exported["deid_keep_terms"], exported["deid_keep_countries"]) == (["ChatGPT", "Mind Garden"], False)


def test_a_study_on_the_platforms_keep_list_exports_none_and_keeps_it_on_import(someone: User) -> None:
    study = import_setup(data=small_setup(), owner=someone, title="", slug="")

    assert (study.deid_keep_terms, study.deid_keep_countries) == (None, True)
    assert "deid_keep_terms" not in export_setup(study=study)["study"]
    assert "deid_keep_countries" not in export_setup(study=study)["study"]


def test_a_wrong_keep_list_is_named_by_path_and_creates_nothing(someone: User) -> None:
    data: dict[str, Any] = small_setup()
    data["study"].update(deid_keep_terms=["ChatGPT", "x" * (KEEP_TERM_MAX_LENGTH + 1)], deid_keep_countries="no")

    problems = validate_setup(data)

    assert any(p.startswith("study.deid_keep_terms[1]: ") for p in problems)
    assert any(p.startswith("study.deid_keep_countries: ") for p in problems)
    assert not Study.objects.exists()
