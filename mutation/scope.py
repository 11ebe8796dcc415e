"""A pytest plugin for `make mutate`: a mutant runs only its module's test files.

mutmut hands each mutant the tests that reached its function in the stats run; a pacer's or a
repository's function is reached by nearly every test that sends something, and most of those
cannot tell a broken pace from a good one. plan.toml names the files that can, and this keeps
only their tests (`MUTANT_UNDER_TEST` says which mutant runs): first those that caught other
mutants of the same function in this run, then those that caught mutants of its module, then
the quickest: with `-x` a mutant ends at its first failing test. Other runs are left alone.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from mutation.plan import RUN_EQUIVALENTS, equivalent, tests_by_module

KILLERS = "killers.tsv"  # in mutants/, where mutmut runs the tests: mutant, test that failed
CAUGHT = "mutation/caught.tsv"  # the last run's: mutant, the first test that failed
TEST_LIMIT = 3  # seconds at least: a test of a mutant that runs longer was held up by it
GRACE = 2  # seconds for that test to fail once told to


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" not in mutant:
        return  # the stats run, the clean run, the forced failure
    module = mutant.rpartition(".")[0]
    files = tests_by_module().get(module)
    if files is None:
        return
    if not os.environ.get(RUN_EQUIVALENTS) and _listed(mutant):
        # Listed as changing nothing a test could see: running it would only cost the time
        # of every test of its function. No test runs; the report counts it as equivalent.
        config.hook.pytest_deselected(items=list(items))
        items[:] = []
        return
    from mutmut.state import state  # the stats run's durations, in this forked child

    duration = state().duration_by_test
    function = mutant.rpartition("__mutmut_")[0]
    of_function, of_module = _killers(function, module)
    last_time = caught_before().get(mutant)

    def order(item: pytest.Item) -> tuple[int, float]:
        """The test that caught this mutant in the last run; tests that caught mutants of
        this function, then of its module, in this run, the cheapest catch first (seconds per
        mutant caught); then the rest, quickest first."""
        seconds = duration.get(item.nodeid, 0.0)
        if item.nodeid == last_time:
            return 0, seconds
        for tier, caught in enumerate((of_function, of_module), start=1):
            if item.nodeid in caught:
                return tier, seconds / caught[item.nodeid]
        return 3, seconds

    keep = [item for item in items if item.nodeid.partition("::")[0] in files]
    keep.sort(key=order)
    dropped = [item for item in items if item.nodeid.partition("::")[0] not in files]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A mutant may make a test wait for ever (a pacer that never grants a turn), or for its
    timeout (5 or 10 s of waiting for a copy that never comes): mutmut's own limit is on CPU
    time, which a waiting test does not use, and on a wall time made from every test of the
    function. A test of a mutant fails after ten times its clean duration (at least
    TEST_LIMIT seconds) instead: held up that long, it has noticed the mutant."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" not in mutant:
        return (yield)
    from mutmut.state import state

    clean = state().duration_by_test.get(item.nodeid, 0.0)
    expired = False

    def expire(_signal: int, _frame: object) -> None:
        """The TimeoutError fails the test, unless it lands in a task that a busy loop of the
        mutant's keeps going (the pacer's server granting nothing for ever): the test then
        still runs GRACE seconds later, and the process ends as a failed test does."""
        nonlocal expired
        if expired:
            _record(mutant, item.nodeid)
            os._exit(pytest.ExitCode.TESTS_FAILED)
        expired = True
        signal.alarm(GRACE)
        raise TimeoutError(f"{item.nodeid}: over {limit} s with {mutant}")

    limit = max(TEST_LIMIT, math.ceil(10 * clean))
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(limit)
    try:
        return (yield)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A test that failed for a mutant is tried first for the next mutants of its function
    and module (the same test tends to catch them), and for this mutant in the next run."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" in mutant and report.failed:
        _record(mutant, report.nodeid)


def _record(mutant: str, test: str) -> None:
    with open(KILLERS, "a", encoding="utf-8") as killers:  # one short append: atomic
        killers.write(f"{mutant}\t{test}\n")


def _killers(function: str, module: str) -> tuple[dict[str, int], dict[str, int]]:
    """Test -> how many mutants it caught so far in this run: of `function`, and of the other
    functions of `module`."""
    of_function: dict[str, int] = {}
    of_module: dict[str, int] = {}
    with contextlib.suppress(FileNotFoundError), open(KILLERS, encoding="utf-8") as killers:
        for line in killers:
            key, _, test = line.rstrip("\n").partition("\t")
            name = key.rpartition("__mutmut_")[0]
            if name == function:
                of_function[test] = of_function.get(test, 0) + 1
            elif name.startswith(module + ".x"):
                of_module[test] = of_module.get(test, 0) + 1
    return of_function, of_module


def caught_before() -> dict[str, str]:
    """mutation/caught.tsv: mutant -> the test that caught it in the last run (run.py writes
    it). Only an order: a test that no longer catches its mutant costs one test's time."""
    caught: dict[str, str] = {}
    with contextlib.suppress(OSError), open(_root() / CAUGHT, encoding="utf-8") as lines:
        for line in lines:
            key, _, test = line.rstrip("\n").partition("\t")
            caught[key] = test
    return caught


def _root() -> Path:
    """The project's root: mutmut runs the tests inside mutants/."""
    here = Path.cwd()
    return here.parent if here.name == "mutants" else here


def _listed(mutant: str) -> bool:
    """In equivalent.toml (when that cannot be told, the mutant runs: never a false kill).
    mutmut runs the tests inside mutants/; the mutants are read from the project's root."""
    from mutmut.utils.file_utils import change_cwd

    try:
        with change_cwd(_root()):
            return equivalent(mutant) is not None
    except Exception:  # an unreadable mutants/ folder: run the tests
        return False
