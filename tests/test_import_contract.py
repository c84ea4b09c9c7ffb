"""The import contract of the packages, read from their source (no import is executed).

* ``theory`` never imports ``numeric`` or ``verify``; ``numeric`` never imports ``theory`` or
  ``verify`` (``verify`` bridges them).
* Inside each of ``theory``, ``numeric`` and ``verify`` the module-level imports form no cycle.
* Inside ``theory`` and ``numeric`` an import within a function is there on purpose: an optional
  dependency, or a heavy import kept off start-up. Each one is listed in :data:`DELIBERATE` with
  its reason; any other would hide a cycle or a dependency from a reader of the module's head.
* Inside ``verify`` an import of a project module (``theory``, ``numeric``, ``verify``) within a
  function is allowed in the command layer (``verify.cli``, ``verify.commands.*``: ``--help``
  and a usage error must not load NumPy) and where listed in :data:`DELIBERATE_VERIFY` with its
  reason; the claim pipeline (claims, observation, planning, oracle, expectation, measurement,
  symbolic, context, bounds, the claim sets) has none.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "numeric", "verify")
FORBIDDEN = {"theory": {"numeric", "verify"}, "numeric": {"theory", "verify"}}

# (module, top-level package imported inside a function) -> why it is imported there.
DELIBERATE = {
    ("numeric.xp", "torch"): "optional dependency: only when a device asks for PyTorch",
    ("numeric.xp", "cupy"): "optional dependency: only when a device asks for CuPy",
    ("numeric.engines.wishart_xp", "torch"): "optional dependency: a PyTorch backend's solve",
    ("numeric.engines.wishart_xp", "cupyx"): "optional dependency: a CuPy backend's solve",
    ("numeric.executors", "dask"): "optional dependency (the distributed extra): DaskExecutor",
    ("numeric.simulate", "tqdm"): "heavy import kept off start-up: only for a visible bar",
}

# verify: (module, project module imported inside a function) -> why it is imported there.
COMMAND_LAYER = ("verify.cli", "verify.commands")
DELIBERATE_VERIFY = {
    ("verify.testing", "verify.context"): "pytest helper: the run's modules load only when a test runs",
    ("verify.testing", "verify.runner"): "pytest helper: the run's modules load only when a test runs",
    ("verify.testing", "verify.report"): "pytest helper: only to word a failing test's message",
    ("verify.outputs", "numeric.store"): "imported by the command layer before --help: no NumPy there",
}
PIPELINE = ("verify.claims", "verify.observation", "verify.planning", "verify.oracle",
            "verify.expectation", "verify.measurement", "verify.symbolic", "verify.context",
            "verify.bounds", "verify.claimsets")


def _modules(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, ast.parse(path.read_text(), filename=str(path))


ALL = {pkg: list(_modules(pkg)) for pkg in PACKAGES}
MODULE_NAMES = {name for mods in ALL.values() for name, _, _ in mods}


def _targets(node, module):
    """Full names of the modules an import statement loads (``from p import m`` -> ``p.m`` when
    that is a module of ours, else ``p``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:                                   # relative import
        pkg = module.split(".")[: -node.level] if not module.endswith("__init__") else module
        base = ".".join([*pkg, base] if base else pkg)
    out = []
    for a in node.names:
        sub = f"{base}.{a.name}"
        out.append(sub if sub in MODULE_NAMES else base)
    return out


def _imports(tree, module):
    """``(target, inside_function)`` of every import in ``tree``."""
    out = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                out.extend((t, in_function) for t in _targets(child, module))
            visit(child, in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))
    visit(tree, False)
    return out


def test_the_walk_sees_every_package():
    assert all(len(ALL[p]) > 5 for p in PACKAGES)
    assert "numeric.simulate" in MODULE_NAMES and "theory.regimes" in MODULE_NAMES


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_foundations_do_not_import_each_other_or_verify(package):
    bad = [f"{name} imports {t}" for name, _, tree in ALL[package]
           for t, _ in _imports(tree, name) if t.split(".")[0] in FORBIDDEN[package]]
    assert not bad, bad


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_function_level_imports_are_deliberate(package):
    found = {(name, t.split(".")[0]) for name, _, tree in ALL[package]
             for t, inside in _imports(tree, name) if inside}
    assert not found - DELIBERATE.keys(), f"undeclared: {sorted(found - DELIBERATE.keys())}"
    stale = {k for k in DELIBERATE if k[0].split(".")[0] == package} - found
    assert not stale, f"listed but gone (remove from DELIBERATE): {sorted(stale)}"


def _project(target):
    return target.split(".")[0] in PACKAGES


def test_verify_function_level_imports_are_deliberate():
    found = {(name, t) for name, _, tree in ALL["verify"] for t, inside in _imports(tree, name)
             if inside and _project(t) and not name.startswith(COMMAND_LAYER)}
    assert not found - DELIBERATE_VERIFY.keys(), f"undeclared: {sorted(found - DELIBERATE_VERIFY.keys())}"
    stale = DELIBERATE_VERIFY.keys() - found
    assert not stale, f"listed but gone (remove from DELIBERATE_VERIFY): {sorted(stale)}"


def test_the_claim_pipeline_imports_at_module_heads():
    inside = [f"{name} imports {t} inside a function" for name, _, tree in ALL["verify"]
              if name.startswith(PIPELINE) for t, within in _imports(tree, name)
              if within and _project(t)]
    assert not inside, inside


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_level_import_cycles(package):
    graph = {name: {t for t, inside in _imports(tree, name)
                    if not inside and t in MODULE_NAMES and t != name
                    and t.split(".")[0] == package}
             for name, _, tree in ALL[package]}
    # A package's __init__ re-exports its submodules; a submodule importing a sibling loads
    # the package first, which is no cycle between the two modules' own code.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    state, path = {}, []

    def dfs(node):
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in state:
                dfs(nxt)
        path.pop()
        state[node] = "done"
    for node in sorted(graph):
        if node not in state:
            dfs(node)
