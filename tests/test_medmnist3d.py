"""MedMNIST3D: the 3D ResNet, the volume pairs under the cube group, labels, medmnist's metrics, the plan,
one training run."""

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from conftest import REPO, bit_equal
from medmnist.evaluator import Evaluator
from oracles import old_cube_rotate

from symrep.actions.cubic import cube_rotate
from symrep.config import ConfigError
from symrep.data.fixtures import write_medmnist
from symrep.data.loaders import load_medmnist
from symrep.experiments.medmnist3d import data as medmnist3d_data
from symrep.experiments.medmnist3d.data import CUBE, ORGAN_LEFT_RIGHT, VolumePairs, mirrors_left_right
from symrep.experiments.medmnist3d.plan import MedMNIST3DPlan
from symrep.experiments.medmnist3d.run import train_run
from symrep.experiments.medmnist3d.task import medmnist_scores
from symrep.experiments.paired_classification import EvalSet, LossWeights, PairedClassificationTask
from symrep.losses import latent_equivariance_loss
from symrep.models.common import count_parameters
from symrep.models.resnet3d import CubeResNet3D
from symrep.representations import latent_representation
from symrep.runs import RunJob

CPU = torch.device("cpu")


def volumes(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28, 28), dtype=np.uint8), rng.integers(0, 11, n)


def test_parameter_counts_and_latent():
    """c = 6 (the main paper's code) gives 141,998 parameters for two classes, not Table 5's 0.19M, which
    c = 7 gives (191,942): see docs/medmnist3d.md."""
    assert count_parameters(CubeResNet3D(2, 6)) == 141_998
    assert count_parameters(CubeResNet3D(11, 6)) == 142_439
    assert count_parameters(CubeResNet3D(2, 7)) == 191_942
    model = CubeResNet3D(2, 6).eval()
    z = model.features(torch.randn(3, 1, 28, 28, 28))
    assert z.shape == (3, 48) == (3, 2 * CUBE.order)
    assert model(torch.randn(3, 1, 28, 28, 28)).shape == (3, 2)


def test_clean_volumes_use_medmnists_normalisation():
    v, y = volumes(2)
    source = VolumePairs(v, y, CPU, augment=False, convention="left", organ_label_remap=False)
    x = source.clean(torch.arange(2))
    assert x.shape == (2, 1, 28, 28, 28)
    assert torch.allclose(x[:, 0], torch.as_tensor(v).float() / 127.5 - 1)


def orbit_features(x, functional):
    """F(x)_h = φ(h⁻¹·x): regular-representation features of the cube group (exactly equivariant), twice."""
    f = torch.stack(
        [(cube_rotate(CUBE.inverse(h), x) * functional).flatten(1).sum(1) for h in range(CUBE.order)], 1
    )
    return torch.cat([f, 2 * f], 1)


@pytest.mark.parametrize("convention", ["left", "released"])
def test_pairs_match_the_latent_representation_only_for_the_left_action(convention):
    """x2 = g·x1 and ρ(g) E(x1) = E(x2) for an exactly equivariant E under the true (left) action; the
    released convention composes the other way round, which the loss sees on non-commuting elements."""
    v, y = volumes(24)
    source = VolumePairs(v, y, CPU, augment=True, convention=convention, organ_label_remap=False)
    x1, y1, x2, g = source.batch(torch.arange(24), torch.Generator().manual_seed(0), True)
    assert torch.equal(y1, source.labels[:24])
    assert torch.equal(x2, cube_rotate(g, x1, convention))
    functional = torch.randn(1, 28, 28, 28, generator=torch.Generator().manual_seed(1))
    z1, z2 = orbit_features(x1, functional), orbit_features(x2, functional)
    loss = latent_equivariance_loss(z1, z2, latent_representation(CUBE, 48), g)
    if convention == "left":
        assert loss < 1e-6 * z1.pow(2).mean()
    else:
        assert loss > 1e-2 * z1.pow(2).mean()


def test_unaugmented_source_keeps_volumes_and_batches_are_seeded():
    v, y = volumes(8)
    plain = VolumePairs(v, y, CPU, augment=False, convention="left", organ_label_remap=False)
    x1, y1, x2, g = plain.batch(torch.arange(8), torch.Generator().manual_seed(3), False)
    assert torch.equal(x1, plain.clean(torch.arange(8))) and x2 is None and g is None
    turned = VolumePairs(v, y, CPU, augment=True, convention="left", organ_label_remap=False)
    a = turned.batch(torch.arange(8), torch.Generator().manual_seed(3), True)
    b = turned.batch(torch.arange(8), torch.Generator().manual_seed(3), True)
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    assert not torch.equal(a[0], x1)


def test_organ_label_remap_swaps_left_and_right_under_odd_axis_permutations():
    assert sum(map(mirrors_left_right, range(CUBE.order))) == 12 and not mirrors_left_right(0)
    v, _ = volumes(64)
    y = np.tile(np.arange(11), 6)[:64]
    source = VolumePairs(v, y, CPU, augment=True, convention="left", organ_label_remap=True)
    g0 = torch.randint(CUBE.order, (64,), generator=torch.Generator().manual_seed(7))
    x1, y1, _, _ = source.batch(torch.arange(64), torch.Generator().manual_seed(7), False)
    assert torch.equal(x1, cube_rotate(g0, source.clean(torch.arange(64))))  # same draw as the source's
    for label, turned, g in zip(y, y1.tolist(), g0.tolist()):
        expected = ORGAN_LEFT_RIGHT.get(int(label), int(label)) if mirrors_left_right(g) else int(label)
        assert turned == expected
    assert (y1 != source.labels).any()


def test_label_action_is_a_group_action_and_labels_the_rotated_view():
    """The remapped label of x2 = g·x1 is the label action of g on x1's label (it composes like the group),
    and Ours' CE on x2 is against that label, not x1's."""
    v, _ = volumes(11)
    source = VolumePairs(v, np.arange(11), CPU, augment=True, convention="left", organ_label_remap=True)
    act = source.label_table
    assert act.shape == (CUBE.order, 11)
    for g in range(CUBE.order):
        for h in range(CUBE.order):
            assert torch.equal(act[int(CUBE.table[g, h])], act[g][act[h]])
    kept = VolumePairs(v, np.arange(11), CPU, augment=True, convention="left", organ_label_remap=False)
    assert kept.label_table is None
    torch.manual_seed(0)
    model = CubeResNet3D(11, 3)
    x = source.clean(torch.arange(2))
    y, g = torch.tensor([1, 3]), torch.tensor([1, 1])
    assert mirrors_left_right(1)
    val = EvalSet(x, y)
    rho = latent_representation(CUBE, model.latent_dim)
    kinds = {
        name: PairedClassificationTask(
            model,
            train=source,
            val=val,
            rho=rho,
            weights=LossWeights(0.5, 0.5),
            lr=1e-3,
            batch_size=2,
            label_action=action,
        )
        for name, action in (("remapped", act), ("invariant", None))
    }
    ce_x2 = {name: task.loss(x, y, x, g)[1]["ce_x2"] for name, task in kinds.items()}
    expected = torch.nn.functional.cross_entropy(model.head(model.features(x)), torch.tensor([2, 4]))
    assert torch.isclose(ce_x2["remapped"], expected) and not torch.isclose(ce_x2["invariant"], expected)


@pytest.mark.parametrize(("flag", "n_classes"), [("nodulemnist3d", 2), ("organmnist3d", 11)])
def test_scores_equal_medmnists_evaluator(tmp_path, flag, n_classes):
    write_medmnist(tmp_path / f"{flag}.npz", n_classes, 2, seed=0)
    data = load_medmnist(tmp_path / f"{flag}.npz")
    source = VolumePairs(
        data["test_images"],
        data["test_labels"],
        CPU,
        augment=False,
        convention="left",
        organ_label_remap=False,
    )
    torch.manual_seed(0)
    model = CubeResNet3D(n_classes, 3).eval()
    ours = medmnist_scores(model, EvalSet.clean(source), flag, batch_size=5)
    with torch.no_grad():
        scores = model(source.clean(torch.arange(len(source)))).softmax(1).numpy()
    reference = Evaluator(flag, "test", root=str(tmp_path)).evaluate(scores)
    assert ours["acc"] == pytest.approx(reference.ACC) and ours["auc"] == pytest.approx(reference.AUC)


SECTION = {
    "enabled": True,
    "channels": 6,
    "batch_size": 32,
    "eval_batch_size": 48,
    "max_epochs": 150,
    "patience": 20,
    "convention": "left",
    "mixed_precision": True,
    "organ_label_remap": True,
    "datasets": ["organmnist3d"],
    "models": ["cnn", "cnn_aug", "ours"],
    "hyperparameters": {"organmnist3d": {"lr": 1e-4, "lambda": 2.0}},
}


def plan(**section):
    return MedMNIST3DPlan({"seeds": [0], "experiments": {"medmnist3d": {**SECTION, **section}}})


def test_run_settings_carry_only_what_affects_the_run():
    settings = plan().run_settings
    assert settings("organmnist3d", "ours")["lambda"] == 2.0
    # the authors' MedMNIST loss: 0.5·CE(x1) + 0.5·CE(x2) for Ours, CE(x1) alone for the CNNs (λ = 0)
    assert settings("organmnist3d", "ours")["task_weights"] == [0.5, 0.5]
    assert settings("organmnist3d", "cnn_aug")["task_weights"] == [1.0, 0.0]
    assert settings("organmnist3d", "cnn_aug")["lambda"] == 0.0
    assert settings("organmnist3d", "cnn_aug")["organ_label_remap"]
    assert not settings("organmnist3d", "cnn")["organ_label_remap"]  # never turned: nothing to swap


def test_bad_sections_are_one_config_error_listing_every_problem():
    with pytest.raises(
        ConfigError, match=r"(?s)not a multiple of \|O\| = 24.*no lr/lambda for \['nodulemnist3d'\]"
    ):
        plan(channels=4, datasets=["nodulemnist3d"])
    plan(channels=4, enabled=False)  # a disabled experiment is not checked


def test_schema_enums_are_the_plans_allowed_values():
    schema = yaml.safe_load((REPO / "config/schemas/experiments/medmnist3d.schema.yaml").read_text())
    allowed = {key: list(values) for key, values in MedMNIST3DPlan.ALLOWED.items()}
    props = schema["properties"]
    assert props["datasets"]["items"]["enum"] == allowed["datasets"]
    assert props["models"]["items"]["enum"] == allowed["models"]
    assert props["convention"]["enum"] == allowed["convention"]
    [pattern] = props["hyperparameters"]["patternProperties"]
    assert pattern == f"^({'|'.join(allowed['datasets'])})$"


def test_train_run_writes_metrics_history_and_weights_and_repeats_itself(tmp_path):
    write_medmnist(tmp_path / "nodulemnist3d.npz", 2, 2, seed=0)
    nodule = plan(
        datasets=["nodulemnist3d"],
        hyperparameters={"nodulemnist3d": {"lr": 1e-4, "lambda": 1.0}},
        channels=3,
        batch_size=8,
        max_epochs=1,
    )
    settings = nodule.run_settings("nodulemnist3d", "ours")

    def run(name):
        out = {k: str(tmp_path / f"{name}.{k}") for k in ("metrics", "history", "weights")}
        job = RunJob(
            settings,
            0,
            {"npz": [str(tmp_path / "nodulemnist3d.npz")]},
            out,
            str(tmp_path / f"{name}.ckpt"),
            "cpu",
            extra={"dataset": "nodulemnist3d"},
        )
        return train_run(job)

    first, second = run("first"), run("second")
    assert first["dataset"] == "nodulemnist3d" and first["settings"] == settings and first["seed"] == 0
    assert first["params"] == count_parameters(CubeResNet3D(2, 3)) and first["epochs"] == 1
    keep = ("test_acc", "test_auc", "rotated_test_acc", "rotated_test_equivariance", "best_val_acc")
    assert {k: first[k] for k in keep} == {k: second[k] for k in keep}
    assert not (tmp_path / "first.ckpt").exists() and (tmp_path / "first.weights").exists()
    history = [pd.read_csv(tmp_path / f"{n}.history").drop(columns="seconds") for n in ("first", "second")]
    pd.testing.assert_frame_equal(*history)


@pytest.mark.parametrize("convention", ["left", "released"])
def test_pairs_are_bit_identical_to_the_per_element_rotations(convention, monkeypatch):
    """The batched cube rotations (one gather) give the training pairs the old per-element loop gave."""
    v, y = volumes(48)
    source = VolumePairs(v, y, CPU, augment=True, convention=convention, organ_label_remap=True)
    new = source.batch(torch.arange(48), torch.Generator().manual_seed(4), True)
    monkeypatch.setattr(medmnist3d_data, "cube_rotate", old_cube_rotate)
    old = source.batch(torch.arange(48), torch.Generator().manual_seed(4), True)
    assert all(bit_equal(a, b) for a, b in zip(new, old))
