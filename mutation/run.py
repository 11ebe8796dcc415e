"""`make mutate`: break the code that keeps the README's promises, one change at a time, and see
whether the tests notice.

Runs mutmut (mutation/lean.py) over the functions plan.toml names (a fresh run each time:
mutants/ is made anew),
then prints, per module, how many mutants the tests killed, every survivor with its change,
and last `mutation score: K/N killed (P %)`. Mutants listed in equivalent.toml (no test can
tell them apart) are not run (`--run-equivalents` runs them) and are left out of N. Exits
non-zero below 90 %, or when mutmut fails.

    .venv/bin/python -m mutation.run [--keep] [--only jobs/delivery.py ...] [--max-children N]
                                     [--run-equivalents] [--report]

`--keep` reuses the mutants/ folder and mutmut's record of which test reaches which function
(quicker while writing tests; the record does not see a test that changed); `--report` only
reports the last run again (after equivalent.toml changed, say).
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field

from mutation.lean import TRUST_STATS
from mutation.plan import (
    ROOT,
    RUN_EQUIVALENTS,
    Equivalent,
    Module,
    change_of,
    load,
    load_equivalents,
    split_mutant,
)
from mutation.scope import CAUGHT, KILLERS, caught_before

THRESHOLD = 90.0
# mutmut's exit codes of a mutant's test run, as `mutmut results` names them.
KILLED = {1: "killed", 3: "killed", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout",
          36: "timeout", -9: "killed by a signal", -11: "killed by a signal"}  # fmt: skip
NOT_KILLED = {0: "survived", 5: "no tests", 33: "no tests", None: "not checked"}


@dataclass
class Tally:
    killed: int = 0
    survivors: list[tuple[str, str]] = field(default_factory=list)  # (mutant, its change)
    equivalent: list[str] = field(default_factory=list)

    @property
    def judged(self) -> int:
        return self.killed + len(self.survivors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="reuse mutants/ and its stats")
    parser.add_argument(
        "--report", action="store_true", help="only report the last run (after equivalent.toml)"
    )
    parser.add_argument("--only", nargs="+", metavar="PATH", help="only these modules")
    # Two children per core: a mutant's tests spend half their time waiting on the sandbox's
    # clocks (paced sends, held requests), and the suite passes on a machine loaded twice over.
    parser.add_argument("--max-children", type=int, default=2 * (os.cpu_count() or 2))
    parser.add_argument(
        "--run-equivalents",
        action="store_true",
        help="run equivalent.toml's mutants too (to see that none has become killable)",
    )
    args = parser.parse_args()
    os.chdir(ROOT)
    modules = load()
    if args.only:
        unknown = set(args.only) - {module.path for module in modules}
        if unknown:
            parser.error(f"not in plan.toml: {', '.join(sorted(unknown))}")
        modules = [module for module in modules if module.path in args.only]
    check_selection(modules)
    if args.report:
        return report(modules, load_equivalents(), 0.0)
    if not args.keep:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        os.environ[TRUST_STATS] = "1"  # a fresh stats run: mutmut's clean run would repeat it
    if args.run_equivalents:
        os.environ[RUN_EQUIVALENTS] = "1"
    started = time.monotonic()
    globs = [glob for module in modules for glob in module.globs()]
    lean = [sys.executable, "-m", "mutation.lean"]  # mutmut, less the dropped arguments
    command = [*lean, "run", "--max-children", str(args.max_children), *globs]
    code = subprocess.run(command, check=False).returncode
    if code != 0:
        print(f"mutmut failed (exit status {code}, above); no score")
        return 2
    minutes = (time.monotonic() - started) / 60
    remember_catches()
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"\nCPU time of mutmut and its children: {(used.ru_utime + used.ru_stime) / 60:.1f} min")
    return report(modules, load_equivalents(), minutes)


def remember_catches() -> None:
    """mutation/caught.tsv: each mutant killed in this run, with the first test that failed
    for it (kept from the last run for mutants this run did not kill). mutation/scope.py
    tries that test first next time: most mutants then cost one test."""
    caught = caught_before()
    fresh: dict[str, str] = {}
    with contextlib.suppress(FileNotFoundError):
        for line in (ROOT / "mutants" / KILLERS).read_text(encoding="utf-8").splitlines():
            key, _, test = line.partition("\t")
            fresh.setdefault(key, test)
    caught.update(fresh)
    lines = [f"{key}\t{test}\n" for key, test in sorted(caught.items())]
    (ROOT / CAUGHT).write_text("".join(lines), encoding="utf-8")


def check_selection(modules: list[Module]) -> None:
    """mutmut must mutate every module and reach every test file the plan names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    lacking = {
        "pytest_add_cli_args_test_selection": {test for module in modules for test in module.tests}
        - set(config["pytest_add_cli_args_test_selection"]),
        "only_mutate": {module.path for module in modules} - set(config["only_mutate"]),
    }
    for setting, missing in lacking.items():
        if missing:
            sys.exit(f"pyproject.toml [tool.mutmut] {setting} lacks {', '.join(sorted(missing))}")


def report(modules: list[Module], equivalents: list[Equivalent], minutes: float) -> int:
    used: Counter[Equivalent] = Counter()
    tallies: dict[str, Tally] = {}
    for module in modules:
        meta = json.loads((ROOT / "mutants" / f"{module.path}.meta").read_text(encoding="utf-8"))
        tally = tallies[module.path] = Tally()
        for key, code in sorted(meta["exit_code_by_key"].items()):
            if not any(fnmatch.fnmatchcase(key, glob) for glob in module.globs()):
                continue
            if code in KILLED:
                tally.killed += 1
                continue
            if code is None:  # the run was stopped
                tally.survivors.append((key, "not checked"))
                continue
            _module, function = split_mutant(key)
            change = change_of(key, module.path)
            where = f"{module.path}:{function}"
            match = next(
                (e for e in equivalents if e.function == where and e.mutant == change), None
            )
            if match is not None:
                used[match] += 1
                tally.equivalent.append(key)
                continue
            status = NOT_KILLED.get(code, f"exit code {code}")
            tally.survivors.append((key, f"{status}: {change}"))
    width = max(len(path) for path in tallies)
    print()
    print(f"{'module':{width}}  killed/judged  equivalent")
    for path, tally in tallies.items():
        print(
            f"{path:{width}}  {tally.killed:>6}/{tally.judged:<6} "
            f"{percent(tally.killed, tally.judged):>6}  {len(tally.equivalent):>4}"
        )
    survivors = [item for tally in tallies.values() for item in tally.survivors]
    if survivors:
        print(f"\nnot killed ({len(survivors)}):")
        for key, change in survivors:
            print(f"  {key}\n      {change}")
    for entry in equivalents:
        in_scope = any(entry.function.startswith(f"{module.path}:") for module in modules)
        if in_scope and not used[entry]:
            print(f"equivalent.toml: no surviving mutant matches {entry.function}: {entry.mutant}")
    killed = sum(tally.killed for tally in tallies.values())
    judged = sum(tally.judged for tally in tallies.values())
    score = 100.0 * killed / judged if judged else 0.0
    print(f"\n{minutes:.1f} min")
    print(f"mutation score: {killed}/{judged} killed ({score:.1f} %)")
    return 0 if score >= THRESHOLD else 1


def percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f} %" if whole else "-"


if __name__ == "__main__":
    sys.exit(main())
