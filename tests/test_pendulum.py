"""Double pendulum with springs: the generator (energy conservation), the dopri5 integrator, the
Scalars-O(3) models' equivariance, the rollout error, one training job end to end, and the table."""

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from conftest import REPO

from symrep.config import ConfigError
from symrep.experiments.pendulum import run as pendulum_run
from symrep.experiments.pendulum.data import build_dataset, choose_chunks, output_times
from symrep.experiments.pendulum.metrics import (
    equivariance_error,
    random_orthogonal,
    relative_error,
    rollout_error,
    rotate_state,
)
from symrep.experiments.pendulum.models import (
    NEGLIGIBLE,
    Dynamics,
    PlainMLP,
    RadialBasis,
    Scalars,
    scalars,
    vectors,
)
from symrep.experiments.pendulum.ode import StepLimitError, odeint, odeint_adjoint
from symrep.experiments.pendulum.plan import PendulumPlan
from symrep.experiments.pendulum.report import TALK_COLUMNS, table
from symrep.experiments.pendulum.run import make_model, train_run
from symrep.experiments.pendulum.system import SpringPendulum, initial_conditions
from symrep.experiments.pendulum.task import DynamicsTask, learning_rate
from symrep.experiments.plan import COMMON
from symrep.models.common import count_parameters
from symrep.report.claims import evaluate, load_claims
from symrep.report.reference import reference_frame
from symrep.runs import RunJob
from symrep.training import fit

CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
PAPER = CONFIG["experiments"]["pendulum"]
DESCRIBED = PendulumPlan(CONFIG).options("described")
DATA_SETTINGS = PendulumPlan.data_settings(DESCRIBED)


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def system(hamiltonian="talk"):
    return SpringPendulum.from_settings(PAPER["constants"], hamiltonian)


def states(n, seed=0):
    return torch.from_numpy(initial_conditions(n, PAPER["initial"], np.random.default_rng(seed)))


# --- the system and its generator ----------------------------------------------------------------------------


@pytest.mark.parametrize("hamiltonian", ["talk", "released"])
def test_vector_field_is_hamiltons_equations(hamiltonian):
    s, z = system(hamiltonian), states(50).requires_grad_()
    grad = torch.autograd.grad(s.energy(z).sum(), z)[0]
    assert torch.allclose(s.vector_field(z), torch.cat([grad[:, 6:], -grad[:, :6]], dim=1), atol=1e-12)


def test_talk_and_released_hamiltonians_differ_by_half_the_second_spring():
    z = states(20)
    q1, q2 = z[:, :3], z[:, 3:6]
    half_spring = 0.5 * ((q1 - q2).norm(dim=1) - 1.0) ** 2
    assert torch.allclose(system("released").energy(z) - system("talk").energy(z), half_spring)


def test_gravity_term_is_m_g_height():
    z = torch.zeros(1, 12, dtype=torch.float64)
    z[0, 2], z[0, 5] = -1.0, -2.0  # q1 = (0, 0, -1), q2 = (0, 0, -2): both springs at rest length
    assert torch.allclose(system().energy(z), torch.tensor([-3.0], dtype=torch.float64))


@pytest.mark.parametrize("hamiltonian", ["talk", "released"])
def test_generator_conserves_energy_over_the_horizon(hamiltonian):
    """At the configured generator tolerance (rtol 1e-9, atol 1e-12) |H(t) - H(0)| stays below 1e-6 over the
    30-unit horizon (measured: about 3e-8 on 1,000 systems)."""
    s = system(hamiltonian)
    times = output_times(PAPER["horizon"], PAPER["dt"])
    assert len(times) == 150 and math.isclose(float(times[-1]), 29.8)
    trajectories = odeint(
        s.vector_field, states(64), times, rtol=PAPER["generator_rtol"], atol=PAPER["generator_atol"]
    )
    energy = s.energy(trajectories)
    assert float((energy - energy[:, :1]).abs().max()) < 1e-6


def test_chunks_are_consecutive_states_of_their_trajectory():
    trajectories = torch.arange(3 * 10 * 12, dtype=torch.float64).reshape(3, 10, 12)
    chunks = choose_chunks(trajectories, 5, np.random.default_rng(0))
    assert chunks.shape == (3, 5, 12)
    for i, chunk in enumerate(chunks):
        start = int(chunk[0, 0] - trajectories[i, 0, 0]) // 12
        assert start in (0, 5) and torch.equal(chunk, trajectories[i, start : start + 5])


def test_dataset_sizes_seeding_and_test_rollouts():
    settings = {**DATA_SETTINGS, "train": 6, "val": 3, "test": 4, "horizon": 3.0, "generator_rtol": 1e-8}
    data = build_dataset(settings)
    assert data["train"].shape == (6, 5, 12) and data["val"].shape == (3, 5, 12)
    assert data["test_z0"].shape == (4, 12) and data["test_rollouts"].shape == (4, 15, 12)
    assert torch.equal(data["test_rollouts"][:, 0], data["test_z0"])
    assert torch.allclose(data["chunk_times"], torch.tensor([0.0, 0.2, 0.4, 0.6, 0.8]))
    # a training chunk is the true flow from its first state
    s = system()
    flow = odeint(s.vector_field, data["train"][:, 0].double(), data["chunk_times"], rtol=1e-10, atol=1e-12)
    assert torch.allclose(flow.float(), data["train"], atol=1e-5)
    again = build_dataset(settings)
    assert all(torch.equal(data[k], again[k]) for k in ("train", "val", "test_z0", "test_rollouts"))
    other = build_dataset({**settings, "data_seed": 1})
    assert not torch.equal(data["train"], other["train"])


# --- the integrator ------------------------------------------------------------------------------------------


def test_odeint_solves_the_harmonic_oscillator_and_lands_on_the_output_times():
    def oscillator(z, t):
        return torch.stack([z[:, 1], -z[:, 0]], dim=1)

    z0 = torch.tensor([[1.0, 0.0], [0.0, 2.0]], dtype=torch.float64)
    times = torch.tensor([0.0, 0.3, 1.0, 2.5, 10.0], dtype=torch.float64)
    stats = {}
    z = odeint(oscillator, z0, times, rtol=1e-10, atol=1e-12, stats=stats)
    exact = torch.stack(
        [
            torch.stack([torch.cos(times), -torch.sin(times)], 1),
            2 * torch.stack([torch.sin(times), torch.cos(times)], 1),
        ]
    )
    assert z.shape == (2, 5, 2) and torch.allclose(z, exact, atol=1e-8)
    assert stats["steps"] > 4
    loose = odeint(oscillator, z0, times, rtol=1e-4, atol=1e-8)
    assert (loose - exact).abs().max() < 1e-3


def test_odeint_is_differentiable_and_stops_on_blow_up():
    rate = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    z = odeint(
        lambda z, t: rate * z, torch.ones(1, 1, dtype=torch.float64), [0.0, 2.0], rtol=1e-10, atol=1e-12
    )
    (z[0, -1, 0]).backward()
    assert math.isclose(float(rate.grad), 2 * math.exp(1.0), rel_tol=1e-6)  # d/dr e^{2r} at r = 0.5
    with pytest.raises(StepLimitError):
        odeint(lambda z, t: z**2, torch.ones(1, 1), [0.0, 2.0], rtol=1e-6, atol=1e-9, max_steps=500)


class Growth(torch.nn.Module):
    """dz/dt = r·z with a learnable rate r."""

    def __init__(self, rate):
        super().__init__()
        self.rate = torch.nn.Parameter(torch.tensor(rate, dtype=torch.float64))

    def forward(self, z, t=0.0):
        return self.rate * z


def test_adjoint_gradients_are_the_analytic_ones():
    """z(t) = z0·e^{rt}; L = z(1) + 2·z(2): dL/dr = z0·(e^r + 4e^{2r}), dL/dz0 = e^r + 2e^{2r}."""
    f, z0 = Growth(0.5), torch.full((1, 1), 3.0, dtype=torch.float64, requires_grad=True)
    zs = odeint_adjoint(f, z0, [0.0, 1.0, 2.0], rtol=1e-10, atol=1e-12)
    (zs[0, 1, 0] + 2 * zs[0, 2, 0]).backward()
    e1, e2 = math.exp(0.5), math.exp(1.0)
    assert math.isclose(float(zs[0, 2, 0].detach()), 3 * e2, rel_tol=1e-8)
    assert math.isclose(float(f.rate.grad), 3 * (e1 + 4 * e2), rel_tol=1e-7)
    assert math.isclose(float(z0.grad), e1 + 2 * e2, rel_tol=1e-7)


@pytest.mark.parametrize("kind", ["node", "hnn"])
def test_adjoint_gradients_agree_with_backpropagation_at_a_tight_tolerance(kind):
    """Both differentiate the same solution of a smooth field (HNN: through its double backpropagation):
    at rtol 1e-9 their gradients agree."""
    torch.manual_seed(0)
    model = Dynamics(Scalars(kind, "released", 8, 2, "swish")).double()
    z0 = states(6).double()

    def gradients(solver):
        model.zero_grad()
        solver(model, z0, [0.0, 0.2, 0.4], rtol=1e-9, atol=1e-12).pow(2).mean().backward()
        return torch.cat(
            [p.new_zeros(p.numel()) if p.grad is None else p.grad.flatten() for p in model.parameters()]
        )

    exact = gradients(odeint)
    assert float((gradients(odeint_adjoint) - exact).norm() / exact.norm()) < 1e-6


# --- the models ----------------------------------------------------------------------------------------------


def paper_models(features="talk", rbf_range=(-30.0, 60.0)):
    arch = PAPER["architectures"]
    layers = lambda m: (arch[m]["hidden"], arch[m]["hidden_layers"], arch[m]["activation"])  # noqa: E731
    return {
        "node scalars": Scalars("node", features, *layers("scalars"), rbf=(200, *rbf_range)),
        "hnn scalars": Scalars("hnn", features, *layers("scalars")),
        "node mlp": PlainMLP("node", *layers("mlp")),
        "hnn mlp": PlainMLP("hnn", *layers("mlp")),
    }


def test_released_architectures_parameter_counts():
    """ScalarEMLP's EquivarianceLayer (30 scalars x 200 RBF -> 100 x 4 -> 24) and InvarianceLayer (30 -> 100 x 4
    -> 1); EMLP's MLPode/MLPH (12 -> 128 x 3 -> 12 or 1)."""
    released = {name: count_parameters(m) for name, m in paper_models("released").items()}
    assert released == {"node scalars": 632_824, "hnn scalars": 33_501, "node mlp": 36_236, "hnn mlp": 34_817}
    talk = {name: count_parameters(m) for name, m in paper_models("talk").items()}
    assert talk["node scalars"] == 15 * 200 * 100 + 100 + 3 * 10_100 + 100 * 20 + 20
    assert talk["hnn scalars"] == 15 * 100 + 100 + 3 * 10_100 + 101


def test_layers_are_initialised_as_objax_linear():
    torch.manual_seed(0)
    first = paper_models()["node scalars"].net[0]  # 3000 -> 100
    assert first.weight.shape == (100, 3000) and torch.equal(first.bias, torch.zeros(100))
    assert math.isclose(float(first.weight.detach().std()), math.sqrt(2 / 3100), rel_tol=0.02)


def test_talk_scalars_are_the_inner_products_of_q1_q2_p1_p2_g():
    x, g = torch.randn(3, 4, 3, dtype=torch.float64), torch.randn(3, dtype=torch.float64)
    s = scalars(x, g, "talk")
    v = torch.cat([x, g.expand(3, 1, 3)], dim=1)
    expected = [v[:, i] @ v[:, j].T for i in range(5) for j in range(i, 5)]
    assert s.shape == (3, 15)
    assert torch.allclose(s, torch.stack([e.diagonal() for e in expected], dim=1))
    assert scalars(x, g, "released").shape == (3, 30)


@pytest.mark.parametrize("features", ["talk", "released"])
@pytest.mark.parametrize("kind", ["node", "hnn"])
def test_scalars_model_is_o3_equivariant(features, kind):
    """F(Qz, Qg) = Q F(z, g) to 1e-5 (relative to max |F|) for random orthogonal Q, reflections included;
    the MLP is not."""
    torch.manual_seed(0)
    model = paper_models(features)[f"{kind} scalars"].eval()
    dynamics = Dynamics(model).eval()
    z = states(64).float()
    g = torch.tensor([0.0, 0.0, -1.0])
    generator = torch.Generator().manual_seed(1)
    determinants = []
    for _ in range(6):
        q = random_orthogonal(generator, torch.float32)
        determinants.append(round(float(torch.linalg.det(q))))
        assert torch.allclose(q @ q.T, torch.eye(3), atol=1e-6)
        assert equivariance_error(lambda z, g: dynamics(z, 0.0, g), z, g, q) < 1e-5
        if kind == "hnn":  # H itself is invariant
            h, moved = model.hamiltonian(z, g), model.hamiltonian(rotate_state(z, q), g @ q.T)
            assert (moved - h).abs().max() < 1e-5 * h.abs().max()
    assert set(determinants) == {-1, 1}
    mlp = Dynamics(paper_models()[f"{kind} mlp"]).eval()
    assert equivariance_error(lambda z, g: mlp(z, 0.0, g), z, g, q) > 1e-2


def test_hnn_dynamics_are_the_symplectic_gradient_of_the_learned_hamiltonian():
    torch.manual_seed(0)
    model = paper_models()["hnn scalars"]
    z = states(8).float().requires_grad_()
    grad = torch.autograd.grad(model.hamiltonian(z).sum(), z)[0]
    field = Dynamics(model).eval()(z.detach())
    assert torch.allclose(field, torch.cat([grad[:, 6:], -grad[:, :6]], dim=1))


def test_radial_basis_spans_the_training_scalars():
    settings = {
        "dynamics": "node",
        "model": "scalars",
        "features": "talk",
        "rbf_centres": 7,
        "architecture": {"hidden": 4, "hidden_layers": 1, "activation": "relu"},
    }
    z0 = states(30).float()
    rbf = make_model(settings, z0).model.rbf
    s = scalars(vectors(z0), torch.tensor([0.0, 0.0, -1.0]), "talk")
    assert math.isclose(float(rbf.mu[0]), float(s.min()), rel_tol=1e-6)
    assert math.isclose(float(rbf.mu[-1]), float(s.max()), rel_tol=1e-6) and len(rbf.mu) == 7
    assert math.isclose(rbf.gamma, 2 * float(s.max() - s.min()) / 6, rel_tol=1e-6)


def radial_layer(dtype=torch.float64):
    torch.manual_seed(0)
    return RadialBasis(5, -3.0, 3.0).to(dtype), torch.nn.Linear(2 * 5, 4, dtype=dtype)


def test_radial_basis_layer_is_the_linear_layer_of_the_gaussians():
    """Values and first and second derivatives of the fused layer are those of exp(-γ(s - μ)²) → Linear,
    except that Gaussians ≤ NEGLIGIBLE are exactly 0 (the scalar 12 is far from every centre)."""
    rbf, layer = radial_layer()
    s = torch.tensor([[0.3, -1.2], [2.5, 0.1], [12.0, -0.7]], dtype=torch.float64, requires_grad=True)
    plain = torch.exp(-rbf.gamma * (s[..., None] - rbf.mu) ** 2).flatten(1)
    assert 0 < float(plain[2, :5].detach().max()) <= NEGLIGIBLE
    torch.testing.assert_close(rbf(s, layer), layer(plain * (plain > NEGLIGIBLE)))
    inputs = (s, layer.weight, layer.bias)
    call = lambda s, w, b: rbf(s, SimpleNamespace(weight=w, bias=b))  # noqa: E731
    assert torch.autograd.gradcheck(call, inputs) and torch.autograd.gradgradcheck(call, inputs)


def test_radial_basis_layer_stores_only_the_scalars_for_backward():
    rbf, layer = radial_layer(torch.float32)
    s = torch.randn(500, 2, requires_grad=True)
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t.shape) or t, lambda t: t):
        rbf(s, layer).sum().backward()
    assert [shape for shape in saved if shape[0] == 500] == [s.shape]  # not the (500, 10) Gaussians


# --- metric, schedule, training ------------------------------------------------------------------------------


def test_rollout_error_is_the_clamped_geometric_mean_of_relative_errors():
    true = torch.randn(3, 4, 12, dtype=torch.float64)
    pred = true * 1.1
    pred[:, 0] = true[:, 0]  # the first state is the initial condition: error 0, clamped to 1e-7
    assert torch.allclose(
        relative_error(pred[:, 1:], true[:, 1:]), torch.full((3, 3), 0.1 / 2.1, dtype=torch.float64)
    )
    expected = math.exp((3 * math.log(0.1 / 2.1) + math.log(1e-7)) / 4)
    assert math.isclose(rollout_error(pred, true), expected, rel_tol=1e-12)


def test_learning_rate_schedules():
    node = PAPER["hyperparameters"]["node"]["scalars"]
    assert [learning_rate(node, e) for e in (0, 299, 300, 1199, 1200)] == [
        0.005,
        0.005,
        0.0025,
        0.0025,
        0.001,
    ]
    hnn = PAPER["hyperparameters"]["hnn"]["scalars"]
    assert [learning_rate(hnn, e) for e in (199, 200, 999, 1000)] == [0.005, 0.002, 0.002, 0.0005]
    assert learning_rate(PAPER["hyperparameters"]["hnn"]["mlp"], 1999) == 0.003


def test_run_settings_hold_exactly_what_defines_a_run():
    plan = PendulumPlan(CONFIG)
    node = plan.run_settings(DESCRIBED, "node", "scalars")
    assert node["features"] == "talk" and node["rbf_centres"] == 200 and node["lr"] == 0.005
    assert "gradients" not in node  # backpropagation: the settings of the runs made before the option
    assert plan.run_settings({**DESCRIBED, "gradients": "adjoint"}, "node", "mlp")["gradients"] == "adjoint"
    assert plan.run_settings(plan.options("released"), "node", "scalars")["features"] == "released"
    assert plan.run_settings(DESCRIBED, "hnn", "scalars")["rbf_centres"] == 0
    mlp = plan.run_settings(DESCRIBED, "node", "mlp")
    assert "features" not in mlp and "rbf_centres" not in mlp  # Scalars' options rerun only Scalars' runs
    assert mlp["architecture"] == {"hidden": 128, "hidden_layers": 3, "activation": "swish"}
    bad = {
        **PAPER,
        "hyperparameters": {
            **PAPER["hyperparameters"],
            "node": {
                **PAPER["hyperparameters"]["node"],
                "mlp": {"lr": 0.003, "milestones": [10], "factors": []},
            },
        },
    }
    with pytest.raises(ConfigError, match="milestones and factors differ"):
        PendulumPlan({**CONFIG, "experiments": {"pendulum": bad}})


def plan_with(**options):
    """The paper plan with both protocols' option bundles replaced by `options` (name -> bundle)."""
    section = {**PAPER, "protocol_options": {**PAPER["protocol_options"], **options}}
    return PendulumPlan({**CONFIG, "experiments": {"pendulum": section}})


def test_runs_and_datasets_are_shared_exactly_where_the_protocols_agree():
    paper = PendulumPlan(CONFIG)
    # the Hamiltonians differ: two datasets, and every run is its protocol's
    assert {
        paper.variant_of(p, d, m)
        for p in ("released", "described")
        for d in ("node", "hnn")
        for m in ("scalars", "mlp")
    } == {"released", "described"}
    assert paper.data_variant("released") == "released" and len(paper.metrics()) == 2 * 4 * 5
    # the same Hamiltonian, different features: one dataset, common MLP runs, Scalars runs per protocol
    same_data = plan_with(released={"hamiltonian": "talk", "features": "released"})
    assert same_data.variant_of("released", "node", "mlp") == COMMON
    assert same_data.variant_of("released", "node", "scalars") == "released"
    assert same_data.data_variant("released") == same_data.data_variant(COMMON) == COMMON
    wildcards = type("W", (), {"variant": "released", "dynamics": "node", "model": "scalars"})
    assert same_data.dataset(wildcards) == "resources/pendulum/common/trajectories.pt"
    runs = same_data.table_runs()
    mlp = "results/pendulum/common/hnn/mlp/seed0/metrics.json"
    assert [p for p, f in runs if f == mlp] == ["released", "described"]  # trained once, shown under each
    assert len(same_data.metrics()) == (2 * 2 + 2) * 5
    # one protocol run: only its runs
    alone = PendulumPlan({**CONFIG, "experiments": {"pendulum": {**PAPER, "protocols": ["released"]}}})
    assert {p for p, _ in alone.table_runs()} == {"released"} and len(alone.metrics()) == 4 * 5


TINY = {**DATA_SETTINGS, "train": 6, "val": 3, "test": 3, "horizon": 2.0, "generator_rtol": 1e-7}


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("pendulum") / "data.pt"
    torch.save(build_dataset(TINY), path)
    return path


def tiny_settings(dynamics, model):
    settings = {
        "dynamics": dynamics,
        "model": model,
        "architecture": {
            "hidden": 8,
            "hidden_layers": 2,
            "activation": "relu" if model == "scalars" else "swish",
        },
        "lr": 0.005,
        "milestones": [1],
        "factors": [0.5],
        "epochs": 3,
        "batch_size": 4,
        "rtol": 1e-4,
        "atol": 1.4e-8,
        "val_every": 2,
    }
    if model == "scalars":
        settings.update(features="talk", rbf_centres=5 if dynamics == "node" else 0)
    return settings


@pytest.mark.parametrize(
    ("dynamics", "gradients"), [("node", "backprop"), ("hnn", "backprop"), ("hnn", "adjoint")]
)
def test_training_reduces_the_chunk_loss(tiny_dataset, dynamics, gradients):
    data = torch.load(tiny_dataset, weights_only=True)
    settings = {**tiny_settings(dynamics, "scalars"), "epochs": 30, "milestones": [], "factors": []}
    settings["gradients"] = gradients
    torch.manual_seed(0)
    task = DynamicsTask(make_model(settings, data["train"][:, 0]), data, settings)
    rng = torch.Generator().manual_seed(0)
    first = task.train_epoch(0, rng)
    for epoch in range(1, 30):
        last = task.train_epoch(epoch, rng)
    assert last["train_mse"] < 0.5 * first["train_mse"] and first["solver_steps"] >= 4


def test_train_run_resumes_after_an_interruption_to_the_same_result(tiny_dataset, tmp_path, monkeypatch):
    settings = tiny_settings("hnn", "scalars")

    def run(name):
        out = {k: str(tmp_path / f"{name}.{k}") for k in ("metrics", "history", "weights")}
        job = RunJob(
            settings, 0, {"dataset": [str(tiny_dataset)]}, out, str(tmp_path / f"{name}.ckpt"), "cpu"
        )
        return train_run(job)

    def interrupted_fit(*args, **kwargs):
        def stop(epoch, record):
            if epoch == 1:
                raise InterruptedError

        return fit(*args, **kwargs, on_epoch=stop)

    full = run("full")
    monkeypatch.setattr(pendulum_run, "fit", interrupted_fit)
    with pytest.raises(InterruptedError):
        run("resumed")
    monkeypatch.undo()
    resumed = run("resumed")
    keep = ("rollout_error", "test_mse", "equivariance_error", "final_train_mse", "final_val_mse", "epochs")
    assert {k: full[k] for k in keep} == {k: resumed[k] for k in keep}
    assert full["epochs"] == 3 and full["equivariance_error"] < 1e-5 and 0 < full["rollout_error"] < 1
    history = pd.read_csv(tmp_path / "full.history")
    assert history["val_epoch"].tolist() == [1, 2, 3] and history["lr"].tolist() == [0.005, 0.0025, 0.0025]
    other = train_run(
        RunJob(
            settings,
            1,
            {"dataset": [str(tiny_dataset)]},
            {k: str(tmp_path / f"other.{k}") for k in ("metrics", "history", "weights")},
            str(tmp_path / "other.ckpt"),
            "cpu",
        )
    )
    assert other["rollout_error"] != full["rollout_error"]


# --- the table -----------------------------------------------------------------------------------------------


def fake_runs(scalars_node=0.01, protocol="released"):
    return pd.DataFrame(
        [
            {"protocol": protocol, "dynamics": d, "model": m, "seed": s, "rollout_error": base + 0.001 * s}
            for d, m, base in (
                ("node", "scalars", scalars_node),
                ("node", "mlp", 0.05),
                ("hnn", "scalars", 0.006),
                ("hnn", "mlp", 0.03),
            )
            for s in range(3)
        ]
    )


REFERENCE = reference_frame(REPO / "config" / "reference" / "pendulum.yaml")


def test_table_puts_this_run_beside_the_talks_numbers_with_verdicts():
    frame, records = table(fake_runs(), REFERENCE, 0, "paper")
    assert frame["model"].tolist() == ["Scalars O(3)", "Scalars O(3)", *TALK_COLUMNS[1:5], "MLP", "MLP"]
    assert frame["source"].tolist() == ["this run", "talk", *["talk (not run here)"] * 4, "this run", "talk"]
    assert list(frame.columns) == [
        "model",
        "source",
        "protocol",
        "N-ODE",
        "N-ODE verdict",
        "HNN",
        "HNN verdict",
    ]
    assert frame["protocol"].tolist() == ["released", "", "", "", "", "", "released", ""]
    scalars = frame.iloc[0]
    assert scalars["N-ODE"] == f"0.011 ({np.std([0.01, 0.011, 0.012]):.3f})"
    # 0.011 (0.00082) vs 0.009 (0.001): bound 2·√(0.00082² + 0.001²) = 0.0026 ≥ 0.002
    assert scalars["N-ODE verdict"] == "reproduced"
    assert frame.iloc[1]["N-ODE"] == "0.009 (0.001)" and frame.iloc[2]["HNN"] == "0.012 (0.002)"
    assert frame.iloc[2]["N-ODE verdict"] == ""  # EMLP: the talk's numbers, no verdict
    mlp = records[(records["model"] == "MLP") & (records["column"] == "N-ODE")].iloc[0]
    # 0.051 vs 0.048 (0.000): the talk's σ floors at 1 % of 0.048, the run's std 0.00082 is above it
    assert mlp["bound"] == pytest.approx(2 * math.hypot(np.std([0.05, 0.051, 0.052]), 0.00048))
    assert mlp["outcome"] == "differs" and mlp["kind"] == "rmse"
    assert set(records["table"]) == {"pendulum"} and len(records) == 4
    quick, _ = table(fake_runs(), REFERENCE, 0, "quick")
    assert quick.iloc[0]["N-ODE verdict"] == "not comparable (quick) [reproduced]"
    only_node, records = table(fake_runs()[lambda r: r["dynamics"] == "node"], REFERENCE, 0, "paper")
    assert len(records) == 2 and "talk (not run here)" in set(
        only_node[only_node["model"] == "MLP"]["source"]
    )


def test_table_shows_each_protocols_rows_before_the_talks():
    runs = pd.concat([fake_runs(), fake_runs(0.02, "described")])
    frame, records = table(runs, REFERENCE, 0, "paper")
    scalars = frame[frame["model"] == "Scalars O(3)"]
    assert scalars["protocol"].tolist() == ["released", "described", ""]
    assert scalars["source"].tolist() == ["this run", "this run", "talk"]
    assert scalars["N-ODE"].tolist()[:2] == ["0.011 (0.001)", "0.021 (0.001)"]
    assert len(records) == 8 and records.groupby("protocol").size().to_dict() == {
        "described": 4,
        "released": 4,
    }


@pytest.mark.parametrize(("scalars_node", "outcome"), [(0.01, "holds"), (0.06, "fails")])
def test_scalars_beat_mlp_claim_reads_the_tables_rows_and_columns(scalars_node, outcome):
    [claim] = [
        c for c in load_claims(REPO / "config" / "reference" / "claims.yaml") if c["experiment"] == "pendulum"
    ]
    _, records = table(fake_runs(scalars_node), REFERENCE, 0, "paper")
    result = evaluate([claim], records, pd.DataFrame(), {"pendulum"})
    assert result["outcome"].tolist() == [outcome]
    assert (
        result["detail"]
        .iloc[0]
        .startswith(f"N-ODE: {scalars_node + 0.001:.4g} vs 0.051; HNN: 0.007 vs 0.031")
    )


def test_the_schema_requires_exactly_the_configs_keys():  # enums: tests/test_plans.py
    schema = yaml.safe_load(
        (REPO / "config" / "schemas" / "experiments" / "pendulum.schema.yaml").read_text()
    )
    assert set(schema["required"]) == set(schema["properties"]) == set(PAPER)
