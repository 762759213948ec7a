"""model-index.yml lists every method's metafile, and every listed metafile
exists, parses and points at configs and a README that exist."""
import glob
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _index():
    with open(os.path.join(ROOT, 'model-index.yml')) as f:
        return yaml.safe_load(f)['Import']


def test_every_metafile_is_listed():
    on_disk = {os.path.relpath(p, ROOT) for p in
               glob.glob(os.path.join(ROOT, 'configs', '*', 'metafile.yml'))}
    listed = _index()
    assert len(listed) == len(set(listed)), 'a metafile is listed twice'
    assert on_disk - set(listed) == set(), 'missing from model-index.yml'


@pytest.mark.parametrize('metafile', _index())
def test_listed_metafile_parses(metafile):
    path = os.path.join(ROOT, metafile)
    assert os.path.isfile(path), f'model-index.yml lists {metafile}, absent'
    with open(path) as f:
        meta = yaml.safe_load(f)
    collections = {c['Name']: c for c in meta['Collections']}
    assert collections
    for c in collections.values():
        assert os.path.isfile(os.path.join(ROOT, c['README'])), c['README']
    names = [m['Name'] for m in meta['Models']]
    assert len(names) == len(set(names)), f'{metafile}: duplicate model names'
    for m in meta['Models']:
        assert m['In Collection'] in collections, (metafile, m['Name'])
        assert os.path.isfile(os.path.join(ROOT, m['Config'])), \
            f'{metafile}: {m["Name"]} -> {m["Config"]} does not exist'


def test_model_zoo_links_every_method_readme():
    with open(os.path.join(ROOT, 'README.md')) as f:
        text = f.read()
    for metafile in _index():
        readme = os.path.join(os.path.dirname(metafile), 'README.md')
        assert f']({readme})' in text, f'README.md model zoo: no link {readme}'
