"""mmlkd.utils.prediction_dump: tools/test.py dumps without running code."""
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

from mmlkd.utils.prediction_dump import (UnsafePredictionDump,
                                         load_prediction_dump)


class Payload:
    """Runs a command when unpickled (what a tampered dump would do)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def test_reads_what_dump_results_writes(tmp_path):
    samples = [
        dict(
            pred_score=torch.rand(5),
            gt_label=torch.tensor([1, 3]),
            gt_score=torch.tensor([0, 1, 0, 1, 0.]),
            sample_idx=i,
            img_path=f'img{i}.jpg',
            num_classes=5,
            extra=OrderedDict(a=np.arange(3, dtype=np.float32)))
        for i in range(3)
    ]
    path = tmp_path / 'preds.pkl'
    with open(path, 'wb') as f:
        pickle.dump(samples, f)  # as mmengine.fileio.dump does
    loaded = load_prediction_dump(str(path))
    assert len(loaded) == 3
    for a, b in zip(loaded, samples):
        assert a.keys() == b.keys()
        for key in ('pred_score', 'gt_label', 'gt_score'):
            assert torch.equal(a[key], b[key])
        np.testing.assert_array_equal(a['extra']['a'], b['extra']['a'])
        assert a['img_path'] == b['img_path']


def test_refuses_code_in_the_file(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pkl'
    with open(path, 'wb') as f:
        pickle.dump([dict(pred_score=torch.zeros(2), x=Payload(marker))], f)
    with pytest.raises(UnsafePredictionDump, match=r'evil\.pkl.*system'):
        load_prediction_dump(str(path))
    assert not marker.exists()


def test_wrong_content_is_named(tmp_path):
    path = tmp_path / 'other.pkl'
    with open(path, 'wb') as f:
        pickle.dump(dict(a=1), f)
    with pytest.raises(ValueError, match='not a tools/test.py --out dump'):
        load_prediction_dump(str(path))
    path.write_bytes(b'not a pickle')
    with pytest.raises(ValueError, match='other.pkl'):
        load_prediction_dump(str(path))
    with pytest.raises(FileNotFoundError):
        load_prediction_dump(str(tmp_path / 'missing.pkl'))
