# L2D recipe: Adam lr 1e-4, L2 weight decay on weights only (no norm/bias
# decay), OneCycle with 20 % warm-up stepped every iteration, cycling Adam's
# beta1, 80 epochs. Mixed precision: add `--amp` to tools/train.py on GPU.
#
# The reference (github.com/penghui-yang/L2D, main.py) minimises a SUM:
# BCE summed over the B x C cells of the batch + 10 MLD + 1 LED, with
# torch.optim.Adam(lr 1e-4, eps 1e-8, coupled L2 decay 1e-4 on the weights)
# and torch's OneCycleLR(max_lr=1e-4, pct_start=0.2, epochs=80,
# steps_per_epoch=len(train_loader)) with its defaults.
#
# mmlkd's losses are that sum divided by s = 64, the recipe's global batch:
# mmpretrain's sigmoid CrossEntropyLoss is reduced with avg_factor = the
# batch (MultiLabelClsHead passes avg_factor=B: sum over B x C cells / B, not
# a mean over the cells), and the distillation weights are the reference's
# / 64 (MLD 10 / 64, LED 1 / 64: _base_/distill/l2d_distiller.py). Under DDP
# the averaged gradient is that of the global batch, so s stays 64.
# Adam with coupled L2 steps by m / (sqrt(v) + eps), m and v built from
# grad + wd * p: dividing the loss, wd and eps by the same s leaves every
# step unchanged (and s = 2^6 is exact in floating point). Hence:
#   weight_decay = 1e-4 / 64 = 1.5625e-06
#   eps          = 1e-8 / 64 = 1.5625e-10
# Teachers (configs/teachers/*) train BCE alone, also sum / 64: same values.
# With the reference's 1e-4 and 1e-8, decay and eps would be 64x larger
# relative to the gradient (tests/test_engine/test_l2d_reference_step.py
# shows both trajectories).
optim_wrapper = dict(
    optimizer=dict(
        type='Adam', lr=1e-4, weight_decay=1e-4 / 64, eps=1e-8 / 64),
    # The reference's add_weight_decay: no decay on 1-D parameters and on
    # `.bias`; flat_decay_mult also spares 1-D parameters that mmengine's bias
    # rule misses (e.g. nn.MultiheadAttention's in_proj_bias). Frozen
    # parameters are skipped by both.
    paramwise_cfg=dict(
        norm_decay_mult=0.0, bias_decay_mult=0.0, flat_decay_mult=0.0),
)
# torch's OneCycleLR with the reference's arguments: lr from eta_max / 25
# (div_factor) up to eta_max over the first 20 % of the steps, then a cosine
# down to eta_max / 25 / 1e4 (final_div_factor), two phases. mmengine's
# OneCycleLR has the same defaults and arithmetic but schedules the lr only;
# torch's also cycles the momentum (cycle_momentum=True): Adam's beta1 goes
# 0.95 -> 0.85 over the warm-up and back to 0.95 by cosine, which
# OneCycleMomentum (mmlkd/engine/schedulers) adds. Both are stepped every
# iteration over 80 epochs of len(train_dataloader) iterations each
# (convert_to_iter_based reads len(train_dataloader): 1282 on COCO 2014's
# 82,081 training images at batch 64 with drop_last=True, as the reference's
# loader). E.g. an 80-step cycle: lr 4e-06, 6.684e-05, 4e-10 and beta1
# 0.95, 0.8832, 0.95 at steps 0, 40, 79.
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=1e-4,
        pct_start=0.2,
        by_epoch=True,
        begin=0,
        end=80,
        convert_to_iter_based=True,  # one LR step per iteration
    ),
    dict(
        type='OneCycleMomentum',
        base_momentum=0.85,
        max_momentum=0.95,
        pct_start=0.2,
        by_epoch=True,
        begin=0,
        end=80,
        convert_to_iter_based=True,
    ),
]
train_cfg = dict(by_epoch=True, max_epochs=80, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# The recipe's batch: 64 images per step over all processes. tools/train.py
# gives each of N processes 64 / N (N must divide 64), so 1, 2 or 8 GPUs train
# the same recipe. For a per-GPU batch instead (OpenMMLab's convention), set
# global_batch_size=None and train_dataloader.batch_size; --auto-scale-lr then
# scales the lr (and OneCycle's eta_max) by the total batch / base_batch_size.
# weight_decay and eps above hold for s = 64, i.e. the global batch of 64:
# with another global batch B the BCE becomes sum / B while the distillation
# weights stay written / 64, so the loss is no longer the reference's / 64.
global_batch_size = 64
auto_scale_lr = dict(base_batch_size=64)
# BatchNorm statistics over the global batch when training on several GPUs
# (mmengine converts the model only when distributed; tools/train.py drops
# this on machines without CUDA, where SyncBatchNorm cannot run).
sync_bn = 'torch'

# What still differs from the L2D reference's training, printed on the recipe
# card (docs/recipe.md, "Reference-exact L2D"); none changes an op or a loss.
# Configs add their own in `pair_reference_differences`.
reference_differences = [
    'BCE: the reference clamps probabilities at 1e-8 (no gradient where '
    '|logit| > 18.4); mmpretrain\'s BCE-with-logits is exact',
    'random streams: mmengine seeds random and np.random in every loader '
    'worker, the reference (torch 1.8) only random; same distribution, '
    'other draws per image',
    'Pillow 13, not the reference\'s 9.2: JPEG decoding may differ in the '
    'last bit',
]
