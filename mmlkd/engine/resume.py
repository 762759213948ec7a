"""Which checkpoint `--resume` continues from, checked before training."""
import os.path as osp
from typing import Optional

from mmengine.config import Config
from mmengine.logging import print_log

from mmlkd.utils.checkpoint_loading import check_checkpoint_file


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


# check_checkpoint_file lives with the other checkpoint checks
# (mmlkd.utils.checkpoint_loading); it is re-exported here for mmlkd.engine.
__all__ = ['check_checkpoint_file', 'resolve_auto_resume']
