"""model-index.yml and the metafiles: mmrazor's schema, checked by the
``modelindex`` library that mim reads them with, plus the project's rules
(Name = config name, every Config exists, Results only with measured
numbers, each method README shows the same numbers)."""
import glob
import os
import re

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TASK = 'Multi-Label Classification'


def _index():
    with open(os.path.join(ROOT, 'model-index.yml')) as f:
        return yaml.safe_load(f)['Import']


def _load(metafile):
    with open(os.path.join(ROOT, metafile)) as f:
        return yaml.safe_load(f)


def _models():
    return [(metafile, model) for metafile in _index()
            for model in _load(metafile)['Models']]


def test_every_metafile_is_listed():
    on_disk = {
        os.path.relpath(p, ROOT)
        for p in glob.glob(os.path.join(ROOT, 'configs', '*', 'metafile.yml'))
    }
    listed = _index()
    assert len(listed) == len(set(listed)), 'a metafile is listed twice'
    assert on_disk - set(listed) == set(), 'missing from model-index.yml'


def test_modelindex_library_accepts_the_index():
    """What mim parses: the library's own checks pass (README paths aside:
    modelindex resolves them against the metafile's folder, OpenMMLab and
    mim against the repository root, checked below)."""
    modelindex = pytest.importorskip('modelindex')
    index = modelindex.load(os.path.join(ROOT, 'model-index.yml'))
    errors = [
        e for e in index.check(silent=True) if 'Path to README file' not in e
    ]
    assert errors == []
    names = [m.name for m in index.models]
    assert len(names) == len(set(names)), 'model names must be unique'
    assert len(names) == len(_models())


@pytest.mark.parametrize('metafile', _index())
def test_collection_records(metafile):
    meta = _load(metafile)
    assert set(meta) == {'Collections', 'Models'}
    (collection, ) = meta['Collections']
    assert collection['README'] == os.path.join(
        os.path.dirname(metafile), 'README.md')
    assert os.path.isfile(os.path.join(ROOT, collection['README']))
    md = collection['Metadata']
    assert md['Training Data'] and md['Training Techniques']
    if 'Paper' in collection:
        assert collection['Paper']['URL'].startswith('https://arxiv.org/abs/')
        assert collection['Paper']['Title']


@pytest.mark.parametrize(
    'metafile,model', _models(), ids=[m['Name'] for _, m in _models()])
def test_model_record(metafile, model):
    meta = _load(metafile)
    assert model['In Collection'] == meta['Collections'][0]['Name']
    config = model['Config']
    assert os.path.isfile(os.path.join(ROOT, config)), config
    # Name = the config's name as `mmlkd::NAME.py` addresses it.
    assert config.startswith('configs/') and config.endswith('.py')
    assert model['Name'] == config[len('configs/'):-len('.py')]
    md = model['Metadata']
    assert md['Training Data'] in ('DemoShapes', 'COCO 2014', 'VOC 2007',
                                   'NUS-WIDE')
    for role in ('Teacher', 'Student'):
        record = md[role]
        assert isinstance(record, dict), f'{role} must be a record'
        assert set(record) <= {'Name', 'Config', 'Weights', 'Metrics'}
        if 'Config' in record:
            assert os.path.isfile(os.path.join(ROOT, record['Config']))
        for value in record.get('Metrics', {}).values():
            assert isinstance(value, (int, float))
    if 'Results' in model:
        (result, ) = model['Results']
        assert result['Task'] == TASK
        assert result['Dataset'] == md['Training Data']
        metrics = dict(result['Metrics'])
        # Written by tools/benchmark/publish_results.py.
        assert isinstance(metrics.pop('seeds', 1), int)
        interval = metrics.pop('paired mAP gain 95% CI', [0.0, 0.0])
        assert len(interval) == 2 and all(
            isinstance(v, float) for v in interval)
        assert set(metrics) <= {'mAP', 'mAP std', 'paired mAP gain'}
        assert all(isinstance(v, float) for v in metrics.values())
        assert 'Results' not in md
    else:
        # Say why there is no number, and never claim one off the demo.
        expected = ('not run yet' if md['Training Data'] == 'DemoShapes' else
                    'needs a GPU run')
        assert md['Results'] == expected


@pytest.mark.parametrize(
    'metafile,model', [mm for mm in _models() if 'Results' in mm[1]],
    ids=[m['Name'] for _, m in _models() if 'Results' in m])
def test_result_is_in_the_method_readme(metafile, model):
    """The metafile and the README table report the same measured mAP."""
    readme = os.path.join(ROOT, os.path.dirname(metafile), 'README.md')
    with open(readme) as f:
        text = f.read()
    metrics = model['Results'][0]['Metrics']
    number = f'{metrics["mAP"]:.2f}'
    if 'mAP std' in metrics:
        number += f' ± {metrics["mAP std"]:.2f}'
    config = os.path.basename(model['Config'])
    rows = [
        line for line in text.splitlines()
        if line.startswith('|') and config in line
    ]
    assert any(
        re.search(re.escape(number) + r'\b', r)
        for r in rows), (f'{readme}: no table row for {config} with {number}')


def test_model_zoo_links_every_method_readme():
    with open(os.path.join(ROOT, 'README.md')) as f:
        text = f.read()
    for metafile in _index():
        readme = os.path.join(os.path.dirname(metafile), 'README.md')
        assert f']({readme})' in text, f'README.md model zoo: no link {readme}'


@pytest.mark.parametrize('metafile', _index())
def test_method_readme_follows_the_openmmlab_template(metafile):
    readme = os.path.join(ROOT, os.path.dirname(metafile), 'README.md')
    with open(readme) as f:
        text = f.read()
    headings = re.findall(r'^## (.+)$', text, flags=re.M)
    for section in ('Abstract', 'Results and models', 'Citation'):
        assert section in headings, f'{readme}: no "## {section}"'
    assert headings.index('Abstract') < headings.index('Results and models')
    assert '<!-- [ALGORITHM] -->' in text
    assert re.search(r'```bibtex\n@\w+\{\w+,\n  title\s*=', text), readme
    header = '| data | teacher | student | config | mAP |'
    assert header in text, f'{readme}: no results table'
    for model in _load(metafile)['Models']:
        assert os.path.basename(model['Config']) in text.split(header)[1]
