"""SMOKE data: the rotation set, the PhiFlow generator's physics (C4 symmetry, incompressibility), the
C4 action on the stored staggered layout, and the windows the models see."""

import numpy as np
import pytest
import torch
import yaml
from conftest import REPO

from symrep.config import ConfigError
from symrep.experiments.smoke.action import ACTIONS, act, relative_difference, symmetry_errors, turn
from symrep.experiments.smoke.data import Windows, load_simulations
from symrep.experiments.smoke.generate import (
    Solver,
    divergence,
    generate,
    layout,
    save_frames,
    simulate,
    symmetric_layout,
)
from symrep.experiments.smoke.plan import SmokePlan, file_name, rotation_set
from symrep.experiments.smoke.task import PAIRS

CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
PAPER = CONFIG["experiments"]["smoke"]
DESCRIBED = PAPER["protocol_options"]["described"]["action"]


def plan(section: dict) -> SmokePlan:
    return SmokePlan({**CONFIG, "experiments": {"smoke": section}})


def test_protocol_tasks_are_35_distinct_simulations_of_the_rotation_set():
    generated = set(rotation_set(PAPER["generator"]["simulations"]))
    train, domain = ({tuple(t) for t in PAPER["tasks"][s]} for s in ("train", "test_domain"))
    assert len(generated) == 36 and len(train) == 25 and len(domain) == 10
    assert train | domain < generated and not train & domain
    assert generated - train - domain == {(32, 3)}
    assert list(plan(PAPER).problems()) == []


def test_the_plan_allows_exactly_the_implemented_actions_and_pairings():
    assert SmokePlan.ALLOWED["action"] == ACTIONS and SmokePlan.ALLOWED["equivariance_pairs"] == PAIRS


@pytest.mark.parametrize(
    "change, message",
    [
        ({"tasks": {"train": [[2, 0]], "test_domain": [[3, 2]]}}, "[2, 0] is not a generated simulation"),
        ({"tasks": {"train": [[1, 0]], "test_domain": [[1, 0]]}}, "both in train and test_domain"),
        (
            {"windows": {**PAPER["windows"], "test_future": [200, 290, 1]}},
            "windows.test_future: the last window",
        ),
        (
            {"windows": {**PAPER["windows"], "valid": [200, 160, 1]}},
            "windows.valid: [200, 160, 1] holds no window",
        ),
    ],
)
def test_inconsistent_configuration_is_one_clear_error_when_enabled(change, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        plan({**PAPER, **change})
    plan({**PAPER, **change, "enabled": False})  # a disabled section is not checked


def test_layout_turns_with_the_box():
    """Inflow j+1 is inflow j turned by a quarter turn about the box centre, at any resolution."""
    for resolution in (64, 32):
        centers, forces, radius = symmetric_layout(0.2, resolution)
        turn = np.array([[0, -1], [1, 0]])
        c = resolution / 2
        assert np.allclose((centers[:-1] - c) @ turn.T + c, centers[1:])
        assert np.allclose(forces[:-1] @ turn.T, forces[1:]) and radius == 5 * resolution / 64
    centers, forces, _ = layout([(3, 2), (6, 1)], 64)
    assert centers.tolist() == [[32, 59], [59, 32]] and np.allclose(forces, [[0, -0.033], [-0.06, 0]])


def staggered_field(rng, shape):
    """Random face velocities with the walls' zero normal velocity on the stored left/bottom faces."""
    u = rng.standard_normal(shape).astype(np.float32)
    u[..., 0::2, :, 0] = 0
    u[..., 1::2, 0, :] = 0
    return torch.from_numpy(u)


def test_divergence_of_a_discrete_curl_is_zero_and_of_a_source_is_its_flux():
    psi = np.random.default_rng(0).standard_normal((9, 9))
    psi[0, :] = psi[-1, :] = psi[:, 0] = psi[:, -1] = 0  # stream function zero on the walls
    ux, uy = psi[1:, :-1] - psi[:-1, :-1], -(psi[:-1, 1:] - psi[:-1, :-1])  # u = curl(psi) on the faces
    assert np.abs(divergence(np.stack([ux, uy]))).max() < 1e-12
    source = np.zeros((2, 8, 8))
    source[0, 3, 4], source[1, 4, 3] = 1.0, 1.0  # flow out of cell (3, 3) through its right and top faces
    div = divergence(source)
    assert div[3, 3] == 2 and div[3, 4] == -1 and div[4, 3] == -1 and div.sum() == 0


@pytest.mark.parametrize("action", ACTIONS)
def test_quarter_turns_compose_as_c4(action):
    x = staggered_field(np.random.default_rng(1), (3, 6, 8, 8))
    for a in range(4):
        for b in range(4):
            assert torch.equal(act(b, act(a, x, action), action), act((a + b) % 4, x, action)), (a, b)
    per_sample = act(torch.tensor([0, 1, 3]), x, action)
    for i, k in enumerate((0, 1, 3)):
        assert torch.equal(per_sample[i], act(k, x[i], action))
    with pytest.raises(ValueError, match="unknown action 'paper'"):
        act(1, x, "paper")


def test_staggered_action_turns_the_divergence_with_the_grid():
    """Exact on the MAC layout: the divergence of the turned field is the turned divergence."""
    x = staggered_field(np.random.default_rng(2), (2, 8, 8))
    for k in range(4):
        div = divergence(act(k, x, "staggered").numpy())
        assert np.allclose(div, np.rot90(divergence(x.numpy()), -k), atol=1e-5), k
    assert not np.allclose(divergence(turn(1, x).numpy()), np.rot90(divergence(x.numpy()), -1))


def test_released_action_is_the_opposite_turn_with_the_velocity_negated_for_odd_k():
    x = staggered_field(np.random.default_rng(3), (4, 8, 8))
    assert torch.equal(act(1, x, "released"), -turn(3, x))
    assert torch.equal(act(3, x, "released"), -turn(1, x))
    assert torch.equal(act(2, x, "released"), turn(2, x))


def authors_rotate_and_reorient(xx: torch.Tensor, k: int) -> torch.Tensor:
    """The authors' SMOKE/utils.py:522-534 (@0d628a1), paraphrased: rot90 of (B, T, 2, H, W) frames on
    (H, W), then (u_x, u_y) -> (u_x, u_y), (-u_y, u_x), (-u_x, -u_y), (u_y, -u_x) for k = 0..3."""
    b, c, h, w = xx.shape
    frames = torch.rot90(xx.view(b, c // 2, 2, h, w), k=k, dims=(3, 4))
    ux, uy = frames[:, :, 0], frames[:, :, 1]
    ux2, uy2 = ((ux, uy), (-uy, ux), (-ux, -uy), (uy, -ux))[k]
    return torch.stack([ux2, uy2], dim=2).view(b, c, h, w)


def test_released_action_is_the_authors_function_bit_for_bit():
    x = staggered_field(np.random.default_rng(4), (3, 6, 8, 8))
    for k in range(4):
        assert torch.equal(act(k, x, "released"), authors_rotate_and_reorient(x, k)), k


@pytest.fixture(scope="module")
def plumes():
    """Four plumes related by quarter turns, simulated together (small grid, few steps, float64)."""
    centers, forces, radius = symmetric_layout(0.2, 32)
    return simulate(centers, forces, steps=12, resolution=32, radius=radius)


def test_turned_plume_matches_the_plume_simulated_with_turned_inflow_and_buoyancy(plumes):
    """The generator is C4-symmetric and the described protocol's action is its exact turn: a plume acted on
    equals the plume simulated with turned inflow and buoyancy to the solver's tolerance, on the stored faces
    as on cell-centred velocities. Turning the stored faces without the face shift is off by a face; the
    released action negates the velocity for odd k."""
    assert DESCRIBED == "staggered" and np.abs(plumes).max() > 0.5
    assert symmetry_errors(plumes, centred=True).max() < 1e-5
    assert symmetry_errors(plumes, DESCRIBED).max() < 1e-5
    base = torch.from_numpy(plumes[0])
    off_by_a_face = np.stack([relative_difference(turn(j, base).numpy(), plumes[j]) for j in (1, 2, 3)])
    assert 0.01 < off_by_a_face.mean() < 0.6
    released = symmetry_errors(plumes, "released")
    assert released[[0, 2]].min() > 1.9 and np.allclose(released[1], off_by_a_face[1])


def test_plumes_rise_along_their_buoyancy_and_are_divergence_free(plumes):
    """Rows are y growing upward: above the bottom inflow the flow goes up, below the top one down."""
    above_bottom_inflow = plumes[0, -1, 1, 2:14, 14:18].mean()
    below_top_inflow = plumes[2, -1, 1, 18:30, 14:18].mean()
    assert above_bottom_inflow > 0.1 and below_top_inflow < -0.1
    assert np.abs(divergence(plumes)).max() < 1e-4  # solver abs_tol 1e-4 on the residual norm


def test_generator_writes_the_protocol_layout_deterministically(tmp_path):
    tasks = rotation_set(2)
    cards = []
    for run in ("a", "b"):
        paths = [tmp_path / run / file_name(*t) for t in tasks]
        cards.append(
            generate(
                tasks,
                steps=4,
                resolution=16,
                solver=Solver(),
                check_buoyancy=0.1,
                paths=paths,
                check_path=tmp_path / run / "check.npy",
            )
        )
    a = load_simulations([tmp_path / "a" / file_name(*t) for t in tasks])
    b = load_simulations([tmp_path / "b" / file_name(*t) for t in tasks])
    assert a.shape == (2, 3, 2, 16, 16) and a.dtype == np.float32 and np.array_equal(a, b)
    assert np.load(tmp_path / "a" / "check.npy").shape == (4, 3, 2, 16, 16)
    assert [s["file"] for s in cards[0]["simulations"]] == ["raw_data_1_0.npy", "raw_data_2_1.npy"]
    assert cards[0]["symmetry_check"]["cell_centred"]["r1"]["max"] < 1e-5


def test_windows_feed_ten_frames_and_target_the_next():
    frames = torch.arange(3 * 30, dtype=torch.float32).reshape(3, 30, 1, 1, 1).expand(3, 30, 2, 4, 4)
    windows = Windows.grid(frames, [0, 5, 2], input_frames=10, offset=2, target_frames=6)
    assert len(windows) == 9 and windows.sims.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    x, y = windows.batch(torch.tensor([4]), 6)  # simulation 1, start 2
    assert x.shape == (1, 20, 4, 4) and y.shape == (1, 6, 2, 4, 4)
    assert x[0, ::2, 0, 0].tolist() == [30 + t for t in range(4, 14)]
    assert y[0, :, 0, 0, 0].tolist() == [30 + t for t in range(14, 20)]
    with pytest.raises(ValueError, match="needs 31 frames"):
        Windows.grid(frames, [0, 14, 1], input_frames=10, offset=2, target_frames=6)


def test_stored_simulations_must_agree(tmp_path):
    save_frames(tmp_path / "a.npy", np.zeros((5, 2, 8, 8)))
    save_frames(tmp_path / "b.npy", np.zeros((6, 2, 8, 8)))
    assert load_simulations([tmp_path / "a.npy"] * 2).shape == (2, 5, 2, 8, 8)
    with pytest.raises(ValueError, match="disagree"):
        load_simulations([tmp_path / "a.npy", tmp_path / "b.npy"])
