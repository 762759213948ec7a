# The ResNet multi-label classifiers of resnet_multilabel.py with 20-class
# heads for Pascal VOC 2007.
_base_ = ['./resnet_multilabel.py']

resnet101_ml = dict(head=dict(num_classes=20))
resnet50_ml = dict(head=dict(num_classes=20))
resnet34_ml = dict(head=dict(num_classes=20))
resnet18_ml = dict(head=dict(num_classes=20))
