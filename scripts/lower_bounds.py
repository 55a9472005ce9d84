"""Print pip constraints that pin every dependency in pyproject.toml to its lower bound.

    python scripts/lower_bounds.py [EXTRA ...] > constraints.txt
    pip install -c constraints.txt -e '.[EXTRA,...]'

This is a "lowest-direct" resolution done with pip alone: igviz's own dependencies (and those of
the extras named) are held at the lowest version pyproject.toml allows, everything they pull in
resolves as usual. The bounds are read from pyproject.toml each time, so a dependency added or
raised there is tested at its floor without editing anything else. A dependency with no lower
bound is refused: its floor could not be tested. Standard library only (tomllib, Python 3.11), so
any interpreter igviz supports can run it before anything is installed.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
# PEP 508 without URLs, which is all pyproject.toml uses: name, optional [extras], specifiers, optional ; marker.
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*$")
SPECIFIER = re.compile(r"^\s*(~=|==|!=|<=|>=|<|>|===)\s*([^\s,]+)\s*$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def version_key(version: str) -> tuple:
    # Enough to compare release numbers such as 2.2 and 2.2.2 (the bounds carry no pre-releases).
    return tuple(int(part) if part.isdigit() else 0 for part in re.split(r"[.+-]", version))


def lower_bound(requirement: str, where: str) -> tuple[str, str, str]:
    """(canonical name, lowest allowed version, marker) of one requirement string."""
    text, _, marker = requirement.partition(";")
    match = REQUIREMENT.match(text)
    if not match:
        raise SystemExit(f"{PYPROJECT}: {where}: cannot read the requirement {requirement!r}")
    name, _extras, specifiers = match.groups()
    bounds = []
    for spec in filter(None, (s.strip() for s in specifiers.strip("()").split(","))):
        found = SPECIFIER.match(spec)
        if not found:
            raise SystemExit(f"{PYPROJECT}: {where}: cannot read the version specifier {spec!r} of {name}")
        operator, version = found.groups()
        if operator in (">=", "~=", "==", "==="):
            bounds.append(version.removesuffix(".*"))
    if not bounds:
        raise SystemExit(f"{PYPROJECT}: {where}: {requirement!r} has no lower bound (>=, ~= or ==); "
                         "give it one so that the lowest-bounds test can install and test it")
    return canonical(name), max(bounds, key=version_key), marker.strip()


def constraints(extras: list[str]) -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    unknown = [e for e in extras if e not in optional]
    if unknown:
        raise SystemExit(f"{PYPROJECT}: no optional dependencies named {', '.join(unknown)} "
                         f"(there are: {', '.join(optional) or 'none'})")
    requirements = [(r, "[project] dependencies") for r in project.get("dependencies", [])]
    for extra in extras:
        requirements += [(r, f"optional-dependencies.{extra}") for r in optional[extra]]
    pins: dict[tuple[str, str], str] = {}
    for requirement, where in requirements:
        name, version, marker = lower_bound(requirement, where)
        if name == canonical(project["name"]):
            continue  # an extra that pulls in another extra of igviz itself
        # The same package in two places (psycopg in [test] and [postgres]): the higher floor holds.
        key = (name, marker)
        if key not in pins or version_key(version) > version_key(pins[key]):
            pins[key] = version
    return [f"{name}=={version}" + (f"; {marker}" if marker else "") for (name, marker), version in sorted(pins.items())]


if __name__ == "__main__":
    lines = constraints(sys.argv[1:])
    print(f"# Lower bounds from {PYPROJECT.name}" + (f" with [{','.join(sys.argv[1:])}]" if sys.argv[1:] else ""))
    print("\n".join(lines))
