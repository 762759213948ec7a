"""CPUSyncBatchNorm outside a process group, and the BN conversion.

Its synchronised path (two gloo ranks equal one process) is tested in
tests/test_distributed_equality.py.
"""
import pytest
import torch
import torch.nn as nn

from mmlkd.models.utils import CPUSyncBatchNorm, convert_cpu_sync_batchnorm


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, momentum=0.3), nn.ReLU(),
        nn.Flatten(), nn.Linear(64, 5), nn.Sequential(nn.BatchNorm1d(5)))


def test_conversion_moves_the_same_tensors_and_keeps_the_keys():
    net = _net()
    before = dict(net.state_dict(keep_vars=True))
    params = {n: p for n, p in net.named_parameters()}
    convert_cpu_sync_batchnorm(net)
    assert isinstance(net[1], CPUSyncBatchNorm)
    assert isinstance(net[5][0], CPUSyncBatchNorm)  # nested
    assert net[1].momentum == 0.3 and net[1].num_features == 4
    after = dict(net.state_dict(keep_vars=True))
    assert list(after) == list(before)
    # The very tensors: an optimizer built before still updates the model.
    for name, p in net.named_parameters():
        assert p is params[name]
    for name, t in before.items():
        assert after[name] is t, name
    # Converting twice changes nothing.
    bn = net[1]
    convert_cpu_sync_batchnorm(net)
    assert net[1] is bn


def test_without_a_process_group_it_is_batchnorm_in_train_and_eval():
    ref, net = _net(), convert_cpu_sync_batchnorm(_net())
    x = torch.randn(8, 3, 6, 6) * 2 + 3
    for mode in (True, False):
        ref.train(mode)
        net.train(mode)
        torch.testing.assert_close(net(x), ref(x), rtol=0, atol=0)
    torch.testing.assert_close(
        net.state_dict(), ref.state_dict(), rtol=0, atol=0)


def test_one_dimensional_input_is_refused():
    with pytest.raises(ValueError, match='CPUSyncBatchNorm expects'):
        CPUSyncBatchNorm(3)(torch.zeros(3))
