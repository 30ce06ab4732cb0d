"""Mutation testing of the safety-critical modules (``make mutation``; not part of ``make test``).

mutmut 3 mutates whole folders and copies them into ``mutants/``; pointing it at single files
breaks the package imports, and ``also_copy`` of a package folder overwrites the mutated file.
So this script copies the tracked tree into a scratch folder, writes a ``[tool.mutmut]`` section
there that mutates the package folders but excludes every module except the targets, runs
mutmut in the scratch copy, and prints killed / survived per target module.

Usage: python tools/run_mutation.py [--keep DIR] [--tests PATH ...] [--mutants FILE] [module ...]

``--tests`` runs only the named test files or folders against the mutants. A score from a
subset is a lower bound of the whole suite's (fewer tests can only kill fewer mutants), and
it makes a module whose functions every test reaches (the engine, the sender) affordable.

``--mutants FILE`` runs only the mutants named in FILE (one per line, as mutmut names
them): the survivors of an earlier run, against tests written since. The figure printed
is then for those mutants only.
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
# mutmut's forced-fail run fails tests mid-way, leaving connections that are collected at
# exit; pytest's unraisable-exception check then crashed mutmut itself (warnings are errors).
# Without that plugin a leak can no longer kill a mutant: a lower score, never a higher one.
PYTEST_FLAGS = ("-p", "no:cacheprovider", "-p", "no:unraisableexception", "-q")
TEST_ARGS = ("tests/unit", "tests/integration", "tests/e2e",
             *(f"--ignore={t}" for t in SUBPROCESS_TESTS), *PYTEST_FLAGS)


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


def mutmut_section(files: list[str], targets: tuple[str, ...],
                   test_args: tuple[str, ...] = TEST_ARGS) -> str:
    excluded = sorted(f for f in files
                      if f.endswith(".py") and f.split("/")[0] in PACKAGES and f not in targets)
    lines = ["", "[tool.mutmut]",
             f"paths_to_mutate = {json.dumps([p + '/' for p in PACKAGES])}",
             f"do_not_mutate = {json.dumps(excluded)}",
             f"tests_dir = {json.dumps(list(test_args))}", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(TARGETS))
    parser.add_argument("--keep", type=Path, help="scratch folder to use and keep")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--tests", nargs="+", help="test files or folders to run (a subset)")
    parser.add_argument("--mutants", type=Path, help="a file naming the only mutants to run")
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
    test_args = TEST_ARGS
    if args.tests:
        test_args = (*args.tests, *PYTEST_FLAGS)
    pyproject.write_text(pyproject.read_text("utf-8") + mutmut_section(files, targets, test_args),
                         "utf-8")

    env = {k: v for k, v in os.environ.items() if k != "STEADY_TEST_DATABASE_URL"}
    # Our own pytest temp root: other pytest runs on the machine prune /tmp/pytest-of-<user>.
    env["PYTEST_DEBUG_TEMPROOT"] = str(scratch / ".pytest-tmp")
    (scratch / ".pytest-tmp").mkdir(exist_ok=True)
    mutmut = Path(sys.executable).with_name("mutmut")
    only = ([line.strip() for line in args.mutants.read_text("utf-8").splitlines()
             if line.strip()] if args.mutants else [])
    run_mutmut(["run", "--max-children", str(args.max_children), *only], scratch, env)
    results = mutmut_results(mutmut, scratch, env)
    if only:
        results = [(name, status) for name, status in results if name in set(only)]
    # A survivor or timeout of the parallel run is run again on its own before it counts:
    # under load the parallel run reported mutants as surviving that their tests kill.
    recheck = [name for name, status in results if status in ("survived", "timeout")
               and any(name.startswith(module_name(t) + ".") for t in targets)]
    # A named run may leave the mutants it was not given "not checked" in mutmut's own
    # records (seen on 3.3.1), so the first pass's results are kept and only the rechecked
    # names are taken from each later listing.
    final = dict(results)
    for start in range(0, len(recheck), 40):
        batch = recheck[start:start + 40]
        run_mutmut(["run", "--max-children", str(args.max_children), *batch], scratch, env)
        again = dict(mutmut_results(mutmut, scratch, env))
        final.update({name: again.get(name, final[name]) for name in batch})
    results = list(final.items())
    print(summarise("\n".join(f"{n}: {s}" for n, s in results), targets))
    survivors = [n for n, s in results if s == "survived"]
    if survivors:
        print("survivors (mutmut show NAME in the scratch copy):", *survivors, sep="\n  ")
    print(f"(scratch copy kept in {scratch}; `mutmut show NAME` there shows a mutant)")
    return 0


# mutmut 3.3.1's wall-clock timeout compares every running child with the estimate of
# whichever mutant its loop is at (often one with a single quick test), so slow but honest
# runs were killed as "timeout" and counted as caught. This replacement gives each child
# its own mutant's estimate, with room for a loaded machine.
FIXED_TIMEOUT = """
import os, signal, sys
from datetime import datetime
from time import sleep
import mutmut.__main__ as mm

def timeout_checker(mutants):
    def check():
        while True:
            sleep(1)
            now = datetime.now()
            for m in {id(m): m for m, _, _ in mutants}.values():
                with mm.START_TIMES_BY_PID_LOCK:
                    started = dict(m.start_time_by_pid)
                for pid, start in started.items():
                    key = m.key_by_pid.get(pid)
                    estimate = m.estimated_time_of_tests_by_mutant.get(key, 0.0)
                    if (now - start).total_seconds() > (estimate + 5) * 30:
                        try:
                            os.kill(pid, signal.SIGXCPU)
                        except ProcessLookupError:
                            pass
    return check

mm.timeout_checker = timeout_checker
# A mutant that makes the test process die by a signal (os.kill(pid, 0) mutated to
# os.kill(pid, 1) hangs up on itself) was caught; mutmut 3.3.1 has no status for it and
# crashes on the exit code.
for number in range(1, 65):
    mm.status_by_exit_code.setdefault(-number, "killed")
sys.argv = ["mutmut", *sys.argv[1:]]
mm.cli()
"""


def run_mutmut(arguments: list[str], scratch: Path, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-c", FIXED_TIMEOUT, *arguments], cwd=scratch, env=env,
                   check=False)


def mutmut_results(mutmut: Path, scratch: Path, env: dict[str, str]) -> list[tuple[str, str]]:
    del mutmut  # through the wrapper, which knows the extra exit codes
    out = subprocess.run([sys.executable, "-c", FIXED_TIMEOUT, "results", "--all", "true"],
                         cwd=scratch, env=env, capture_output=True, text=True,
                         check=False).stdout
    pairs = []
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            pairs.append((name, status))
    return pairs


def module_name(target: str) -> str:
    return target.removesuffix(".py").replace("/", ".")


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
        # A mutant that hangs its tests even run alone and with room to spare is caught.
        killed = bucket.get("killed", 0) + bucket.get("timeout", 0)
        share = f"{100 * killed / total:.0f}%" if total else "-"
        detail = ", ".join(f"{k} {v}" for k, v in sorted(bucket.items()))
        rows.append(f"{target:28} {killed}/{total} killed ({share}): {detail}")
    return "\n".join(rows)


if __name__ == "__main__":
    raise SystemExit(main())
