"""plan.toml read: which functions of which modules are mutated, and which tests judge them.

mutmut names a mutant `<module>.<mangled function>__mutmut_<n>`, where the mangled name of a
function is `x_<name>` and of a method `xǁ<Class>ǁ<name>`.
"""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PLAN = HERE / "plan.toml"
EQUIVALENT = HERE / "equivalent.toml"
CLASS_SEPARATOR = "ǁ"
RUN_EQUIVALENTS = "MUTATION_RUN_EQUIVALENTS"  # set: equivalent.toml's mutants run too


@dataclass(frozen=True, slots=True)
class Equivalent:
    function: str  # "jobs/delivery.py:DeliveryWorker._idle_wait"
    mutant: str  # the mutated line, as `mutmut show` prints it after "+"
    reason: str


@dataclass(frozen=True, slots=True)
class Module:
    path: str  # "jobs/delivery.py"
    functions: tuple[str, ...]  # "DeliveryWorker._attempt", "_dead_local_owner"
    tests: tuple[str, ...]  # "tests/test_delivery.py"

    @property
    def name(self) -> str:
        return self.path.removesuffix(".py").replace("/", ".")

    def globs(self) -> list[str]:
        """mutmut's names of this module's mutants, one pattern per function."""
        return [f"{self.name}.{mangle(function)}__mutmut_*" for function in self.functions]


def mangle(function: str) -> str:
    class_name, _, name = function.rpartition(".")
    if class_name:
        return f"x{CLASS_SEPARATOR}{class_name}{CLASS_SEPARATOR}{name}"
    return f"x_{name}"


def unmangle(mangled: str) -> str:
    if mangled.startswith("x_"):
        return mangled[2:]
    _, class_name, name = mangled.split(CLASS_SEPARATOR)
    return f"{class_name}.{name}"


def split_mutant(key: str) -> tuple[str, str]:
    """`jobs.delivery.xǁDeliveryWorkerǁ_send__mutmut_3` -> ("jobs.delivery",
    "DeliveryWorker._send")."""
    module, _, rest = key.rpartition(".")
    return module, unmangle(rest.rpartition("__mutmut_")[0])


def functions_of(path: Path) -> list[str]:
    """Every function and method defined at the top of a module or of its classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef):
            names.extend(
                f"{node.name}.{child.name}"
                for child in node.body
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            )
    return names


def load() -> list[Module]:
    plan = tomllib.loads(PLAN.read_text(encoding="utf-8"))
    modules = []
    for entry in plan["module"]:
        defined = functions_of(ROOT / entry["path"])
        chosen = [
            name
            for name in defined
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in entry["functions"])
            and not any(fnmatch.fnmatchcase(name, pattern) for pattern in entry.get("except", []))
        ]
        if not chosen:
            raise ValueError(f"plan.toml: nothing of {entry['path']} is chosen")
        modules.append(Module(entry["path"], tuple(chosen), tuple(entry["tests"])))
    return modules


def tests_by_module() -> dict[str, tuple[str, ...]]:
    plan = tomllib.loads(PLAN.read_text(encoding="utf-8"))
    return {
        entry["path"].removesuffix(".py").replace("/", "."): tuple(entry["tests"])
        for entry in plan["module"]
    }


def load_equivalents() -> list[Equivalent]:
    entries = tomllib.loads(EQUIVALENT.read_text(encoding="utf-8")).get("equivalent", [])
    return [
        Equivalent(entry["function"], entry["mutant"].strip(), entry["reason"])
        for entry in entries
    ]


def change_of(key: str, path: str) -> str:
    """The lines a mutant changes, as `mutmut show` prints them after "+" (read from the
    mutants/ folder under the working directory)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    diff = get_diff_for_mutant(key, path=path)
    added = [
        line[1:].strip()
        for line in diff.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    return " / ".join(line for line in added if not line.startswith(("def ", "async def ")))


def equivalent(key: str) -> Equivalent | None:
    """equivalent.toml's entry for this mutant, if it is one."""
    module, function = split_mutant(key)
    where = f"{module.replace('.', '/')}.py:{function}"
    entries = [entry for entry in load_equivalents() if entry.function == where]
    if not entries:
        return None
    change = change_of(key, where.partition(":")[0])
    return next((entry for entry in entries if entry.mutant == change), None)
