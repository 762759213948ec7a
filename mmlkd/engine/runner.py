"""``LKDRunner``: mmengine's Runner with a resume that trusts nothing.

mmengine's ``Runner.resume`` has three behaviours a checkpoint from
elsewhere can abuse or trip over:

* it executes ``meta['config']`` with ``Config.fromstring``, which first
  rewrites ``{{$VAR:default}}`` with a regular expression, honours
  ``_base_`` and ``custom_imports`` and only then runs the text. Text that
  a literal-only check approves can turn into code after that rewrite, so
  the only safe depth is that mmengine never sees the text at all;
* it loads the weights non-strictly: a checkpoint of another model
  "resumes" with hundreds of missing and unexpected keys, a random student
  and exit code 0;
* it takes the paths of the best and last checkpoints from the
  checkpoint's message hub. In a copied work dir they still point into the
  original directory, whose best checkpoint ``CheckpointHook`` then
  deletes when the copy finds a better one.

Here a checkpoint is read with :func:`read_checkpoint` (``weights_only``
tensors and plain data; stored config text that is not literal data is
refused), every stored config text is dropped before mmengine gets the
dict, the weights are loaded strictly with errors that name the keys, and
stored checkpoint paths are confined to this run's checkpoint folder.
Training also holds the work dir's lock (:mod:`.work_dir_lock`), so two
runs never write checkpoints into one folder.

``configs/_base_/default_runtime.py`` selects it with ``runner_type``, so
mmengine's ``RUNNERS.build`` (``tools/train.py``, and mmpretrain's own
tools on mmlkd configs) builds it.
"""
import logging
import os.path as osp
from typing import Any, Callable, Dict, Optional, Union

from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint

from mmlkd.utils.checkpoint_loading import (drop_config_text, load_strictly,
                                            read_checkpoint)
from .work_dir_lock import WorkDirLock

# Runtime-info entries of mmengine's CheckpointHook that hold file paths.
_PATH_KEYS = ('best_ckpt', 'last_ckpt')


def _inside(path: str, folder: str) -> bool:
    path, folder = osp.realpath(path), osp.realpath(folder)
    return osp.commonpath([path, folder]) == folder


# Lines that go to the log file but not to the console: mmengine's
# DefaultOptimWrapperConstructor writes one per parameter with a decay or lr
# multiplier (60 for the demo student), which the recipe card's weight
# decay row sums up, and the Runner lists every hook of every stage (about
# 80 lines).
_FILE_ONLY_PREFIXES = ('paramwise_options -- ',
                       'Hooks will be executed in the following order')


class _FileOnlyFilter(logging.Filter):

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.getMessage()).startswith(_FILE_ONLY_PREFIXES)


def _console_handlers(logger: logging.Logger):
    return [
        h for h in logger.handlers if isinstance(h, logging.StreamHandler)
        and not isinstance(h, logging.FileHandler)
    ]


@RUNNERS.register_module()
class LKDRunner(Runner):
    """mmengine's Runner whose resume reads data only, strictly, in place.

    Differences from :class:`mmengine.runner.Runner`, all in checkpoint
    handling:

    * :meth:`load_checkpoint` reads local files with mmlkd's safe reader and
      drops every stored config text (``meta['config']``, ``meta['cfg']``,
      ``meta['distill_cfg']``, the message hub's ``cfg``) before anything
      else sees the checkpoint; it always loads strictly.
    * :meth:`resume` confines the best/last checkpoint paths the message hub
      brings back to this run's checkpoint folder (a path elsewhere becomes
      the file of the same name here, or is forgotten), so rotation never
      deletes another directory's files.
    * :meth:`train` holds the work dir's lock for its whole duration.
    * the system environment and the full config go to the log file (and
      the config to the work dir, as mmengine dumps it), not the console,
      so the recipe card is on the first screen of a run's output.

    mmengine's check that the number of GPUs matches the resumed run read
    ``gpu_ids`` from the executed config text and is gone with it; mmlkd's
    recipes declare a global batch, so the recipe does not change with the
    number of processes.
    """

    def _log_env(self, env_cfg: dict) -> None:
        """mmengine's environment and config dump, to the log file only."""
        console = _console_handlers(self.logger)
        for handler in console:
            if not any(
                    isinstance(f, _FileOnlyFilter) for f in handler.filters):
                handler.addFilter(_FileOnlyFilter())
        levels = [h.level for h in console]
        try:
            for handler in console:
                handler.setLevel(logging.CRITICAL + 1)
            super()._log_env(env_cfg)
        finally:
            for handler, level in zip(console, levels):
                handler.setLevel(level)
        log_file = getattr(self.logger, 'log_file', None)
        self.logger.info(
            f'{self.experiment_name}: environment and config in {log_file} '
            f'(config also dumped to {self.work_dir})')

    def load_checkpoint(self,
                        filename: str,
                        map_location: Union[str, Callable] = 'cpu',
                        strict: bool = True,
                        revise_keys: list = [(r'^module.', '')]) -> Dict:
        """Read ``filename`` safely and load its weights strictly.

        Args:
            filename: a local checkpoint, or a URL / ``torchvision://`` name
                (read by mmengine's loader, which uses torch's
                ``weights_only`` default).
            map_location: unused for local files, which are read to the CPU
                (the model, optimizer and scheduler copy their state to
                their own devices). Defaults to 'cpu'.
            strict: kept for mmengine's signature; loading is always
                strict (``Runner.resume`` and ``load_or_resume`` call this
                without it). Defaults to True.
            revise_keys: ``(pattern, replacement)`` pairs applied to the
                keys, mmengine's default strips DDP's ``module.``.
                Defaults to ``[(r'^module.', '')]``.

        Returns:
            dict: the checkpoint without its config text.
        """
        what = '--resume' if getattr(self, '_resuming', False) else \
            'load_from'
        if osp.isfile(filename):
            checkpoint = read_checkpoint(filename, what)
        else:
            checkpoint = _load_checkpoint(filename, map_location=map_location)
        drop_config_text(checkpoint)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else \
            self.model
        load_strictly(
            model, filename, what, checkpoint, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def resume(self,
               filename: str,
               resume_optimizer: bool = True,
               resume_param_scheduler: bool = True,
               map_location: Union[str, Callable] = 'default') -> None:
        """mmengine's resume on a text-free checkpoint, paths confined.

        Args:
            filename: the checkpoint to continue from.
            resume_optimizer: restore the optimizer state. Defaults to True.
            resume_param_scheduler: restore the schedulers. Defaults to True.
            map_location: passed on to mmengine. Defaults to 'default'.
        """
        self._resuming = True
        try:
            super().resume(filename, resume_optimizer, resume_param_scheduler,
                           map_location)
        finally:
            self._resuming = False
        self.resumed_from = filename
        self._confine_checkpoint_paths()

    def checkpoint_dir(self) -> str:
        """Where ``CheckpointHook`` writes (its ``out_dir`` rule)."""
        hook_cfg = (self.cfg.get('default_hooks') or {}).get('checkpoint')
        out_dir = (hook_cfg or {}).get('out_dir') if isinstance(
            hook_cfg, dict) else None
        if not out_dir or osp.abspath(out_dir) == osp.abspath(self.work_dir):
            return self.work_dir
        # CheckpointHook appends the work dir's last folder to out_dir.
        return osp.join(out_dir, osp.basename(self.work_dir.rstrip(osp.sep)))

    def _confine_checkpoint_paths(self) -> None:
        folder = self.checkpoint_dir()
        info = self.message_hub.runtime_info
        for key in [k for k in list(info) if k.startswith(_PATH_KEYS)]:
            path = info[key]
            if not isinstance(path, str) or _inside(path, folder):
                continue
            local = osp.join(folder, osp.basename(path))
            if osp.exists(local):
                self.message_hub.update_info(key, local)
                self.logger.info(
                    f'{key}: the resumed checkpoint names {path}, outside '
                    f'this run\'s folder {folder} (a copied or moved work '
                    f'dir); using {local}')
            else:
                self.message_hub.pop_info(key)
                self.logger.warning(
                    f'{key}: the resumed checkpoint names {path}, outside '
                    f'this run\'s folder {folder}, and the folder has no '
                    f'{osp.basename(path)}; it is forgotten (never deleted)')

    def train(self) -> Any:
        """Train while holding the work dir's lock (rank 0 only)."""
        lock: Optional[WorkDirLock] = None
        if self.rank == 0:
            lock = WorkDirLock(self.checkpoint_dir())
            lock.acquire()
        try:
            return super().train()
        finally:
            if lock is not None:
                lock.release()


__all__ = ['LKDRunner']
