import functools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import HostSync, bit_equal, forbid_host_syncs
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import (
    act_two_digit,
    old_act_2d,
    old_cube_rotate,
    old_rot90,
    old_rotate_feature_maps,
    old_rotate_vector_field,
    old_smoke_act,
    swap_fonts,
)

from symrep.actions import elements
from symrep.actions.cubic import cube_rotate
from symrep.actions.elements import SignedPermutation
from symrep.actions.planar import act_2d, hflip, rot90, rotate
from symrep.actions.vector_field import rotate_feature_maps, rotate_vector_field
from symrep.experiments.ddmnist.pairs import rotate_and_back, rotate_then_rot90
from symrep.experiments.smoke.action import act as smoke_act
from symrep.groups import get_group


def all_pairs(n):
    g, h = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    return g.reshape(-1), h.reshape(-1)


def assert_left_action(act, group, x):
    """act(g, act(h, x)) == act(g·h, x) for every pair, batched over pairs; x has one sample per pair."""
    g, h = all_pairs(group.order)
    gh = torch.tensor(group.table)[g, h]
    torch.testing.assert_close(act(g, act(h, x)), act(gh, x), rtol=0, atol=1e-12)
    torch.testing.assert_close(act(0, x), x)


def screen_xy(n):
    """Screen coordinates (x right, y up) of the pixel centres of an n x n image, origin at the centre."""
    c = (n - 1) / 2
    i, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    return j - c, c - i


def blob(n, cx, cy, sigma=3.5):
    x, y = screen_xy(n)
    return torch.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma**2))


# ---------------------------------------------------------------- 2D conventions


def test_rot90_is_counter_clockwise_on_screen():
    x = torch.zeros(1, 1, 5, 7)
    x[..., 0, 0] = 1  # top-left
    y = rot90(1, x)
    assert y.shape == (1, 1, 7, 5) and y[..., 6, 0] == 1 and y.sum() == 1  # now bottom-left
    assert rot90(2, x)[..., 4, 6] == 1  # bottom-right
    torch.testing.assert_close(rot90(-1, x), rot90(3, x))


def test_flips():
    x = torch.zeros(4, 4)
    x[0, 0] = 1
    assert hflip(x)[0, 3] == 1 and x.flip(-2)[3, 0] == 1


def test_actions_return_new_tensors():
    x = torch.rand(2, 2, 4, 4, 4)
    outputs = [
        rot90(0, x),
        act_2d(get_group("D4"), 0, x),
        cube_rotate(0, x),
        swap_fonts(0, x),
        rotate_vector_field(0, x[:, :, 0], y_up=True, components="xy"),
    ]
    for y in outputs:
        y.add_(1)
        assert (x < 1).all()
    with pytest.raises(TypeError):
        rotate(10, torch.zeros(1, 1, 4, 4, dtype=torch.uint8))


@pytest.mark.parametrize("n", [6, 7])
@pytest.mark.parametrize("k", [1, 2, 3, -1])
def test_rotate_agrees_with_rot90(n, k):
    x = torch.rand(2, 3, n, n)
    torch.testing.assert_close(rotate(90 * k, x), rot90(k, x), rtol=0, atol=1e-5)


def test_rotate_arbitrary_angle_matches_analytic_rotation():
    n, theta = 41, 30.0
    x = blob(n, 8.0, 3.0)[None, None]
    t = math.radians(theta)
    cx, cy = 8 * math.cos(t) - 3 * math.sin(t), 8 * math.sin(t) + 3 * math.cos(t)  # counter-clockwise
    assert (rotate(theta, x) - blob(n, cx, cy)).abs().max() < 0.02
    assert (rotate(-theta, x) - blob(n, cx, cy)).abs().max() > 0.5


def test_rotate_non_square_and_per_sample_angles():
    x = torch.rand(3, 2, 6, 10)
    deg = torch.tensor([0.0, 180.0, 90.0])
    y = rotate(deg, x)
    torch.testing.assert_close(y[0], x[0], rtol=0, atol=1e-5)
    torch.testing.assert_close(y[1], rot90(2, x[1]), rtol=0, atol=1e-5)
    torch.testing.assert_close(y[2], rotate(90.0, x[2:3])[0])
    # a 90° turn of a wide canvas keeps the blob round: compare with the analytic position
    img = torch.zeros(1, 1, 31, 51)
    xx, yy = torch.meshgrid(torch.arange(51) - 25.0, 15.0 - torch.arange(31.0), indexing="xy")
    img[0, 0] = torch.exp(-((xx - 6) ** 2 + yy**2) / 8)
    expect = torch.exp(-(xx**2 + (yy - 6) ** 2) / 8)
    assert (rotate(90.0, img)[0, 0] - expect).abs().max() < 1e-5


# ---------------------------------------------------------------- act_2d

EXACT_2D = ["C2", "C4", "D1", "D2", "D4"]


@pytest.mark.parametrize("name", EXACT_2D)
@given(n=st.integers(3, 8), c=st.integers(1, 3), seed=st.integers(0, 2**16))
@settings(max_examples=5, deadline=None)
def test_act_2d_exact_homomorphism(name, n, c, seed):
    group = get_group(name)
    x = torch.rand(group.order**2, c, n, n, generator=torch.Generator().manual_seed(seed))
    assert_left_action(functools.partial(act_2d, group), group, x)


@pytest.mark.parametrize("name", ["C2", "C4", "D1", "D4", "C8", "D3"])
def test_act_2d_moves_points_by_the_defining_matrices(name):
    group = get_group(name)
    n, p = 41, np.array([9.0, 4.0])
    x = blob(n, *p)[None, None]
    for g in range(group.order):
        q = group.matrices[g] @ p
        assert (act_2d(group, g, x) - blob(n, *q)).abs().max() < 0.05, group.element_names[g]


@pytest.mark.parametrize("name", ["C8", "C16", "D3", "D8"])
def test_act_2d_bilinear_is_approximately_a_homomorphism(name):
    group = get_group(name)
    n = 33
    x = sum(blob(n, cx, cy) for cx, cy in [(5, 2), (-4, 6), (0, -7)])
    x = x.expand(group.order**2, 1, n, n)
    g, h = all_pairs(group.order)
    lhs = act_2d(group, g, act_2d(group, h, x))
    rhs = act_2d(group, torch.tensor(group.table)[g, h], x)
    xs, ys = screen_xy(n)
    disk = xs**2 + ys**2 < 13**2
    err = (lhs - rhs)[..., disk].abs().max()
    assert 1e-6 < err < 0.05  # bilinear: not exact, but close on smooth images inside the disk
    # exact elements stay exact
    exact = torch.tensor([(4 * group.rotation_k[i]) % group.n_rot == 0 for i in range(group.order)])
    both = exact[g] & exact[h]
    torch.testing.assert_close(lhs[both], rhs[both], rtol=0, atol=1e-12)


def test_act_2d_c16_uses_exact_rot90_for_quarter_turns():
    group = get_group("C16")
    x = torch.rand(1, 1, 8, 8)
    for k in (0, 4, 8, 12):
        assert torch.equal(act_2d(group, k, x), rot90(k // 4, x))
    assert not torch.allclose(act_2d(group, 1, x), rotate(-22.5, x))
    torch.testing.assert_close(act_2d(group, 1, x), rotate(22.5, x))


def test_act_2d_reflection_is_hflip_then_rotation():
    group = get_group("D4")
    x = torch.rand(2, 1, 6, 6)
    assert torch.equal(act_2d(group, 4, x), hflip(x))
    assert torch.equal(act_2d(group, 5, x), rot90(1, hflip(x)))
    with pytest.raises(ValueError):
        act_2d(get_group("C4xC4"), 0, x)


def test_per_sample_elements_match_single_elements():
    group = get_group("D4")
    x = torch.rand(8, 2, 5, 5)
    g = torch.tensor([3, 0, 7, 4, 4, 1, 6, 2])
    y = act_2d(group, g, x)
    for b in range(8):
        assert torch.equal(y[b], act_2d(group, int(g[b]), x[b : b + 1])[0])
    with pytest.raises(ValueError):
        act_2d(group, g[:3], x)


# ---------------------------------------------------------------- DDMNIST-style rotations


def test_rotate_and_back_and_rotate_then_rot90():
    n = 33
    x = blob(n, 6, 3)[None, None]
    xs, ys = screen_xy(n)
    disk = xs**2 + ys**2 < 13**2
    for k in range(4):
        exact = rot90(k, x)
        torch.testing.assert_close(rotate_and_back(0.0, k, x), exact, rtol=0, atol=1e-5)
        noisy = rotate_and_back(37.0, k, x)
        err = (noisy - exact)[..., disk].abs().max()
        assert 1e-4 < err < 0.05  # net 90k, with double-interpolation artefacts
        released = rotate_then_rot90(37.0, k, x)
        assert ((released - rotate(37.0 + 90 * k, x))[..., disk]).abs().max() < 1e-5
    theta, k = torch.tensor([10.0, -50.0]), torch.tensor([1, 3])
    y = rotate_and_back(theta, k, x.expand(2, 1, n, n))
    torch.testing.assert_close(y[1:], rotate_and_back(-50.0, 3, x))


# ---------------------------------------------------------------- cube


def test_cube_rotate_is_a_left_action_with_the_group_table():
    group = get_group("O")
    for n in (3, 4):
        x = torch.rand(24 * 24, 2, n, n, n)
        assert_left_action(lambda g, v: cube_rotate(g, v), group, x)


def test_released_cube_convention_is_an_anti_homomorphism():
    group = get_group("O")
    x = torch.rand(1, 1, 4, 4, 4)
    g, h = group.element_names.index("x90"), group.element_names.index("z90")
    assert group.mul(g, h) != group.mul(h, g)

    def rel(e, v):
        return cube_rotate(e, v, convention="released")

    assert not torch.equal(rel(g, rel(h, x)), rel(group.mul(g, h), x))
    assert torch.equal(rel(g, rel(h, x)), rel(group.mul(h, g), x))
    assert torch.equal(cube_rotate(h, cube_rotate(g, x)), cube_rotate(group.mul(h, g), x))
    for e in range(24):
        assert torch.equal(rel(e, x), cube_rotate(group.inverse(e), x))
    with pytest.raises(ValueError):
        cube_rotate(0, x, convention="paper")


@pytest.mark.parametrize("convention", ["left", "released"])
def test_cube_rotate_matches_affine_grid_resampling(convention):
    """Independent reference: grid_sample at R⁻¹p (left) or Rp (released) with (x, y, z) = (W, H, D)."""
    group = get_group("O")
    x = torch.rand(24, 1, 5, 5, 5)
    mats = torch.as_tensor(group.matrices, dtype=x.dtype)
    theta = mats.transpose(1, 2) if convention == "left" else mats
    grid = F.affine_grid(torch.cat([theta, torch.zeros(24, 3, 1)], 2), list(x.shape), align_corners=True)
    ref = F.grid_sample(x, grid, mode="bilinear", align_corners=True)
    torch.testing.assert_close(
        cube_rotate(torch.arange(24), x, convention=convention), ref, rtol=0, atol=1e-5
    )


def test_cube_rotate_moves_a_voxel_to_r_p():
    group = get_group("O")
    n = 5
    p = np.array([2, -1, 1])  # (x, y, z) from the centre, stored at [d, h, w] = [z, y, x] + 2
    x = torch.zeros(1, 1, n, n, n)
    x[0, 0, p[2] + 2, p[1] + 2, p[0] + 2] = 1
    for g in range(24):
        q = group.matrices[g] @ p
        y = cube_rotate(g, x)
        assert y[0, 0, q[2] + 2, q[1] + 2, q[0] + 2] == 1 and y.sum() == 1
    with pytest.raises(ValueError):
        cube_rotate(1, torch.zeros(1, 1, 4, 4, 5))


# ---------------------------------------------------------------- velocity fields

CONVENTIONS = [(y_up, comp) for y_up in (True, False) for comp in ("xy", "yx")]


def physical_grid(n, y_up):
    c = (n - 1) / 2
    i, j = torch.meshgrid(
        torch.arange(n, dtype=torch.float64), torch.arange(n, dtype=torch.float64), indexing="ij"
    )
    return j - c, (i - c) if y_up else (c - i)


def stored(ux, uy, y_up, comp):
    """Stack physical components in a storage convention (the row component is along increasing row)."""
    ur = uy if y_up else -uy
    return torch.stack((ux, ur) if comp == "xy" else (ur, ux))


def potential(x, y):
    return torch.sin(0.31 * x + 0.2) * torch.cos(0.17 * y - 0.4) + 0.02 * x * y**2 + 0.05 * x


def fd_gradient(phi, y_up):
    """Physical gradient by central finite differences (unit spacing) of a potential on the grid."""
    d_row, d_col = torch.gradient(phi, dim=(0, 1))
    return d_col, (d_row if y_up else -d_row)


@pytest.mark.parametrize("y_up,comp", CONVENTIONS)
@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_gradient_field_maps_to_gradient_of_rotated_potential(y_up, comp, k):
    n = 24
    x, y = physical_grid(n, y_up)
    field = stored(*fd_gradient(potential(x, y), y_up), y_up, comp)
    t = math.pi / 2 * k  # rotated potential ψ(p) = φ(R⁻¹ p), sampled analytically
    psi = potential(math.cos(t) * x + math.sin(t) * y, -math.sin(t) * x + math.cos(t) * y)
    expect = stored(*fd_gradient(psi, y_up), y_up, comp)
    got = rotate_vector_field(k, field, y_up=y_up, components=comp)
    torch.testing.assert_close(got, expect, rtol=0, atol=1e-9)


def test_the_released_smoke_reorientation_fails_the_physics_check():
    """protocols §4.4: torch.rot90(k=1) with (c0, c1) -> (-c1, c0) on y-up, xy storage."""
    n = 24
    x, y = physical_grid(n, True)
    field = stored(*fd_gradient(potential(x, y), True), True, "xy")
    naive = torch.rot90(torch.stack((-field[1], field[0])), 1, dims=(-2, -1))
    proper = rotate_vector_field(1, field, y_up=True, components="xy")
    assert (naive - proper).abs().max() > 0.1
    torch.testing.assert_close(naive, -rotate_vector_field(3, field, y_up=True, components="xy"))


@pytest.mark.parametrize("y_up,comp", CONVENTIONS)
def test_uniform_plus_x_becomes_plus_y(y_up, comp):
    one, zero = torch.ones(5, 5), torch.zeros(5, 5)
    field = stored(one, zero, y_up, comp)
    torch.testing.assert_close(
        rotate_vector_field(1, field, y_up=y_up, components=comp), stored(zero, one, y_up, comp)
    )
    torch.testing.assert_close(
        rotate_vector_field(2, field, y_up=y_up, components=comp), stored(-one, zero, y_up, comp)
    )


@pytest.mark.parametrize("y_up,comp", CONVENTIONS)
def test_rotate_vector_field_homomorphism_on_stacked_frames(y_up, comp):
    group = get_group("C4")
    x = torch.rand(16, 6, 5, 5)  # three frames of (2, H, W)

    def act(k, f):
        return rotate_vector_field(k, f, y_up=y_up, components=comp)

    assert_left_action(act, group, x)
    frames = act(torch.arange(16) % 4, x)
    torch.testing.assert_close(frames[5, 2:4], act(1, x[5, 2:4]))
    with pytest.raises(ValueError):
        rotate_vector_field(1, x[:, :3], y_up=y_up, components=comp)
    with pytest.raises(ValueError):
        rotate_vector_field(1, x, y_up=y_up, components="uv")


# ---------------------------------------------------------------- two digits, fonts


@pytest.mark.parametrize("name", ["C4xC4", "D1xD1", "D4xD4"])
def test_act_two_digit_homomorphism(name):
    group = get_group(name)
    x = torch.rand(group.order**2, 1, 56, 56)
    assert_left_action(functools.partial(act_two_digit, group), group, x)


def test_act_two_digit_acts_on_each_digit_independently():
    group = get_group("D4xD4")
    d4 = get_group("D4")
    x = torch.rand(2, 1, 56, 56)
    for a, b in [(1, 0), (0, 5), (3, 6)]:
        y = act_two_digit(group, a * 8 + b, x)
        torch.testing.assert_close(y[..., 14:42, :28], act_2d(d4, a, x[..., 14:42, :28]))
        torch.testing.assert_close(y[..., 14:42, 28:], act_2d(d4, b, x[..., 14:42, 28:]))
        torch.testing.assert_close(y[..., :14, :], x[..., :14, :])
        torch.testing.assert_close(y[..., 42:, :], x[..., 42:, :])
    with pytest.raises(ValueError):
        act_two_digit(d4, 1, x)


def test_swap_fonts():
    group = get_group("Z2")
    pair = torch.rand(4, 2, 1, 6, 6)
    y = swap_fonts(1, pair)
    assert torch.equal(y[:, 0], pair[:, 1]) and torch.equal(y[:, 1], pair[:, 0])
    assert_left_action(swap_fonts, group, pair[:1].expand(4, 2, 1, 6, 6))
    y = swap_fonts(torch.tensor([0, 1, 1, 0]), pair)
    assert torch.equal(y[0], pair[0]) and torch.equal(y[1, 0], pair[1, 1])


@pytest.mark.parametrize("y_up", [False, True])
def test_rotate_feature_maps(y_up):
    x = torch.rand(16, 3, 6, 6)
    g, h = torch.arange(16) // 4, torch.arange(16) % 4

    def act(k, v):
        return rotate_feature_maps(k, v, y_up=y_up)

    torch.testing.assert_close(act(g, act(h, x)), act((g + h) % 4, x), rtol=0, atol=0)
    y = act(1, x)
    for c in range(3):  # no channel mixing: each channel's grid is rotated on its own
        torch.testing.assert_close(y[:, c], rot90(-1 if y_up else 1, x[:, c]))
    # a scalar computed pointwise from a velocity field rotates with the field's grid
    field = torch.randn(4, 2, 6, 6)
    speed = (field**2).sum(1, keepdim=True)
    turned = rotate_vector_field(1, field, y_up=y_up, components="xy")
    torch.testing.assert_close(act(1, speed), (turned**2).sum(1, keepdim=True))


# ---------------------------------------------------------------- batched = the old per-element loop, bit for bit

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _group_case(name):
    group = get_group(name)
    return (functools.partial(act_2d, group), functools.partial(old_act_2d, group), group.order)


def _field_case(fn, old, **kw):
    return (functools.partial(fn, **kw), functools.partial(old, **kw), 4)


def _smoke_case(action):
    return (
        functools.partial(smoke_act, action=action),
        functools.partial(old_smoke_act, action=action),
        4,
    )


# name -> (new act(g, x), old act(g, x), number of elements, shapes of a sample (pipeline's and a small odd one))
ACTIONS = {
    "rot90": (rot90, old_rot90, 4, [(3, 32, 32), (2, 7, 7)]),
    **{
        f"act_2d {name}": (*_group_case(name), [(1, 28, 28), (2, 7, 7)])
        for name in ("C4", "C8", "C16", "D1", "D4")
    },
    **{
        f"cube {c}": (
            functools.partial(cube_rotate, convention=c),
            functools.partial(old_cube_rotate, convention=c),
            24,
            [(1, 28, 28, 28), (2, 5, 5, 5)],
        )
        for c in ("left", "released")
    },
    **{
        f"vector field y_up={y_up} {comp}": (
            *_field_case(rotate_vector_field, old_rotate_vector_field, y_up=y_up, components=comp),
            [(20, 64, 64), (4, 6, 6)],
        )
        for y_up, comp in CONVENTIONS
    },
    **{
        f"feature maps y_up={y_up}": (
            *_field_case(rotate_feature_maps, old_rotate_feature_maps, y_up=y_up),
            [(12, 16, 16), (3, 5, 5)],
        )
        for y_up in (False, True)
    },
    **{f"smoke {a}": (*_smoke_case(a), [(20, 64, 64), (2, 8, 8)]) for a in ("staggered", "released")},
}


def every_element(order, extra, seed):
    """A shuffled (order + extra,) batch of elements in which every element occurs."""
    gen = torch.Generator().manual_seed(seed)
    g = torch.cat([torch.arange(order), torch.randint(order, (extra,), generator=gen)])
    return g[torch.randperm(len(g), generator=gen)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", list(ACTIONS))
def test_batched_and_single_element_actions_equal_the_per_element_loop(name, dtype, device):
    new, old, order, shapes = ACTIONS[name]
    for i, shape in enumerate(shapes):
        g = every_element(order, 6, seed=i).to(device)
        x = torch.randn(len(g), *shape, generator=torch.Generator().manual_seed(i), dtype=dtype).to(device)
        assert bit_equal(new(g, x), old(g, x)), (shape, "batched")
        for e in range(order):
            assert bit_equal(new(e, x[:2]), old(e, x[:2])), (shape, e)
        assert bit_equal(new(g[:1], x[:1]), old(g[:1], x[:1])), (shape, "batch of one")
        assert bit_equal(new(torch.tensor(3 % order), x[:2]), old(torch.tensor(3 % order), x[:2]))


@pytest.mark.parametrize("name", ["act_2d C16", "act_2d D4", "cube left", "smoke staggered"])
def test_cpu_chunks_change_nothing(name, monkeypatch):
    """On the CPU large batches go through in chunks of samples; chunks of one sample give the same bits."""
    new, old, order, shapes = ACTIONS[name]
    g = every_element(order, 3, seed=1)
    x = torch.randn(len(g), *shapes[-1], generator=torch.Generator().manual_seed(2))
    whole = new(g, x)
    monkeypatch.setattr(elements, "CPU_CHUNK_ENTRIES", 1)
    assert bit_equal(new(g, x), whole) and bit_equal(whole, old(g, x))


def test_batched_quarter_turns_take_any_integer():
    x = torch.randn(12, 2, 6, 6)
    k = torch.arange(-4, 8)
    assert bit_equal(rot90(k, x), old_rot90(k, x))
    assert bit_equal(rotate_feature_maps(k, x, y_up=True), old_rotate_feature_maps(k, x, y_up=True))
    for action in ("staggered", "released"):
        assert bit_equal(smoke_act(k, x, action), old_smoke_act(k, x, action))


def test_batched_actions_need_square_grids_and_one_element_per_sample():
    x = torch.rand(4, 2, 6, 8)
    with pytest.raises(ValueError, match="square"):
        rot90(torch.tensor([0, 2, 2, 0]), x)
    with pytest.raises(ValueError, match="square"):
        act_2d(get_group("D4"), torch.zeros(4, dtype=torch.long), x)
    with pytest.raises(ValueError, match="square"):
        rotate_vector_field(torch.zeros(4, dtype=torch.long), x, y_up=True, components="xy")
    with pytest.raises(ValueError, match="element indices"):
        rot90(torch.zeros(3, dtype=torch.long), x[..., :6])
    with pytest.raises(TypeError):
        act_2d(get_group("C8"), torch.zeros(4, dtype=torch.long), torch.zeros(4, 1, 6, 6, dtype=torch.uint8))
    y = torch.randint(0, 255, (8, 1, 6, 6), dtype=torch.uint8)  # exact actions move integers too
    assert torch.equal(
        act_2d(get_group("D4"), torch.arange(8), y), old_act_2d(get_group("D4"), torch.arange(8), y)
    )


def test_tables_only_tabulate_moves():
    with pytest.raises(ValueError, match="only move"):
        SignedPermutation.tabulate(lambda g, p: rotate(30.0 * g, p[None, None])[0, 0], range(2), (5, 5))
    table = SignedPermutation.tabulate(lambda g, p: -p.flip(-1) if g else p.clone(), range(2), (2, 3))
    assert table.index.tolist() == [[0, 1, 2, 3, 4, 5], [2, 1, 0, 5, 4, 3]] and table.zero is None
    assert table.sign.tolist() == [[1] * 6, [-1] * 6]


def test_batched_feature_map_turns_pass_the_same_gradients():
    x = torch.randn(8, 3, 6, 6)
    k = every_element(4, 4, seed=0)
    w = torch.randn(8, 3, 6, 6)
    grads = []
    for fn in (rotate_feature_maps, old_rotate_feature_maps):
        z = x.clone().requires_grad_()
        (fn(k, z, y_up=True) * w).sum().backward()
        grads.append(z.grad)
    assert bit_equal(*grads)


@pytest.mark.parametrize("name", list(ACTIONS))
def test_batched_actions_never_sync_with_the_host(name):
    new, old, order, shapes = ACTIONS[name]
    device = DEVICES[-1]
    g = every_element(order, 6, seed=0).to(device)
    x = torch.randn(len(g), *shapes[-1], device=device)
    new(g, x)  # the tables are built (and moved to the device) once, on the first call
    with forbid_host_syncs():
        new(g, x)
    with pytest.raises(HostSync), forbid_host_syncs():  # the check does catch the old path's syncs
        old(g, x)
