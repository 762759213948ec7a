# The ResNet multi-label classifiers of resnet_multilabel.py with 81-class
# heads for NUS-WIDE.
_base_ = ['./resnet_multilabel.py']

resnet101_ml = dict(head=dict(num_classes=81))
resnet50_ml = dict(head=dict(num_classes=81))
resnet34_ml = dict(head=dict(num_classes=81))
resnet18_ml = dict(head=dict(num_classes=81))
