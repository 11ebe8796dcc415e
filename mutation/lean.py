"""mutmut's command line, without the mutants that drop an argument from a call.

mutmut makes two mutants of every argument of every call: the argument replaced with None,
and the argument dropped. Both break the same call at the same place, and a dropped keyword
argument whose default is None is the None mutant itself; calls are the most numerous
mutants, so keeping one of the two saves a fifth of the run. (mutmut 3.8 has no setting for
this: its list of operators is replaced before it generates the mutants.)

    .venv/bin/python -m mutation.lean run NAME...
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

import libcst as cst
from mutmut.mutation import file_mutation, mutators
from mutmut.workers import isolation


def _arguments_as_none(node: cst.Call) -> Iterable[cst.Call]:
    for mutated in mutators.operator_arg_removal(node):
        if len(mutated.args) == len(node.args):
            yield mutated


file_mutation.mutation_operators = [
    (kind, _arguments_as_none if operator is mutators.operator_arg_removal else operator)
    for kind, operator in mutators.mutation_operators
]

# mutmut runs every selected test twice before the mutants: once to see which tests reach
# which function (it stops on any failure), then again "clean". On a fresh run the first is
# the check the second would make, and costs two minutes: TRUST_STATS skips the second.
TRUST_STATS = "MUTATION_TRUST_STATS"


def _stats_run_was_clean(self: object, tests: Iterable[str]) -> int:
    return 0


if os.environ.get(TRUST_STATS) == "1":
    for runner in vars(isolation).values():
        if isinstance(runner, type) and "run_clean_tests" in vars(runner):
            runner.run_clean_tests = _stats_run_was_clean

if __name__ == "__main__":
    from mutmut.__main__ import cli

    try:
        cli()
        status = 0
    except SystemExit as done:
        status = done.code if isinstance(done.code, int) else int(done.code is not None)
    # The stats run's tests ran in this process: a thread one of them left behind (a
    # database connection a stopped test never closed) would keep the interpreter waiting for
    # it at exit, after the last mutant. Nothing is left to clean up.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
