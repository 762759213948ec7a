"""Store a dataset's images pre-resized, keeping the directory layout.

    python tools/dataset_converters/preresize_images.py SRC DST \
        (--size W H | --shorter N) [--quality 95] [--workers 2] \
        [--ext .jpg .jpeg .png] [--overwrite]

Every image under SRC is written to the same relative path under DST, so an
annotation file that names images relative to an image folder (COCO's
``file_name``, VOC's ids, NUS-WIDE's lists) works unchanged with DST as that
folder: point the config's ``data_prefix`` (or ``data_root``) at DST.

- ``--size W H`` squashes every image to exactly ``W x H`` with the same
  resize the train pipelines run (``mmcv.imresize``, bilinear, OpenCV). The
  COCO / L2D pipelines start with ``Resize(scale=(224, 224))`` on the whole
  image, so storing the images at 224 x 224 loses nothing for them but the
  JPEG re-encoding (``--quality``): their Resize becomes a no-op, and a
  640 x 480 decode becomes a 224 x 224 one.
- ``--shorter N`` scales the shorter side to ``N`` keeping the aspect ratio
  (for pipelines that crop afterwards); images already at most ``N`` on the
  shorter side are copied byte for byte.

Do not use the pre-resized copy for a pipeline that reads more pixels than
it keeps (448 px configs, random-resized crops from full resolution).
Annotation fields that give the image size (COCO's ``width`` / ``height``)
keep the original values; mmlkd's datasets do not read them. Files that are
not images (by extension) are not copied.
"""
import argparse
import os
import os.path as osp
import shutil
import sys
from multiprocessing import Pool
from typing import List, Optional, Sequence, Tuple

import cv2
import mmcv
from mmengine.utils import ProgressBar

IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp')


def target_size(w: int, h: int, size: Optional[Tuple[int, int]],
                shorter: Optional[int]) -> Optional[Tuple[int, int]]:
    """``(w, h)`` to resize to, or None to keep the image as it is."""
    if size is not None:
        return None if (w, h) == tuple(size) else tuple(size)
    if min(w, h) <= shorter:
        return None
    scale = shorter / min(w, h)
    # The shorter side exactly N, the other rounded as mmcv.rescale_size does.
    if w <= h:
        return shorter, int(h * scale + 0.5)
    return int(w * scale + 0.5), shorter


def convert_one(
    job: Tuple[str, str, Optional[Tuple[int, int]], Optional[int],
               int]) -> str:
    """Resize one file; returns 'resized', 'copied' or an error message."""
    src, dst, size, shorter, quality = job
    os.makedirs(osp.dirname(dst), exist_ok=True)
    img = mmcv.imread(src, flag='unchanged', backend='cv2')
    if img is None:
        return f'error: {src} is not a readable image'
    new = target_size(img.shape[1], img.shape[0], size, shorter)
    if new is None:
        shutil.copyfile(src, dst)
        return 'copied'
    out = mmcv.imresize(img, new, interpolation='bilinear', backend='cv2')
    params = ([cv2.IMWRITE_JPEG_QUALITY, quality] if dst.lower().endswith(
        ('.jpg', '.jpeg')) else None)
    if not mmcv.imwrite(out, dst, params=params, auto_mkdir=True):
        return f'error: could not write {dst}'
    return 'resized'


def list_images(src: str, exts: Sequence[str]) -> List[str]:
    """Image paths under ``src``, relative to it, sorted."""
    exts = tuple(e.lower() for e in exts)
    found = []
    for root, _, files in os.walk(src):
        for name in files:
            if name.lower().endswith(exts):
                found.append(osp.relpath(osp.join(root, name), src))
    return sorted(found)


def convert(src: str,
            dst: str,
            size: Optional[Tuple[int, int]] = None,
            shorter: Optional[int] = None,
            quality: int = 95,
            workers: int = 1,
            exts: Sequence[str] = IMAGE_EXTS,
            overwrite: bool = False) -> dict:
    """Pre-resize every image of ``src`` into ``dst``; returns counts."""
    if (size is None) == (shorter is None):
        raise ValueError('give exactly one of size=(W, H) and shorter=N')
    if size is not None and (len(size) != 2 or min(size) < 1):
        raise ValueError(f'size must be two positive ints (W, H), got {size}')
    if shorter is not None and shorter < 1:
        raise ValueError(f'shorter must be >= 1, got {shorter}')
    if not osp.isdir(src):
        raise FileNotFoundError(f'source folder {src!r} does not exist')
    if osp.abspath(src) == osp.abspath(dst):
        raise ValueError('DST must differ from SRC (the originals are kept)')
    rel = list_images(src, exts)
    if not rel:
        raise FileNotFoundError(
            f'no image ({", ".join(exts)}) found under {src!r}')
    jobs = []
    skipped = 0
    for r in rel:
        out = osp.join(dst, r)
        if not overwrite and osp.exists(out):
            skipped += 1
            continue
        jobs.append((osp.join(src, r), out, tuple(size) if size else None,
                     shorter, quality))
    results = []
    # mmengine's progress bar, on stderr: the summary on stdout stays clean
    bar = ProgressBar(len(jobs), file=sys.stderr) if jobs else None
    if workers > 1 and len(jobs) > 1:
        with Pool(workers) as pool:
            for result in pool.imap_unordered(convert_one, jobs, chunksize=16):
                results.append(result)
                bar.update()
    else:
        for job in jobs:
            results.append(convert_one(job))
            bar.update()
    if bar is not None:
        sys.stderr.write('\n')
    errors = [r for r in results if r.startswith('error')]
    if errors:
        raise RuntimeError(f'{len(errors)} image(s) failed, first: '
                           f'{errors[0]}')
    return dict(
        images=len(rel),
        resized=results.count('resized'),
        copied=results.count('copied'),
        skipped=skipped)


def main(argv: Optional[List[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='folder of the original images')
    parser.add_argument('dst', help='folder to write (same layout)')
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument(
        '--size',
        type=int,
        nargs=2,
        metavar=('W', 'H'),
        help='squash every image to W x H (e.g. 224 224)')
    group.add_argument(
        '--shorter',
        type=int,
        metavar='N',
        help='scale the shorter side to N, keep the aspect')
    parser.add_argument(
        '--quality',
        type=int,
        default=95,
        help='JPEG quality of the written files')
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument(
        '--ext',
        nargs='+',
        default=list(IMAGE_EXTS),
        help='file extensions treated as images')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='rewrite files that exist in DST')
    args = parser.parse_args(argv)
    counts = convert(
        args.src,
        args.dst,
        size=args.size,
        shorter=args.shorter,
        quality=args.quality,
        workers=args.workers,
        exts=args.ext,
        overwrite=args.overwrite)
    print(f'{counts["images"]} images under {args.src}: {counts["resized"]} '
          f'resized, {counts["copied"]} copied as they were, '
          f'{counts["skipped"]} already in {args.dst} (kept)')
    return counts


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
