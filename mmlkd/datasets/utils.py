"""Load-time checks shared by the multi-label datasets."""
from typing import Dict, List

from mmengine.fileio import get_file_backend


def check_image_files(who: str, data_list: List[Dict], source: str) -> None:
    """Raise if any ``img_path`` of ``data_list`` does not exist.

    Checked when the dataset is built, so a missing image stops the run
    before training starts instead of failing (or being silently refetched
    by ``BaseDataset``) in the middle of an epoch.
    """
    if not data_list:
        return
    backend = get_file_backend(data_list[0]['img_path'],
                               enable_singleton=True)
    missing = [d['img_path'] for d in data_list
               if not backend.exists(d['img_path'])]
    if missing:
        raise FileNotFoundError(
            f'{who}: {len(missing)} of the {len(data_list)} images listed in '
            f'{source} are missing, e.g. {missing[:3]}; check data_root / '
            'data_prefix, or pass check_files=False')
