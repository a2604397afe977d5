"""The build is reproducible: every dependency is pinned with hashes in the lock files, the pins satisfy
pyproject.toml, and the installed version is the one the package and the command line say."""

import subprocess
import sys
import tomllib
from importlib import metadata

from packaging.requirements import Requirement

import boxlocale

from .conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def locked(path):
    """{name: (version, hashes)} of a lock file written by ``uv pip compile --generate-hashes``."""
    pins, name = {}, None
    for line in path.read_text().splitlines():
        text = line.strip().rstrip("\\").strip()
        if line[:1].isalnum():
            requirement = Requirement(text)
            name = requirement.name.lower().replace("_", "-")
            pins[name] = (str(requirement.specifier).removeprefix("=="), [])
        elif text.startswith("--hash=sha256:") and name:
            pins[name][1].append(text.removeprefix("--hash=sha256:"))
    return pins


def _check_lock(lock, requirements):
    pins = locked(ROOT / lock)
    assert pins and all(len(hashes) >= 1 for _version, hashes in pins.values()), f"{lock}: a pin has no hash"
    for text in requirements:
        requirement = Requirement(text)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is in pyproject.toml but not in {lock}: re-lock (docs/DEVELOPING.md)"
        assert requirement.specifier.contains(pins[name][0]), f"{lock} pins {name} {pins[name][0]}: re-lock"


def test_the_box_lock_pins_every_runtime_dependency_with_hashes():
    _check_lock("requirements.txt", PYPROJECT["project"]["dependencies"])


def test_the_test_lock_pins_the_runtime_and_test_dependencies_with_hashes():
    _check_lock("requirements-test.txt",
                PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["test"])


def test_the_runtime_lock_is_the_test_lock_without_the_test_tools():
    # The Pi installs requirements.txt: the same versions the suite ran with.
    box, test = locked(ROOT / "requirements.txt"), locked(ROOT / "requirements-test.txt")
    assert {name: pin[0] for name, pin in box.items()} == {name: test[name][0] for name in box}


def test_one_version_number_for_the_package_its_metadata_and_the_command_line():
    assert metadata.version("boxlocale") == boxlocale.__version__
    shown = subprocess.run([sys.executable, "-m", "boxlocale", "--version"], capture_output=True, text=True)
    assert shown.stdout.strip() == f"boxlocale {boxlocale.__version__}"
