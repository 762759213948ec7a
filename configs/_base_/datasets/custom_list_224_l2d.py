# Your own multi-label images, trained and scored with the L2D recipe (the
# reference's 224 px pipeline, inputs in [0, 1], its OF1 / CF1 beside mAP):
# copy this file next to your configs and edit the lines marked EDIT.
# docs/custom_dataset.md walks through it.
#
# Layout it reads:
#   data/my_data/images/*.jpg           (any image format PIL opens)
#   data/my_data/train.json, val.json   one list per split:
#     [{"file_name": "0001.jpg", "labels": ["cat", "dog"]}, ...]
# Labels are class names (recommended) or indices into `classes` as ordered
# below. The L2D authors' files hold indices into the ALPHABETICAL order:
# for them set class_order='alphabetical' in both splits.
_base_ = ['./coco_224_l2d.py']

# EDIT: your class names. They are the one declaration of the classes: the
# heads and the data preprocessor read num_classes from here, and before
# training a teacher checkpoint's stored classes are compared with them.
classes = ['cat', 'dog', 'bird']
num_classes = len(classes)
# EDIT: where the data is.
data_root = 'data/my_data/'

data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='train.json',  # EDIT: the training list
        data_prefix=dict(img_path='images/'),
        classes=classes,
        class_order='id'))  # 'id': the order of `classes` above
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='val.json',  # EDIT: the validation list
        data_prefix=dict(img_path='images/'),
        classes=classes,
        class_order='id'))
test_dataloader = val_dataloader
