"""Generators of tiny copies of the official COCO / NUS-WIDE / VOC layouts."""
import json
import os
import os.path as osp

import cv2
import numpy as np


def write_image(path: str, seed: int = 0) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    img = np.random.default_rng(seed).integers(
        0, 255, (12, 16, 3), dtype=np.uint8)
    cv2.imwrite(path, img)


# category ids with gaps, as in COCO; names are real COCO categories
COCO_CATS = [(1, 'person'), (2, 'bicycle'), (18, 'dog'), (44, 'bottle')]
# image -> category ids of its annotations (img 4 has none)
COCO_IMAGES = {1: [1, 18, 1], 2: [44], 3: [2, 18], 4: []}


def coco_instances(images=COCO_IMAGES, cats=COCO_CATS) -> dict:
    anns, k = [], 0
    for img_id, cat_ids in images.items():
        for cid in cat_ids:
            k += 1
            anns.append(
                dict(
                    id=k,
                    image_id=img_id,
                    category_id=cid,
                    bbox=[0, 0, 4, 4],
                    area=16,
                    iscrowd=0))
    return dict(
        images=[
            dict(
                id=i,
                file_name=f'COCO_val2014_{i:012d}.jpg',
                width=16,
                height=12) for i in images
        ],
        annotations=anns,
        categories=[dict(id=i, name=n, supercategory='x') for i, n in cats])


def coco_root(tmp_path):
    root = tmp_path / 'coco'
    os.makedirs(root / 'annotations')
    for split in ('train2014', 'val2014'):
        ann = coco_instances()
        for im in ann['images']:
            im['file_name'] = im['file_name'].replace('val2014', split)
            write_image(str(root / split / im['file_name']), im['id'])
        with open(root / 'annotations' / f'instances_{split}.json', 'w') as f:
            json.dump(ann, f)
    return root


NUS_CONCEPTS = ['airport', 'animal', 'beach']
# split -> list of (windows-style path, labels per concept)
NUS_IMAGES = {
    'Train': [('actor\\0001_1.jpg', [1, 0,
                                     1]), ('beach\\0002_2.jpg', [0, 0, 1]),
              ('zoo\\0003_3.jpg', [0, 0, 0])],
    'Test': [('zoo\\0004_4.jpg', [0, 1, 0]), ('sea\\0005_5.jpg', [1, 1, 1])],
}


def nus_root(tmp_path):
    root = tmp_path / 'nus-wide'
    os.makedirs(root / 'ImageList')
    os.makedirs(root / 'TrainTestLabels')
    (root / 'Concepts81.txt').write_text('\n'.join(NUS_CONCEPTS) + '\n')
    for tag, items in NUS_IMAGES.items():
        # official files end lines with \r\n and pad labels with a space
        (root / 'ImageList' / f'{tag}Imagelist.txt').write_text(''.join(
            f'{p}\r\n' for p, _ in items))
        for c, concept in enumerate(NUS_CONCEPTS):
            (root / 'TrainTestLabels' /
             f'Labels_{concept}_{tag}.txt').write_text(''.join(
                 f'{lab[c]} \n' for _, lab in items))
        for k, (p, _) in enumerate(items):
            write_image(str(root / 'Flickr' / p.replace('\\', '/')), k)
    return root


VOC_CLASSES_USED = ['aeroplane', 'bicycle', 'bird', 'dog']
# image id -> list of (class name, difficult)
VOC_IMAGES = {
    'trainval': {
        '000005': [('dog', 0), ('bird', 1)],
        '000007': [('bicycle', 0)]
    },
    'test': {
        '000001': [('aeroplane', 0), ('aeroplane', 1), ('bird', 1)],
        '000002': [('bicycle', 0), ('dog', 0)]
    },
}


def voc_root(tmp_path):
    root = tmp_path / 'VOC2007'
    os.makedirs(root / 'ImageSets' / 'Main')
    os.makedirs(root / 'Annotations')
    for split, imgs in VOC_IMAGES.items():
        (root / 'ImageSets' / 'Main' /
         f'{split}.txt').write_text('\n'.join(imgs) + '\n')
        for k, (img_id, objs) in enumerate(imgs.items()):
            body = ''.join(
                f'<object><name>{n}</name><difficult>{d}</difficult></object>'
                for n, d in objs)
            (root / 'Annotations' / f'{img_id}.xml').write_text(
                f'<annotation><filename>{img_id}.jpg</filename>{body}'
                '</annotation>')
            write_image(str(root / 'JPEGImages' / f'{img_id}.jpg'), k)
    return root
