"""No leaf config inherits another leaf: every config a user launches reads
only shared bases (configs/_base_/) and mmpretrain's, so it can be read
without following a chain of other runnable configs."""
import ast
import glob
import os.path as osp

from mmlkd_testing import ROOT


def _bases(path):
    tree = ast.parse(open(path).read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            value = ast.literal_eval(node.value)
            return [value] if isinstance(value, str) else list(value)
    return []


def test_no_leaf_inherits_a_leaf():
    leaves = [
        p for p in glob.glob(osp.join(ROOT, 'configs', '*', '*.py'))
        if osp.basename(osp.dirname(p)) != '_base_'
    ]
    assert len(leaves) > 50
    offenders = []
    for leaf in leaves:
        for base in _bases(leaf):
            if '::' in base:
                continue
            target = osp.normpath(osp.join(osp.dirname(leaf), base))
            if not target.startswith(osp.join(ROOT, 'configs', '_base_')):
                offenders.append(f'{osp.relpath(leaf, ROOT)} <- {base}')
    assert offenders == []
