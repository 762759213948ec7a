"""Which checkpoint `--resume` continues from, checked before training."""
import os.path as osp
import zipfile
from typing import Optional

from mmengine.config import Config
from mmengine.logging import print_log

# First byte of a pickle (torch's legacy, pre-1.6 checkpoint format).
_PICKLE_PROTO = b'\x80'


def check_checkpoint_file(path: str, option: str = '--resume') -> None:
    """Refuse a file that is missing, empty, cut short or corrupt.

    torch writes checkpoints as zip archives whose directory sits at the end
    of the file, so a file cut short (a kill or a full disk while saving)
    lacks it; every member also carries a CRC. Both are checked here, so the
    error names the file instead of torch's unnamed ``PytorchStreamReader``
    failure after the model has been built.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a complete checkpoint.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{option}: no such checkpoint {path!r}')
    size = osp.getsize(path)
    hint = ('A kill or a full disk while saving leaves such partial files; '
            'resume from another checkpoint (`--resume` without a path '
            'takes the last one completely written).')
    if size == 0:
        raise ValueError(f'{option}: checkpoint {path!r} is empty (0 bytes). '
                         f'{hint}')
    if not zipfile.is_zipfile(path):
        with open(path, 'rb') as f:
            if f.read(1) == _PICKLE_PROTO:
                return  # legacy format: no directory to check
        raise ValueError(
            f'{option}: {path!r} ({size} bytes) is not a complete torch '
            'checkpoint: it has no zip directory at its end, as a file cut '
            f'short has. {hint}')
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ValueError(f'{option}: {path!r} ({size} bytes) is not a '
                         f'readable checkpoint ({e}). {hint}') from e
    if bad is not None:
        raise ValueError(f'{option}: {path!r} is corrupt: its member {bad!r} '
                         f'fails the CRC check. {hint}')


def _newest_complete(folder: str, broken: str) -> Optional[str]:
    """The most recently written checkpoint of ``folder`` that is complete."""
    import glob
    found = sorted(
        glob.glob(osp.join(folder, '*.pth')), key=osp.getmtime, reverse=True)
    for path in found:
        if osp.realpath(path) == osp.realpath(broken):
            continue
        try:
            check_checkpoint_file(path)
        except (ValueError, FileNotFoundError):
            continue
        return path
    return None


def _check_recorded(path: str, record: str, work_dir: str) -> None:
    """``check_checkpoint_file`` with advice fit for an automatic resume.

    Its own hint (``--resume`` without a path) is what was just done; here
    the newest complete checkpoint of the work dir is named instead.
    """
    try:
        check_checkpoint_file(path, f'--resume ({record})')
    except ValueError as e:
        good = _newest_complete(work_dir, path)
        advice = (f'resume from the newest complete checkpoint: --resume '
                  f'{good}' if good else 'the work dir has no complete '
                  'checkpoint: train from the start')
        first = str(e).split(' A kill or a full disk')[0]
        raise ValueError(f'{first} {record} names it as the last checkpoint '
                         f'(a save was interrupted); {advice}') from None


def _inside(path: str, folder: str) -> bool:
    path, folder = osp.realpath(path), osp.realpath(folder)
    return osp.commonpath([path, folder]) == folder


def resolve_auto_resume(cfg: Config) -> Optional[str]:
    """The checkpoint ``--resume`` (no path) continues from, or None.

    mmengine reads ``WORK_DIR/last_checkpoint``, which holds the absolute
    path written by the run that saved it. In a copied or moved work dir
    that path still names the *original* directory's file, so the copy
    would continue (and later overwrite nothing of its own) from another
    run's checkpoint. Here a recorded path outside the work dir is taken as
    the file of the same name inside it, and refused when there is none.
    A relative path is read relative to the work dir. Checkpoints kept
    elsewhere on purpose (``CheckpointHook``'s ``out_dir``) are accepted.

    Raises:
        FileNotFoundError: the recorded checkpoint is outside the work dir
            and the work dir has no file of that name.
    """
    work_dir = cfg.work_dir
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        return None
    with open(record) as f:
        named = f.read().strip()
    if not named:
        return None
    path = named if osp.isabs(named) else osp.join(work_dir, named)
    out_dir = cfg.get('default_hooks', {}).get('checkpoint', {}).get('out_dir')
    if _inside(path, work_dir) or (out_dir and _inside(path, out_dir)):
        _check_recorded(path, record, osp.dirname(path))
        return path
    local = osp.join(work_dir, osp.basename(named))
    if not osp.isfile(local):
        raise FileNotFoundError(
            f'--resume: {record} names {named!r}, outside the work dir '
            f'{work_dir!r} (a copied or moved work dir?), and the work dir '
            f'has no {osp.basename(named)!r}. Pass the checkpoint to resume '
            'from explicitly: --resume PATH.')
    print_log(
        f'{record} names {named!r}, outside this work dir (a copied or '
        f'moved work dir); resuming from this work dir\'s {local!r}',
        logger='current')
    _check_recorded(local, record, work_dir)
    return local


__all__ = ['check_checkpoint_file', 'resolve_auto_resume']
