"""Mixed precision on CUDA computes what float32 on the CPU does.

Each check runs twice: on CUDA under ``autocast(float16)`` (marked ``cuda``,
skipped without a GPU; ``make gpu-check`` runs them) and on the CPU under
``autocast(bfloat16)``, which exercises the same code path here. The
reference is always float32 on the CPU from the same float32 inputs, and the
AMP side gets those inputs rounded to the half type, as an AMP forward
delivers them. Tolerances are relative to the float32 value:

- losses: 1e-2 under float16 (inputs rounded to 2^-11 relative; every loss
  computes in float32 after that), 5e-2 under bfloat16 (2^-8);
- a whole L2D distillation step (demo ResNets + ML-Decoder heads, MLD and
  LED, dropout off): every loss term within 2e-2 under float16 (the
  convolutions and attention run in half precision; measured on the CPU:
  LED 1.5e-3, the others 2e-4), 1e-1 under bfloat16 (measured: LED 1.8e-2);
  the label-wise embeddings within the same fraction of their largest
  entry, and LED equal (1e-4) to float32 LED of those embeddings; all
  gradients finite; the teacher's recorded outputs carry no autograd
  history;
- the mAP evaluator: CUDA equal to the CPU to 1e-9 (its sort and cumulative
  sums run in float64).
"""
import copy
import os
import sys

import numpy as np
import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

import mmlkd  # noqa: F401  (registers the losses)
from mmlkd.evaluation.functional import average_precision, multilabel_f1_scores
from mmlkd.models.losses import CAMDistillLoss, CLKDLoss, LEDLoss, MLDLoss
from mmlkd_testing import ROOT

sys.path.insert(0, os.path.join(ROOT, 'tools', 'benchmark'))
import distill_overhead  # noqa: E402

CUDA = pytest.param(('cuda', torch.float16),
                    marks=[
                        pytest.mark.cuda,
                        pytest.mark.skipif(
                            not torch.cuda.is_available(),
                            reason='needs a CUDA GPU')
                    ],
                    id='cuda-float16')
CPU = pytest.param(('cpu', torch.bfloat16), id='cpu-bfloat16')
LOSS_RTOL = {torch.float16: 1e-2, torch.bfloat16: 5e-2}
STEP_RTOL = {torch.float16: 2e-2, torch.bfloat16: 1e-1}


def _inputs(seed):
    g = torch.Generator().manual_seed(seed)
    B, C = 16, 10
    y = (torch.rand(B, C, generator=g) < 0.35).float()
    return dict(
        logits_S=torch.randn(B, C, generator=g) * 2,
        logits_T=torch.randn(B, C, generator=g) * 2,
        emb_S=torch.randn(B, C, 32, generator=g),
        emb_T=torch.randn(B, C, 32, generator=g),
        cam_S=torch.randn(B, C, 7, 7, generator=g),
        cam_T=torch.randn(B, C, 7, 7, generator=g),
        target=y)


CASES = {
    'LEDLoss': (LEDLoss(), ('emb_S', 'emb_T', 'target')),
    'MLDLoss': (MLDLoss(), ('logits_S', 'logits_T')),
    'CAMDistillLoss': (CAMDistillLoss(), ('cam_S', 'cam_T')),
    'CLKDLoss': (CLKDLoss(), ('logits_S', 'logits_T')),
}


@pytest.mark.parametrize('name', list(CASES))
@pytest.mark.parametrize('where', [CUDA, CPU])
def test_loss_under_amp_equals_float32_cpu(name, where):
    device, half = where
    loss_fn, keys = CASES[name]
    x = _inputs(0)
    ref_in = [x[k].clone() for k in keys]
    ref_in[0].requires_grad_(True)
    ref = loss_fn(*ref_in)
    ref.backward()

    amp_in = [x[k].to(device) for k in keys]
    # Predictions arrive in the half type; targets stay as the loader gives.
    amp_in[:2] = [t.to(half) for t in amp_in[:2]]
    amp_in[0].requires_grad_(True)
    with torch.autocast(device_type=device, dtype=half):
        got = loss_fn(*amp_in)
    assert got.dtype == torch.float32, f'{name} returned {got.dtype}'
    got.backward()
    rtol = LOSS_RTOL[half]
    assert float(got) == pytest.approx(float(ref), rel=rtol), name
    grad = amp_in[0].grad.float().cpu()
    assert torch.isfinite(grad).all()
    # Gradients: close relative to their largest entry.
    scale = float(ref_in[0].grad.abs().max())
    assert float((grad - ref_in[0].grad).abs().max()) <= 2 * rtol * scale


def _l2d_step(device, amp_dtype, algorithm, data):
    """One L2D distillation step's loss terms (``loss`` backpropagated);
    returns them, the distiller (its recorders hold the step's data) and the
    student's gradients."""
    algorithm = algorithm.to(device)
    algorithm.zero_grad()
    batch = algorithm.data_preprocessor(data, True)
    with torch.autocast(
            device_type=device,
            dtype=amp_dtype or torch.float32,
            enabled=amp_dtype is not None):
        losses = algorithm.loss(batch['inputs'], batch['data_samples'])
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    grads = [
        p.grad for p in algorithm.student.parameters() if p.grad is not None
    ]
    return ({
        k: float(v.detach())
        for k, v in losses.items() if 'loss' in k
    }, algorithm.distiller, grads)


def _record(distiller, side, name, idx=None):
    recorders = (distiller.student_recorders if side == 'student' else
                 distiller.teacher_recorders).recorders
    data = recorders[name].data_buffer[-1]
    return data if idx is None else data[idx]


def _calibrate_teacher_norms(algorithm, data) -> None:
    """Give the random teacher's BatchNorms the statistics of the batch.

    With its initial running statistics (mean 0, variance 1) in eval mode, a
    random teacher maps every image to nearly the same embedding (class-set
    distances about 1e-3 of the norms), differences no half type can hold,
    so LED's class term would compare rounding noise. A trained teacher's
    statistics fit its inputs; these do too.
    """
    batch = algorithm.data_preprocessor(copy.deepcopy(data), False)
    for m in algorithm.teacher.modules():
        if isinstance(m, _BatchNorm):
            m.reset_running_stats()
            m.momentum = None  # running stats = this batch's statistics
            m.train()
    with torch.no_grad():
        algorithm.teacher(batch['inputs'], mode='tensor')
    algorithm.train()  # mmrazor puts the teacher's norms back in eval mode


@pytest.mark.parametrize('where', [CUDA, CPU])
def test_l2d_step_under_amp_equals_float32_cpu(where):
    device, half = where
    cfg = distill_overhead.load_cfg('configs/l2d/demo_l2d.py', 16)
    torch.manual_seed(0)
    algorithm, *_ = distill_overhead.build_pair(cfg, 'cpu', None)
    data = distill_overhead.demo_batch(cfg, 16)
    _calibrate_teacher_norms(algorithm, data)
    # Dropout draws from each device's own generator: off, so that both
    # sides compute the same function.
    for m in algorithm.student.modules():
        if isinstance(m, torch.nn.Dropout):
            m.eval()
        elif isinstance(m, torch.nn.MultiheadAttention):
            m.dropout = 0.0
    amp_alg = copy.deepcopy(algorithm)
    ref, ref_d, _ = _l2d_step('cpu', None, algorithm, copy.deepcopy(data))
    got, got_d, grads = _l2d_step(device, half, amp_alg, copy.deepcopy(data))
    assert set(got) == set(ref) and {'distill.loss_mld', 'distill.loss_led'
                                     } <= set(got)
    rtol = STEP_RTOL[half]
    for k in ref:
        assert got[k] == pytest.approx(ref[k], rel=rtol), k
    assert grads and all(torch.isfinite(g).all() for g in grads)
    # LED compares distances within sets whose members differ by a few
    # percent of their norm, so it is the term most sensitive to rounding;
    # its two parts apart: the half-precision embeddings are close to
    # float32's ...
    for side in ('student', 'teacher'):
        e_ref = _record(ref_d, side, 'emb').detach()
        e_amp = _record(got_d, side, 'emb').detach().float().cpu()
        err = float((e_amp - e_ref).abs().max() / e_ref.abs().max())
        assert err <= rtol, (side, err)
    # ... and LED on them is what float32 computes on the CPU from them.
    led = got_d.distill_losses['loss_led']
    y = _record(got_d, 'student', 'gt', 1).cpu()
    led_fp32 = led(
        _record(got_d, 'student', 'emb').detach().float().cpu(),
        _record(got_d, 'teacher', 'emb').float().cpu(), y)
    assert got['distill.loss_led'] == pytest.approx(float(led_fp32), rel=1e-4)
    # mmrazor runs a frozen teacher under no_grad: nothing it recorded
    # keeps a graph alive.
    records = [
        r.data_buffer for r in got_d.teacher_recorders.recorders.values()
    ]
    flat = [
        t for buf in records for item in buf
        for t in (item if isinstance(item, (tuple, list)) else [item])
        if isinstance(t, torch.Tensor)
    ]
    assert flat and not any(t.requires_grad for t in flat)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
def test_metric_on_cuda_equals_cpu():
    rng = np.random.default_rng(0)
    n, c = 2000, 20
    targets = (rng.random((n, c)) < 0.1).astype(np.int64)
    targets[rng.random((n, c)) < 0.01] = -1  # ignored entries
    scores = np.round(rng.random((n, c)), 3).astype(np.float32)  # ties
    s, t = torch.from_numpy(scores), torch.from_numpy(targets)
    ap_cpu = average_precision(s, t)
    ap_cuda = average_precision(s.cuda(), t.cuda())
    assert ap_cuda.is_cuda
    np.testing.assert_allclose(
        ap_cuda.cpu().numpy(), ap_cpu.numpy(), rtol=0, atol=1e-9)
    f1_cpu = multilabel_f1_scores(s, t)
    f1_cuda = multilabel_f1_scores(s.cuda(), t.cuda())
    for k in f1_cpu:
        np.testing.assert_allclose(
            float(f1_cuda[k]), float(f1_cpu[k]), rtol=0, atol=1e-9, err_msg=k)
