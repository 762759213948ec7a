"""A training epoch whose last batch holds one image (batch statistics)."""
from mmlkd_testing import TINY_DEMO, run_tool

# TINY_DEMO's batch of 16 and 33 images: batches of 16, 16 and 1.
LAST_BATCH_OF_ONE = [
    opt for opt in TINY_DEMO
    if not opt.startswith('train_dataloader.dataset.num_images=')
] + ['train_dataloader.dataset.num_images=33']


def test_clkd_demo_trains_through_a_last_batch_of_one(tiny_teacher_ckpt,
                                                      tmp_path):
    # CLKD's class-level and correlation terms are batch statistics; a last
    # batch of one image used to stop the run mid-epoch.
    run_tool([
        'tools/train.py', 'configs/clkd/demo_clkd.py', '--work-dir',
        str(tmp_path), '--cfg-options'
    ] + LAST_BATCH_OF_ONE + [f'model.teacher_ckpt={tiny_teacher_ckpt}'])
    logs = list(tmp_path.glob('*/*.log'))
    assert logs and 'Epoch(train) [1][3/3]' in logs[0].read_text()
    assert (tmp_path / 'epoch_1.pth').is_file()
