"""Fixtures: tiny copies of the official layouts in tmp_path."""
import os.path as osp
import sys

import pytest

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import generated_layouts as gl  # noqa: E402


@pytest.fixture
def coco_root(tmp_path):
    return gl.coco_root(tmp_path)


@pytest.fixture
def nus_root(tmp_path):
    return gl.nus_root(tmp_path)


@pytest.fixture
def voc_root(tmp_path):
    return gl.voc_root(tmp_path)
