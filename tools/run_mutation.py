"""Mutation testing of the safety-critical modules (``make mutation``; not part of ``make test``).

mutmut 3 mutates whole folders and copies them into ``mutants/``; pointing it at single files
breaks the package imports, and ``also_copy`` of a package folder overwrites the mutated file.
So this script copies the tracked tree into a scratch folder, writes a ``[tool.mutmut]`` section
there that mutates the package folders but excludes every module except the targets, runs
mutmut in the scratch copy, and prints killed / survived per target module.

Usage: python tools/run_mutation.py [--keep DIR] [module ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = (
    "bot/flags.py",
    "dialogues/safeguarding.py",
    "bot/engine.py",
    "bot/sender.py",
    "storage/outbox.py",
)
PACKAGES = ("bot", "dialogues", "storage", "content")
# Tests that run `steady` as a subprocess import the code without mutmut's trampolines set up,
# so they fail on every run and can neither kill nor keep a mutant: leave them out.
SUBPROCESS_TESTS = ("tests/e2e/test_crash_restart.py", "tests/e2e/test_poison_and_keys.py",
                    "tests/integration/test_cli.py")
TEST_ARGS = ("tests/unit", "tests/integration", "tests/e2e",
             *(f"--ignore={t}" for t in SUBPROCESS_TESTS), "-p", "no:cacheprovider", "-q")


# mutmut 3.3 reads `item._nodeid`, which pytest 9 renamed; give it back in the scratch copy only.
NODEID_SHIM = """

import _pytest.nodes as _mutmut_nodes

if not hasattr(_mutmut_nodes.Node, "_nodeid"):
    _mutmut_nodes.Node._nodeid = property(lambda self: self.nodeid)  # type: ignore[attr-defined]
"""


def quiet_log_lines(path: Path) -> None:
    """Exclude log calls from mutation: their wording is not behaviour, so every mutant of a
    log string is equivalent. Single-line calls only (a pragma on a continuation line would
    not cover the call)."""
    lines = path.read_text("utf-8").splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("log.") and stripped.endswith(")") and "#" not in stripped:
            lines[i] = line + "  # pragma: no mutate"
    path.write_text("\n".join(lines) + "\n", "utf-8")


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if line]


def mutmut_section(files: list[str], targets: tuple[str, ...]) -> str:
    excluded = sorted(f for f in files
                      if f.endswith(".py") and f.split("/")[0] in PACKAGES and f not in targets)
    lines = ["", "[tool.mutmut]",
             f"paths_to_mutate = {json.dumps([p + '/' for p in PACKAGES])}",
             f"do_not_mutate = {json.dumps(excluded)}",
             f"tests_dir = {json.dumps(list(TEST_ARGS))}", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(TARGETS))
    parser.add_argument("--keep", type=Path, help="scratch folder to use and keep")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    targets = tuple(args.modules)
    unknown = [m for m in targets if not (ROOT / m).is_file()]
    if unknown:
        parser.error(f"no such module: {', '.join(unknown)}")

    scratch = args.keep or Path(tempfile.mkdtemp(prefix="steady-mutation-"))
    files = tracked_files()
    for name in files:
        source = ROOT / name
        if source.is_file():
            (scratch / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, scratch / name)
    for target in targets:
        quiet_log_lines(scratch / target)
    with (scratch / "tests" / "conftest.py").open("a", encoding="utf-8") as conftest:
        conftest.write(NODEID_SHIM)
    pyproject = scratch / "pyproject.toml"
    pyproject.write_text(pyproject.read_text("utf-8") + mutmut_section(files, targets), "utf-8")

    env = {k: v for k, v in os.environ.items() if k != "STEADY_TEST_DATABASE_URL"}
    mutmut = Path(sys.executable).with_name("mutmut")
    subprocess.run([str(mutmut), "run", "--max-children", str(args.max_children)],
                   cwd=scratch, env=env, check=False)
    results = subprocess.run([str(mutmut), "results", "--all", "true"], cwd=scratch, env=env,
                             capture_output=True, text=True, check=False).stdout
    print(summarise(results, targets))
    print(f"(scratch copy kept in {scratch}; `mutmut show NAME` there shows a mutant)")
    return 0


def summarise(results: str, targets: tuple[str, ...]) -> str:
    """Count mutant statuses per target module from `mutmut results --all true`."""
    counts: dict[str, dict[str, int]] = {t: {} for t in targets}
    module_of = {t.removesuffix(".py").replace("/", "."): t for t in targets}
    for line in results.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        module = next((m for m in module_of if name.startswith(m + ".")), None)
        if module is not None:
            bucket = counts[module_of[module]]
            bucket[status] = bucket.get(status, 0) + 1
    rows = []
    for target, bucket in counts.items():
        total = sum(bucket.values())
        killed = bucket.get("killed", 0) + bucket.get("timeout", 0)
        share = f"{100 * killed / total:.0f}%" if total else "-"
        detail = ", ".join(f"{k} {v}" for k, v in sorted(bucket.items()))
        rows.append(f"{target:28} {killed}/{total} killed ({share}): {detail}")
    return "\n".join(rows)


if __name__ == "__main__":
    raise SystemExit(main())
