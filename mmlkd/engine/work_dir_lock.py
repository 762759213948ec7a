"""``WorkDirLock``: one training run per checkpoint folder.

Two runs writing into one folder corrupt each other without an error:
``CheckpointHook`` rotates (deletes) the other run's checkpoints, both
rewrite ``last_checkpoint`` and the best checkpoint, and a resume reads a
file the other run is replacing. It happens by accident: a second launch
of the same command, or orphaned workers of a killed launcher still
training while a new run resumes in the same work dir.

The lock is an advisory ``fcntl.flock`` on ``FOLDER/.mmlkd.lock``. The
kernel drops it when the holding process ends, however it ends (``kill
-9`` included), so a crash never leaves a stale lock behind; the file only
records who held it last, for the error message.
"""
import fcntl
import os
import os.path as osp
import sys
from typing import IO, Optional

LOCK_NAME = '.mmlkd.lock'


class WorkDirLockedError(RuntimeError):
    """Another live process trains into the same folder."""


class WorkDirLock:
    """An exclusive, non-blocking lock on a run's checkpoint folder.

    Args:
        folder: the folder checkpoints are written to (created if missing).
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.path = osp.join(folder, LOCK_NAME)
        self._file: Optional[IO[str]] = None

    def acquire(self) -> 'WorkDirLock':
        """Take the lock or raise :class:`WorkDirLockedError` at once.

        Raises:
            WorkDirLockedError: another process holds it; the message names
                that process (its PID and command line).
        """
        os.makedirs(self.folder, exist_ok=True)
        # 'a+' does not truncate: the holder's record must survive our
        # failed attempt so the error can quote it.
        f = open(self.path, 'a+')
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            holder = f.read().strip() or 'unknown process'
            f.close()
            raise WorkDirLockedError(
                f'{self.folder} is in use by another training run '
                f'({holder}). Two runs in one folder delete and overwrite '
                'each other\'s checkpoints: wait for it to end, stop it, or '
                'train with another --work-dir.') from None
        f.seek(0)
        f.truncate()
        f.write(f'pid {os.getpid()}: {" ".join(sys.argv)}\n')
        f.flush()
        self._file = f
        return self

    def release(self) -> None:
        """Drop the lock (the file stays; it is not a lock by itself)."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> 'WorkDirLock':
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


__all__ = ['LOCK_NAME', 'WorkDirLock', 'WorkDirLockedError']
