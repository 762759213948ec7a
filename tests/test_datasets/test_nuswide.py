"""NUSWIDE on a generated copy of the official layout."""
import pytest

from mmlkd.datasets import NUSWIDE

PIPE = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]


def test_official_layout(nus_root):
    ds = NUSWIDE(data_root=str(nus_root), split='train', pipeline=PIPE)
    assert ds.CLASSES == ('airport', 'animal', 'beach')
    assert len(ds) == 3  # an image without concept is kept by default
    assert [ds.get_cat_ids(i) for i in range(3)] == [[0, 2], [2], []]
    # windows separators of the image list converted
    assert ds.get_data_info(0)['img_path'].endswith('Flickr/actor/0001_1.jpg')
    assert ds[0]['data_samples'].gt_label.tolist() == [0, 2]
    test = NUSWIDE(data_root=str(nus_root), split='test')
    assert [test.get_cat_ids(i) for i in range(2)] == [[1], [0, 1, 2]]
    ds = NUSWIDE(
        data_root=str(nus_root), drop_empty=True, classes=['beach', 'airport'])
    assert ds.CLASSES == ('beach', 'airport')
    assert [ds.get_cat_ids(i) for i in range(len(ds))] == [[0, 1], [0]]


def test_bad_inputs_are_named(nus_root):
    with pytest.raises(ValueError, match=r"unknown concepts \['volcano'\]"):
        NUSWIDE(data_root=str(nus_root), classes=['beach', 'volcano'])
    with pytest.raises(ValueError, match='split'):
        NUSWIDE(data_root=str(nus_root), split='val')
    labels = nus_root / 'TrainTestLabels' / 'Labels_animal_Train.txt'
    labels.write_text('0\n1\n')
    with pytest.raises(
            ValueError,
            match='Labels_animal_Train.txt has 2 '
            'labels but the image list has 3'):
        NUSWIDE(data_root=str(nus_root))
    labels.write_text('0\n2\n0\n')
    with pytest.raises(
            ValueError,
            match='Labels_animal_Train.txt line 2: '
            'value 2 is not 0 or 1'):
        NUSWIDE(data_root=str(nus_root))
    labels.write_text('0\nyes\n0\n')
    with pytest.raises(ValueError, match="line 2: 'yes' is not 0 or 1"):
        NUSWIDE(data_root=str(nus_root))
    labels.unlink()
    with pytest.raises(
            FileNotFoundError,
            match='label file .*Labels_animal_Train.txt not found'):
        NUSWIDE(data_root=str(nus_root))
    labels.write_text('0\n0\n0\n')
    (nus_root / 'Flickr' / 'zoo' / '0003_3.jpg').unlink()
    with pytest.raises(
            FileNotFoundError, match=r'1 of the 3 images .*zoo/0003_3.jpg'):
        NUSWIDE(data_root=str(nus_root))
    ds = NUSWIDE(data_root=str(nus_root), skip_missing=True)
    assert len(ds) == 2
    (nus_root / 'Concepts81.txt').unlink()
    with pytest.raises(FileNotFoundError, match='concept list .*Concepts81'):
        NUSWIDE(data_root=str(nus_root))
