import functools

import pytest
import torch
from oracles import act_two_digit, apply_representation, group_average, orbit_same_predictions

from symrep.actions.cubic import cube_rotate
from symrep.actions.planar import act_2d
from symrep.experiments.ensembles.metrics import symmetric_kl
from symrep.groups import get_group
from symrep.representations import latent_representation


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def random_net(in_shape, out_dim, seed=0):
    """A fixed random non-symmetric network on flattened inputs."""
    gen = torch.Generator().manual_seed(seed)
    d = torch.Size(in_shape).numel()
    w1, w2 = torch.randn(d, 32, generator=gen) / d**0.5, torch.randn(32, out_dim, generator=gen) / 32**0.5
    return lambda x: torch.tanh(x.reshape(x.shape[0], -1) @ w1) @ w2


CASES = {
    "C4": (lambda g: functools.partial(act_2d, g), (1, 7, 7)),
    "D4": (lambda g: functools.partial(act_2d, g), (2, 6, 6)),
    "D1xD1": (lambda g: functools.partial(act_two_digit, g), (1, 56, 56)),
    "O": (lambda g: lambda e, v: cube_rotate(e, v), (1, 4, 4, 4)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_group_average_is_invariant(name):
    group = get_group(name)
    make_act, shape = CASES[name]
    act = make_act(group)
    f = random_net(shape, 5)
    x = torch.rand(3, *shape)
    avg = group_average(f, x, group, act)
    assert (f(act(1, x)) - f(x)).abs().max() > 1e-3  # f itself is not invariant
    for h in range(group.order):
        torch.testing.assert_close(group_average(f, act(h, x), group, act), avg, rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", list(CASES))
def test_group_average_is_equivariant(name):
    group = get_group(name)
    make_act, shape = CASES[name]
    act_in = make_act(group)
    rho = latent_representation(group, group.order + 2)
    act_out = functools.partial(apply_representation, rho)
    f = random_net(shape, group.order + 2)
    x = torch.rand(3, *shape)
    avg = group_average(f, x, group, act_in, act_out)
    assert (f(act_in(1, x)) - act_out(1, f(x))).abs().max() > 1e-3
    for h in range(group.order):
        torch.testing.assert_close(
            group_average(f, act_in(h, x), group, act_in, act_out), act_out(h, avg), rtol=0, atol=1e-5
        )


def test_group_average_keeps_an_equivariant_function():
    group = get_group("D4")
    act = functools.partial(act_2d, group)
    x = torch.rand(2, 1, 5, 5)
    torch.testing.assert_close(group_average(torch.sin, x, group, act, act), torch.sin(x))


def test_orbit_same_predictions():
    group = get_group("C4")
    act = functools.partial(act_2d, group)
    x = torch.rand(64, 1, 7, 7)
    f = random_net((1, 7, 7), 10)
    inv = lambda v: group_average(f, v, group, act)  # noqa: E731
    assert orbit_same_predictions(inv, x, group, act).tolist() == [4] * 64
    osp = orbit_same_predictions(f, x, group, act)
    assert osp.dtype == torch.long and osp.min() >= 1 and osp.max() <= 4 and osp.min() < 4
    by_hand = sum((f(act(g, x)).argmax(1) == f(x).argmax(1)).long() for g in range(4))
    assert torch.equal(osp, by_hand)


def test_symmetric_kl():
    a, b = torch.randn(6, 10), torch.randn(6, 10)
    kl = symmetric_kl(a, b)
    p, q = a.softmax(1), b.softmax(1)
    by_hand = (p * (p / q).log()).sum(1) + (q * (q / p).log()).sum(1)
    torch.testing.assert_close(kl, by_hand)
    torch.testing.assert_close(symmetric_kl(b, a), kl)
    assert (kl > 0).all() and symmetric_kl(a, a + 3.0).abs().max() < 1e-6  # softmax ignores shifts
