"""Read the per-image predictions ``tools/test.py --out`` dumps, running no
code from the file.

mmengine's ``DumpResults`` writes a plain pickle: a list of dicts of ints,
strings and tensors. ``pickle.load`` would call whatever a tampered file
names; this reader accepts only the few callables such a dump needs to
rebuild containers and tensors, and reads each tensor's storage with
``torch.load(..., weights_only=True)`` (torch's own ``_load_from_bytes``
uses ``weights_only=False``).
"""
import io
import os.path as osp
import pickle
from typing import Any, Callable, List

import torch

#: ``(module, name)`` of the callables a DumpResults pickle may name.
ALLOWED_GLOBALS = {
    ('collections', 'OrderedDict'),
    ('_codecs', 'encode'),  # bytes written by pickle protocol 2
    ('torch._utils', '_rebuild_tensor_v2'),
    ('numpy', 'dtype'),
    ('numpy', 'ndarray'),
    ('numpy.core.multiarray', '_reconstruct'),
    ('numpy._core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'),
    ('numpy._core.multiarray', 'scalar'),
}


class UnsafePredictionDump(pickle.UnpicklingError):
    """The file names a callable a prediction dump has no use for."""


def _storage_from_bytes(data: bytes) -> Any:
    return torch.load(io.BytesIO(data), weights_only=True)


class _DumpUnpickler(pickle.Unpickler):

    def __init__(self, file, path: str) -> None:
        super().__init__(file)
        self.path = path

    def find_class(self, module: str, name: str) -> Callable:
        if (module, name) == ('torch.storage', '_load_from_bytes'):
            return _storage_from_bytes
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise UnsafePredictionDump(
            f'{self.path}: refusing to load {module}.{name}; a tools/test.py '
            '--out dump holds only dicts, numbers, strings and tensors')


def load_prediction_dump(path: str) -> List[dict]:
    """The list of per-image dicts (``pred_score``, ``gt_label``, ...)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'no such prediction dump {path!r}')
    with open(path, 'rb') as f:
        try:
            samples = _DumpUnpickler(f, path).load()
        except UnsafePredictionDump:
            raise
        except Exception as e:
            raise ValueError(f'{path}: not a tools/test.py --out dump '
                             f'({type(e).__name__}: {e})') from e
    if not isinstance(samples, list) or not samples or not all(
            isinstance(s, dict) and 'pred_score' in s for s in samples):
        raise ValueError(f'{path}: not a tools/test.py --out dump (a list '
                         'of per-image dicts with pred_score)')
    return samples
