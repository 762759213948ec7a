"""Every repository path that the documentation or a comment names exists.

Scanned: every Markdown file (text and relative links), and the comments and
docstrings of every Python file, plus ``setup.py``, the Makefile and the
requirements files. A reference is a token starting with one of the
repository's top-level folders (``docs/``, ``configs/``, ``tools/``,
``mmlkd/``, ``tests/``, ``requirements/``); ``{a,b}`` alternatives and
``*`` globs are expanded. Nothing may point outside the repository.
"""
import ast
import glob
import io
import itertools
import os
import re
import subprocess
import tokenize
from typing import Iterator, List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOP = ('docs', 'configs', 'tools', 'mmlkd', 'tests', 'requirements')
PATH_RE = re.compile(r'(?<![\w./{}-])((?:%s)/[\w./{},*-]*)' % '|'.join(TOP))
LINK_RE = re.compile(r'\]\(([^)\s]+)\)')
# Made by `pip install` (setup.py), not part of the checkout.
GENERATED = ('mmlkd/.mim', )


def _tracked() -> List[str]:
    out = subprocess.run(['git', 'ls-files'],
                         cwd=ROOT,
                         capture_output=True,
                         text=True)
    if out.returncode != 0:  # not a git checkout (an sdist): walk the tree
        return [
            os.path.relpath(os.path.join(d, f), ROOT)
            for d, _, fs in os.walk(ROOT) for f in fs
            if '/.' not in d and 'work_dirs' not in d
        ]
    return [
        p for p in out.stdout.splitlines()
        if os.path.exists(os.path.join(ROOT, p))
    ]


def _python_text(path: str) -> str:
    """Comments and docstrings of a Python file."""
    with open(path, encoding='utf-8') as f:
        source = f.read()
    parts = [
        tok.string
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    ]
    tree = ast.parse(source)
    for node in ast.walk(tree):
        # yapf: disable
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                             ast.AsyncFunctionDef)):
            # yapf: enable
            doc = ast.get_docstring(node, clean=False)
            if doc:
                parts.append(doc)
    return '\n'.join(parts)


def _expand(token: str) -> List[str]:
    """``a/{b,c}.py`` -> ``['a/b.py', 'a/c.py']``."""
    pieces = re.split(r'\{([^{}]*)\}', token)
    options = [p.split(',') if i % 2 else [p] for i, p in enumerate(pieces)]
    return [''.join(c) for c in itertools.product(*options)]


def _clean(token: str) -> str:
    token = token.rstrip('.,:;')
    if token.count('{') != token.count('}'):
        token = token.split('{')[0]
    return token


def references() -> Iterator[Tuple[str, str, str]]:
    """(file, reference as written, path relative to ROOT) triples."""
    for rel in _tracked():
        path = os.path.join(ROOT, rel)
        if rel.endswith('.md'):
            with open(path, encoding='utf-8') as f:
                text = f.read()
            for link in LINK_RE.findall(text):
                target = link.split('#')[0]
                if not target or re.match(r'[a-z]+:', target):
                    continue
                yield rel, link, os.path.normpath(
                    os.path.join(os.path.dirname(rel), target))
        elif rel.endswith('.py'):
            text = _python_text(path)
        elif rel in ('Makefile', ) or rel.startswith('requirements/'):
            with open(path, encoding='utf-8') as f:
                text = '\n'.join(line for line in f if '#' in line)
        else:
            continue
        for match in PATH_RE.finditer(text):
            if text[match.end():match.end() + 1] == '<':
                continue  # a template such as tests/test_<name>.py
            token = _clean(match.group(1))
            for ref in _expand(token):
                yield rel, token, os.path.normpath(ref)


def _exists(ref: str) -> bool:
    if ref.startswith(GENERATED):
        return True
    if '*' in ref:
        return bool(glob.glob(os.path.join(ROOT, ref)))
    return os.path.exists(os.path.join(ROOT, ref))


def test_scanner_finds_references():
    refs = list(references())
    assert len(refs) > 100
    found = {ref for _, _, ref in refs}
    assert 'docs/methods.md' in found
    assert 'configs/teachers/r101_mldecoder_voc.py' in found  # {a,b} form


def test_scanner_catches_a_dangling_reference(tmp_path):
    assert not _exists('docs/no_such_page.md')
    assert _expand('configs/x_{a,b}.py') == [
        'configs/x_a.py', 'configs/x_b.py'
    ]
    assert _clean('tools/train.py.') == 'tools/train.py'


def test_every_referenced_repo_path_exists():
    missing = sorted({
        f'{src}: {token} -> {ref}'
        for src, token, ref in references() if not _exists(ref)
    })
    assert missing == []


def test_nothing_points_outside_the_repository():
    bad = []
    for rel in _tracked():
        if not rel.endswith(('.md', '.py', '.yml', '.txt')) and \
                rel != 'Makefile':
            continue
        if rel == 'tests/test_doc_references.py':
            continue
        with open(os.path.join(ROOT, rel), encoding='utf-8') as f:
            text = f.read()
        for pattern in (r'\.\./shared', r'/work/', r'(?<![\w/])methods\.md',
                        r'stack\.md'):
            for m in re.finditer(pattern, text):
                start = max(0, m.start() - 5)
                if text[start:m.start()].endswith('docs/'):
                    continue
                bad.append(f'{rel}: {text[start:m.end() + 20]!r}')
    assert bad == []
