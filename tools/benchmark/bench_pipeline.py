"""Images/s per data-loader worker of the COCO train pipelines, and what helps.

    PYTHONPATH=$PWD python tools/benchmark/bench_pipeline.py [--images 300] \
        [--size 640 480] [--pipelines coco l2d] [--backends cv2 pillow] \
        [--gpu-images-per-s 2000] [--loader-epochs 2] [--json out.json]

Everything runs on data generated here: ``--images`` COCO-sized JPEGs
(640 x 480, smooth content with noise, about COCO's file size) and a COCO
``instances`` file, in a temporary folder. The datasets are built from the
configs' own train pipelines (``configs/_base_/datasets/coco_224.py``:
decode, Resize to 224 x 224, flip; ``coco_224_l2d.py``: decode, Resize,
Cutout, RandAugment) and measured:

- per worker: one process running the pipeline image after image (what a
  data-loader worker does), images per CPU second of that process
  (``time.process_time``, so other load on the machine does not count; a
  worker is single-threaded: OpenCV's threads are off as in mmengine's
  workers);
- the same on a copy pre-resized to 224 x 224 by
  ``tools/dataset_converters/preresize_images.py``;
- per JPEG decode backend (``LoadImageFromFile(imdecode_backend=...)``):
  cv2, pillow, and turbojpeg where PyTurboJPEG is installed;
- persistent workers: a ``DataLoader`` with 2 workers over ``--loader-epochs``
  epochs with and without ``persistent_workers``; the difference per epoch
  is what starting the workers costs (wall time, so noisy on a busy host).

Workers one GPU needs = ceil(GPU images/s / images/s per worker), printed
for ``--gpu-images-per-s`` when given (``make gpu-check`` passes its
measured distillation throughput).
"""
import argparse
import copy
import json
import math
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, List, Optional

import cv2
import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))

PIPELINES = {
    'coco': 'configs/_base_/datasets/coco_224.py',
    'l2d': 'configs/_base_/datasets/coco_224_l2d.py',
}


# ------------------------------------------------------------------ data
def make_jpegs(root: str,
               n: int,
               size=(640, 480),
               quality: int = 90,
               seed: int = 0) -> List[str]:
    """``n`` JPEGs of ``size`` (W, H) under ``root/train2014``: low-frequency
    colour fields plus shapes and noise, so they compress (and decode) about
    as real photos do, not as white noise would."""
    rng = np.random.default_rng(seed)
    w, h = size
    folder = osp.join(root, 'train2014')
    os.makedirs(folder, exist_ok=True)
    names = []
    for i in range(n):
        small = rng.integers(
            0, 256, (max(h // 48, 2), max(w // 48, 2), 3), dtype=np.uint8)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
        for _ in range(6):
            c = tuple(int(v) for v in rng.integers(0, 256, 3))
            x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
            cv2.circle(img, (x, y), int(rng.integers(5, max(h // 4, 6))), c,
                       -1)
        noise = rng.normal(0, 6, img.shape)
        img = np.clip(img + noise, 0, 255).astype(np.uint8)
        name = f'COCO_train2014_{i + 1:012d}.jpg'
        cv2.imwrite(
            osp.join(folder, name), img, [cv2.IMWRITE_JPEG_QUALITY, quality])
        names.append(name)
    return names


def write_annotations(root: str,
                      names: List[str],
                      size=(640, 480),
                      seed: int = 0) -> str:
    """A COCO ``instances`` file for ``names``: 80 categories, 1-5 labels
    per image."""
    from mmlkd.datasets import COCO_CATEGORIES
    rng = np.random.default_rng(seed)
    images, anns = [], []
    for i, name in enumerate(names, start=1):
        images.append(
            dict(id=i, file_name=name, width=size[0], height=size[1]))
        for c in rng.choice(80, int(rng.integers(1, 6)), replace=False):
            anns.append(
                dict(
                    id=len(anns) + 1,
                    image_id=i,
                    category_id=int(c) + 1,
                    bbox=[0, 0, 8, 8],
                    area=64,
                    iscrowd=0))
    cats = [
        dict(id=k + 1, name=n, supercategory='x')
        for k, n in enumerate(COCO_CATEGORIES)
    ]
    path = osp.join(root, 'annotations', 'instances_train2014.json')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=anns, categories=cats), f)
    return path


def build_dataset(pipeline: str,
                  data_root: str,
                  img_dir: str = 'train2014/',
                  backend: str = 'cv2'):
    """The config's train dataset on ``data_root`` with its own pipeline
    (None when ``backend`` cannot decode for that pipeline)."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import DATASETS

    import mmlkd  # noqa: F401  (registers CocoMultiLabel)
    cfg = Config.fromfile(osp.join(ROOT, PIPELINES[pipeline]))
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.data_root = data_root
    ds_cfg.data_prefix = dict(img_path=img_dir)
    for t in ds_cfg.pipeline:
        if t['type'] == 'LoadImageFromFile':
            t['imdecode_backend'] = backend
        elif t['type'] == 'LoadImagePIL' and backend != 'pillow':
            # The L2D recipe decodes with PIL, as the reference does: no
            # other backend measures that pipeline.
            return None
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return DATASETS.build(ds_cfg)


def available_backends(wanted: List[str]) -> List[str]:
    found = []
    for b in wanted:
        if b == 'turbojpeg':
            try:
                import turbojpeg  # noqa: F401
                turbojpeg.TurboJPEG()
            except Exception:  # module or its shared library missing
                print('turbojpeg: PyTurboJPEG / libturbojpeg not available, '
                      'skipped')
                continue
        found.append(b)
    return found


# ---------------------------------------------------------------- timing
def per_worker(dataset, passes: int = 1) -> float:
    """Images per CPU second of this process running the pipeline."""
    cv2.setNumThreads(0)  # as mmengine's workers: no OpenCV thread pool
    dataset[0]  # warm-up (imports, lazy initialisation)
    t0 = time.process_time()
    n = 0
    for _ in range(passes):
        for i in range(len(dataset)):
            dataset[i]
            n += 1
    return n / max(time.process_time() - t0, 1e-9)


def loader_seconds(dataset,
                   workers: int,
                   epochs: int,
                   persistent: bool,
                   batch: int = 16) -> float:
    """Wall seconds to iterate ``epochs`` epochs of a DataLoader."""
    from mmengine.dataset import pseudo_collate
    from torch.utils.data import DataLoader
    loader = DataLoader(
        dataset,
        batch_size=batch,
        num_workers=workers,
        persistent_workers=persistent,
        collate_fn=pseudo_collate)
    t0 = time.perf_counter()
    for _ in range(epochs):
        for _ in loader:
            pass
    seconds = time.perf_counter() - t0
    del loader
    return seconds


def workers_needed(gpu_images_per_s: float, per_worker_rate: float) -> int:
    return max(1, math.ceil(gpu_images_per_s / per_worker_rate))


# ------------------------------------------------------------------ main
def run(args) -> Dict:
    from preresize_images import convert
    tmp = tempfile.mkdtemp(prefix='mmlkd_pipeline_')
    names = make_jpegs(tmp, args.images, tuple(args.size))
    write_annotations(tmp, names, tuple(args.size))
    t0 = time.perf_counter()
    convert(
        osp.join(tmp, 'train2014'),
        osp.join(tmp, 'train2014_224'),
        size=(224, 224),
        workers=1)
    convert_s = time.perf_counter() - t0
    mean_kb = np.mean(
        [osp.getsize(osp.join(tmp, 'train2014', n)) for n in names]) / 1024
    small_kb = np.mean(
        [osp.getsize(osp.join(tmp, 'train2014_224', n)) for n in names]) / 1024
    backends = available_backends(args.backends)
    rows = []
    for pipe in args.pipelines:
        for backend in backends:
            for stored, img_dir in (('original', 'train2014/'),
                                    ('224x224', 'train2014_224/')):
                ds = build_dataset(pipe, tmp, img_dir, backend)
                if ds is None:
                    continue
                rate = per_worker(ds, args.passes)
                rows.append(
                    dict(
                        pipeline=pipe,
                        backend=backend,
                        stored=stored,
                        images_per_s=rate))
                print(
                    f'{pipe:5s} {backend:9s} {stored:9s} '
                    f'{rate:8.1f} images/s per worker',
                    flush=True)
    loader = None
    if args.loader_epochs:
        ds = build_dataset(args.pipelines[0], tmp, 'train2014/', 'cv2') or \
            build_dataset(args.pipelines[0], tmp, 'train2014/', 'pillow')
        plain = loader_seconds(ds, 2, args.loader_epochs, False)
        persistent = loader_seconds(ds, 2, args.loader_epochs, True)
        loader = dict(
            pipeline=args.pipelines[0],
            workers=2,
            epochs=args.loader_epochs,
            seconds=plain,
            persistent_seconds=persistent,
            start_cost_per_epoch=(plain - persistent) / args.loader_epochs)
    if not args.keep:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return dict(
        images=args.images,
        size=list(args.size),
        jpeg_kb=mean_kb,
        jpeg_224_kb=small_kb,
        convert_s=convert_s,
        rows=rows,
        loader=loader,
        gpu_images_per_s=args.gpu_images_per_s)


def markdown(result: Dict) -> str:
    rows = result['rows']
    gpu = result.get('gpu_images_per_s')
    lines = [
        f'{result["images"]} generated JPEGs of {result["size"][0]} x '
        f'{result["size"][1]} px (mean {result["jpeg_kb"]:.0f} KB; '
        f'pre-resized to 224 x 224: {result["jpeg_224_kb"]:.0f} KB, '
        f'converted in {result["convert_s"]:.1f} s); images/s per worker '
        '(one process, CPU time)', '',
        '| pipeline | decode | stored | images/s per worker | vs original' +
        (f' | workers for {gpu:.0f} images/s' if gpu else '') + ' |',
        '| --- | --- | --- | ---: | ---: |' + (' ---: |' if gpu else '')
    ]
    base = {
        (r['pipeline'], r['backend']): r['images_per_s']
        for r in rows if r['stored'] == 'original'
    }
    for r in rows:
        ratio = r['images_per_s'] / base[(r['pipeline'], r['backend'])]
        line = (f'| {r["pipeline"]} | {r["backend"]} | {r["stored"]} | '
                f'{r["images_per_s"]:.0f} | {ratio:.2f}x |')
        if gpu:
            line += f' {workers_needed(gpu, r["images_per_s"])} |'
        lines.append(line)
    ld = result.get('loader')
    if ld:
        lines += [
            '', f'DataLoader, {ld["workers"]} workers, '
            f'{ld["epochs"]} epochs of the {ld["pipeline"]} pipeline: '
            f'{ld["seconds"]:.2f} s, with persistent_workers '
            f'{ld["persistent_seconds"]:.2f} s (worker start: '
            f'{ld["start_cost_per_epoch"]:.2f} s per epoch saved; '
            'wall time)'
        ]
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=300)
    parser.add_argument(
        '--size', type=int, nargs=2, default=[640, 480], metavar=('W', 'H'))
    parser.add_argument(
        '--pipelines',
        nargs='+',
        default=list(PIPELINES),
        choices=list(PIPELINES))
    parser.add_argument(
        '--backends',
        nargs='+',
        default=['cv2', 'pillow', 'turbojpeg'],
        choices=['cv2', 'pillow', 'turbojpeg'])
    parser.add_argument(
        '--passes',
        type=int,
        default=1,
        help='times each dataset is read per measurement')
    parser.add_argument(
        '--loader-epochs',
        type=int,
        default=2,
        help='DataLoader epochs for the persistent-workers '
        'comparison (0: skip it)')
    parser.add_argument(
        '--gpu-images-per-s',
        type=float,
        default=None,
        help='print the workers this GPU throughput needs')
    parser.add_argument(
        '--keep',
        action='store_true',
        help='keep the generated images (path printed)')
    parser.add_argument('--json', help='also write the results here')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    result = run(args)
    md = markdown(result)
    print(md)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
    result['markdown'] = md
    return result


if __name__ == '__main__':
    main()
