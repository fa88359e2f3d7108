"""The documents stay for readers: README.md (a research team's front door) at most 250 lines and starting with the
two commands, ARCHITECTURE.md at most 300 lines, and each names only files that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lines(name: str) -> list[str]:
    return (ROOT / name).read_text(encoding="utf-8").splitlines()


def test_the_readme_is_short_and_starts_with_the_two_commands() -> None:
    readme = lines("README.md")
    assert len(readme) <= 250
    commands = [line.split("#")[0].strip() for line in readme if line.startswith("bash scripts/")]
    assert commands[:2] == ["bash scripts/run.sh", "bash scripts/test.sh"]
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_architecture_is_short_and_names_only_files_that_exist() -> None:
    architecture = lines("ARCHITECTURE.md")
    assert len(architecture) <= 300
    named = set(re.findall(r"`((?:[a-z_]+/)+[a-z_]+\.(?:py|js|md|toml|yaml))`", "\n".join(architecture)))
    assert named, "the check found no file names to look at"
    assert sorted(path for path in named if not (ROOT / path).exists()) == []
