"""mmlkd's modules import each other without circles.

The graph is built from the source with ``ast``, imports inside functions
included (they hide a circle from Python's import machinery, not from the
reader). An import of a package counts as an edge to its ``__init__``; the
implicit import of a module's parent packages does not (Python has them in
``sys.modules`` already when a submodule of a package being imported runs).
"""
import ast
import os
import os.path as osp
from typing import Dict, List, Set

from mmlkd_testing import ROOT

PACKAGE = osp.join(ROOT, 'mmlkd')


def _modules() -> Dict[str, str]:
    found = {}
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith('.py'):
                path = osp.join(folder, name)
                dotted = osp.relpath(path, ROOT)[:-3].replace(os.sep, '.')
                found[dotted.removesuffix('.__init__')] = path
    return found


def _targets(module: str, path: str, node: ast.AST,
             modules: Dict[str, str]) -> List[str]:
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            parts = module.split('.')
            if not path.endswith('__init__.py'):
                parts = parts[:-1]
            parts = parts[:len(parts) - node.level + 1]
            base = '.'.join(parts + ([node.module] if node.module else []))
        else:
            base = node.module or ''
        names = [
            f'{base}.{a.name}' if f'{base}.{a.name}' in modules else base
            for a in node.names
        ]
    out = []
    for name in names:
        while name and name not in modules:
            name = name.rpartition('.')[0]
        if name and name != module:
            out.append(name)
    return out


def import_graph() -> Dict[str, Set[str]]:
    modules = _modules()
    graph: Dict[str, Set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                graph[module].update(_targets(module, path, node, modules))
    return graph


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """The strongly connected components with more than one module."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checker_finds_a_circle():
    assert cycles({
        'a': {'b'},
        'b': {'c'},
        'c': {'a'},
        'd': {'a'}
    }) == [['a', 'b', 'c']]
    assert cycles({'a': {'b'}, 'b': set()}) == []


def test_mmlkd_has_no_import_circles():
    graph = import_graph()
    assert 'mmlkd.utils.config_checks' in graph  # the graph is real
    assert 'mmlkd.utils.checkpoint_loading' in graph[
        'mmlkd.utils.config_checks']
    assert cycles(graph) == []
