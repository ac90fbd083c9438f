"""Image inpainting: the cluster-equivariant layer, the data draw, one training run, the table."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from conftest import REPO

from symrep.config import ConfigError
from symrep.experiments.inpainting import run as inpainting_run
from symrep.experiments.inpainting.data import (
    SIDE,
    apply_masks,
    build_inpainting,
    mask_corners,
    masked_pairs,
    normalise,
    stratified_subset,
)
from symrep.experiments.inpainting.plan import GROUPINGS, InpaintingPlan
from symrep.experiments.inpainting.report import table
from symrep.experiments.inpainting.run import train_run
from symrep.models.cluster_equivariant import ClusterEquivariantLinear, ClusterEquivariantNet, square_clusters
from symrep.models.common import count_parameters
from symrep.report.reference import reference_frame
from symrep.runs import RunJob
from symrep.training import fit

CPU = torch.device("cpu")
N = SIDE * SIDE


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def layer64(clusters, in_features=2, out_features=3, seed=0):
    torch.manual_seed(seed)
    layer = ClusterEquivariantLinear(clusters, in_features, out_features).double()
    layer.reset_parameters()
    with torch.no_grad():
        layer.bias.normal_()
    return layer


def in_cluster_permutation(clusters, generator):
    """A random permutation of the pixels that maps every cluster onto itself."""
    perm = torch.arange(len(clusters))
    for c in clusters.unique():
        members = torch.nonzero(clusters == c).flatten()
        perm[members] = members[torch.randperm(len(members), generator=generator)]
    return perm


def dense_matrix(layer, clusters):
    """The layer as a dense (out·N, in·N) matrix, built from its parameters and the clusters (oracle)."""
    n, o, i = len(clusters), layer.out_features, layer.in_features
    w = torch.zeros(o, n, i, n, dtype=torch.float64)
    for a in range(o):
        for b in range(i):
            w[a, :, b, :] = layer.w_off[a][:, b][clusters][:, clusters] / n
            w[a, torch.arange(n), b, torch.arange(n)] += layer.w_diag[a, b][clusters]
    return w.reshape(o * n, i * n)


# --- the layer -----------------------------------------------------------------------------------------------


def test_square_clusters_tile_the_grid_row_major():
    clusters = square_clusters(28, 14).reshape(28, 28)
    assert clusters[0, 0] == 0 and clusters[0, 14] == 1 and clusters[14, 0] == 2 and clusters[27, 27] == 3
    assert torch.equal(torch.bincount(clusters.flatten()), torch.full((4,), 196))
    assert torch.equal(square_clusters(28, 1), torch.arange(N))
    assert (square_clusters(28, 28) == 0).all()
    for side in GROUPINGS.values():
        assert torch.bincount(square_clusters(28, side)).tolist() == [side * side] * (28 // side) ** 2
    with pytest.raises(ValueError, match="does not divide"):
        square_clusters(28, 5)


@pytest.mark.parametrize("cluster_side", [14, 7, 4, 2])
def test_layer_is_equivariant_inside_each_cluster_and_not_across(cluster_side):
    clusters = square_clusters(28, cluster_side)
    layer, g = layer64(clusters), torch.Generator().manual_seed(cluster_side)
    x = torch.randn(4, 2, N, dtype=torch.float64, generator=g)
    for _ in range(3):
        perm = in_cluster_permutation(clusters, g)
        assert not torch.equal(perm, torch.arange(N))
        assert torch.allclose(layer(x[:, :, perm]), layer(x)[:, :, perm], atol=1e-12)
    a, b = 0, N - 1  # pixels of two different clusters (top-left and bottom-right)
    assert clusters[a] != clusters[b]
    swap = torch.arange(N)
    swap[[a, b]] = swap[[b, a]]
    assert not torch.allclose(layer(x[:, :, swap]), layer(x)[:, :, swap], atol=1e-6)


def test_layer_equals_its_dense_matrix_for_clusters_in_any_order():
    """Structured form = the dense map diag(w_diag per pixel) + w_off/N on cluster blocks + bias, also for
    clusters that are not contiguous in pixel order."""
    g = torch.Generator().manual_seed(0)
    labels = torch.repeat_interleave(torch.arange(4), 9)[torch.randperm(36, generator=g)]  # 6x6, 4 scattered
    for clusters in (labels, square_clusters(6, 3), square_clusters(6, 1), torch.zeros(36, dtype=torch.long)):
        layer = layer64(clusters)
        x = torch.randn(5, 2, 36, dtype=torch.float64, generator=g)
        dense = (x.reshape(5, -1) @ dense_matrix(layer, clusters).T).reshape(5, 3, 36) + layer.bias[:, None]
        assert torch.allclose(layer(x), dense, atol=1e-12)
        perm = in_cluster_permutation(clusters, g)
        assert torch.allclose(layer(x[:, :, perm]), layer(x)[:, :, perm], atol=1e-12)


def test_one_cluster_of_all_pixels_is_the_deepsets_layer():
    layer = layer64(square_clusters(28, 28), 1, 1)
    x = torch.randn(3, 1, N, dtype=torch.float64)
    a, b, c = layer.w_diag[0, 0, 0], layer.w_off[0, 0, 0, 0], layer.bias[0]
    assert torch.allclose(layer(x), a * x + b * x.mean(2, keepdim=True) + c, atol=1e-12)
    perm = torch.randperm(N)  # any permutation of the 784 pixels
    assert torch.allclose(layer(x[:, :, perm]), layer(x)[:, :, perm], atol=1e-12)
    assert count_parameters(layer) == 3


def test_clusters_of_one_pixel_give_every_pixel_its_own_weights():
    layer = layer64(square_clusters(28, 1), 1, 1)
    x = torch.randn(2, 1, N, dtype=torch.float64)
    eye = torch.eye(N, dtype=torch.float64).reshape(N, 1, N)
    jacobian = (layer(eye) - layer.bias).reshape(N, N).T  # column m = response to pixel m
    expected = torch.diag(layer.w_diag[0, 0]) + layer.w_off[0, :, 0, :] / N
    assert torch.allclose(jacobian, expected, atol=1e-12)
    assert len(torch.unique(torch.diagonal(jacobian))) == N  # no two pixels share a weight
    swap = torch.arange(N)
    swap[[5, 6]] = swap[[6, 5]]  # even neighbouring pixels cannot be exchanged
    assert not torch.allclose(layer(x[:, :, swap]), layer(x)[:, :, swap], atol=1e-6)
    assert count_parameters(layer) == N + N * N + 1


def test_unequal_clusters_are_refused():
    with pytest.raises(ValueError, match="all of one size"):
        ClusterEquivariantLinear(torch.tensor([0, 0, 1]), 1, 1)


@pytest.mark.parametrize("grouping", list(GROUPINGS))
def test_network_parameters_and_shapes(grouping):
    k = (28 // GROUPINGS[grouping]) ** 2
    net = ClusterEquivariantNet(square_clusters(28, GROUPINGS[grouping]), hidden=28)
    assert count_parameters(net) == 2 * 28 * (k + k * k) + 28 + 1  # w_diag, w_off of both layers; biases
    assert net(torch.randn(2, 1, N)).shape == (2, 1, N)


def test_network_is_the_two_layers_with_a_relu_and_keeps_the_symmetry():
    clusters = square_clusters(28, 7)
    net = ClusterEquivariantNet(clusters, hidden=5).double()
    x = torch.randn(3, 1, N, dtype=torch.float64)
    assert torch.allclose(net(x), net.output_layer(torch.relu(net.input_layer(x))), atol=1e-12)
    perm = in_cluster_permutation(clusters, torch.Generator().manual_seed(1))
    assert torch.allclose(net(x[:, :, perm]), net(x)[:, :, perm], atol=1e-12)


def test_initialisation_draws_as_the_released_network():
    """Constructor: U(0,1) w_diag (o·i, K), w_off (o·i, K, K), bias U(±1/√out) per layer; then both weights
    of each layer again U(±1/√out) (reset_weight), in the released layout ((o, i) o-major)."""
    k, hidden = 16, 6
    torch.manual_seed(3)
    net = ClusterEquivariantNet(square_clusters(28, 7), hidden=hidden)
    torch.manual_seed(3)
    draws = []
    for o, i in ((hidden, 1), (1, hidden)):
        torch.rand(o * i, k), torch.rand(o * i, k, k)
        draws.append({"bias": torch.empty(o).uniform_(-1 / math.sqrt(o), 1 / math.sqrt(o))})
    for (o, i), d in zip(((hidden, 1), (1, hidden)), draws):
        s = 1 / math.sqrt(o)
        d["w_diag"] = torch.empty(o * i, k).uniform_(-s, s).reshape(o, i, k)
        d["w_off"] = torch.empty(o * i, k, k).uniform_(-s, s).reshape(o, i, k, k).permute(0, 2, 1, 3)
    for layer, d in zip((net.input_layer, net.output_layer), draws):
        for name, value in d.items():
            assert torch.equal(getattr(layer, name).detach(), value), name
        assert layer.w_diag.abs().max() <= 1 / math.sqrt(layer.out_features)


# --- data ----------------------------------------------------------------------------------------------------


def fake_images(n_train=300, n_test=200, seed=0):
    """uint8 images whose pixel (27, 27) is the label and (27, 26) the index mod 256."""
    rng = np.random.default_rng(seed)
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        labels = rng.permutation(np.arange(n) % 10)
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        images[:, 27, 27], images[:, 27, 26] = labels, np.arange(n) % 256
        out[f"{split}_images"], out[f"{split}_labels"] = images, labels
    return out


SETTINGS = {
    "dataset": "mnist",
    "train_images": 50,
    "val_fraction": 0.2,
    "test_images": 30,
    "subset_seed": 999,
    "mask_size": 14,
    "mean": 0.1307,
    "std": 0.3081,
}


def test_stratified_subset_keeps_the_class_proportions():
    labels = np.repeat(np.arange(10), [600, 700, 500, 600, 600, 500, 600, 600, 600, 700])
    idx = stratified_subset(labels, 60, random_state=999)
    assert len(idx) == len(set(idx)) == 60
    assert np.bincount(labels[idx]).tolist() == [6, 7, 5, 6, 6, 5, 6, 6, 6, 7]
    assert np.array_equal(idx, stratified_subset(labels, 60, random_state=999))
    assert not np.array_equal(idx, stratified_subset(labels, 60, random_state=1))


def test_masks_are_one_square_set_to_zero_after_normalisation():
    corners = mask_corners(2000, 14, np.random.default_rng(0))
    assert corners.min() == 0 and corners.max() == 13  # [0, 28 - 14): the last row/column never masked
    images = torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8)
    y = normalise(images, 0.5, 0.5)
    assert y.shape == (3, 1, N) and torch.allclose(y, (images.float().reshape(3, 1, N) / 255 - 0.5) / 0.5)
    corners = torch.tensor([[0, 0], [13, 5], [3, 7]])
    x = apply_masks(y, corners, 14).reshape(3, 28, 28)
    for img, (r, c) in enumerate(corners.tolist()):
        inside = torch.zeros(28, 28, dtype=torch.bool)
        inside[r : r + 14, c : c + 14] = True
        assert (x[img][inside] == 0).all()
        assert torch.equal(x[img][~inside], y[img].reshape(28, 28)[~inside])


def test_one_draw_per_seed_with_the_same_images():
    images = fake_images()
    data = build_inpainting(images, SETTINGS, seed=0)
    assert data["train_images"].shape == (50, 28, 28) and data["test_images"].shape == (30, 28, 28)
    assert np.bincount(data["train_labels"].numpy()).tolist() == [5] * 10  # stratified
    assert (data["train_images"][:, 27, 27] == data["train_labels"]).all()  # images travel with labels
    fit_idx, val_idx = data["fit_index"].tolist(), data["val_index"].tolist()
    assert len(fit_idx) == 40 and len(val_idx) == 10 and sorted(fit_idx + val_idx) == list(range(50))
    again, other = build_inpainting(images, SETTINGS, seed=0), build_inpainting(images, SETTINGS, seed=1)
    assert all(torch.equal(data[k], again[k]) for k in data if k != "meta")
    assert torch.equal(data["train_images"], other["train_images"])  # subset_seed: same images every run
    assert not torch.equal(data["train_corners"], other["train_corners"])  # masks and split per seed
    assert data["val_index"].tolist() != other["val_index"].tolist()
    per_seed = build_inpainting(images, {**SETTINGS, "subset_seed": None}, seed=1)
    assert not torch.equal(per_seed["train_images"], data["train_images"])
    assert per_seed["meta"]["subset_seed"] == 1


def test_masked_pairs_are_the_masked_and_clean_images():
    data = build_inpainting(fake_images(), SETTINGS, seed=0)
    pairs = masked_pairs(data, CPU)
    assert [len(pairs[s][0]) for s in ("fit", "val", "test")] == [40, 10, 30]
    x, y = pairs["val"]
    clean = normalise(data["train_images"][data["val_index"]], 0.1307, 0.3081)
    assert torch.equal(y, clean)
    hidden = (x != y).sum(2).flatten()
    assert (hidden <= 14 * 14).all() and (hidden > 150).all()  # one 14x14 square (some pixels may equal 0)


# --- plan ----------------------------------------------------------------------------------------------------


def paper_config():
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def test_the_schema_requires_exactly_the_configs_keys():
    schema = yaml.safe_load(
        (REPO / "config" / "schemas" / "experiments" / "inpainting.schema.yaml").read_text()
    )
    assert (
        set(schema["required"])
        == set(schema["properties"])
        == set(paper_config()["experiments"]["inpainting"])
    )


def test_run_settings_hold_exactly_what_defines_a_run():
    plan = InpaintingPlan(paper_config())
    assert plan.seeds == [0, 1, 2]  # the original's 3 runs, not the top-level seeds
    assert plan.run_settings("fashion_mnist", "S4x196") == {
        "dataset": "fashion_mnist",
        "grouping": "S4x196",
        "cluster_side": 2,
        "hidden": 28,
        "lr": 0.01,
        "epochs": 500,
    }
    assert len(plan.metrics()) == 2 * 6 * 3
    data = plan.dataset_settings(type("W", (), {"dataset": "fashion_mnist"}))
    assert data == {
        **SETTINGS,
        "dataset": "fashion_mnist",
        "train_images": 100,
        "test_images": 1000,
        "mask_size": 20,
        "mean": 0.5,
        "std": 0.5,
    }


def test_config_problems_are_one_clear_error():
    config = paper_config()
    section = config["experiments"]["inpainting"]
    bad = {**section, "per_dataset": {"mnist": section["per_dataset"]["mnist"]}, "train_images": 5}
    with pytest.raises(ConfigError) as error:
        InpaintingPlan({**config, "experiments": {"inpainting": bad}})
    assert "no mask size and normalisation for dataset 'fashion_mnist'" in str(error.value)
    assert "train_images: 5 cannot hold one image of each of the 10 classes" in str(error.value)
    top_level = InpaintingPlan({**config, "experiments": {"inpainting": {**section, "seeds": None}}})
    assert top_level.seeds == config["seeds"]


# --- one training run ----------------------------------------------------------------------------------------


def write_dataset(tmp_path):
    data = build_inpainting(fake_images(), SETTINGS, seed=0)
    torch.save(data, tmp_path / "data.pt")
    return tmp_path / "data.pt"


def run_job(tmp_path, name, dataset, grouping="S49x16", epochs=6):
    settings = {
        "dataset": "mnist",
        "grouping": grouping,
        "cluster_side": GROUPINGS[grouping],
        "hidden": 4,
        "lr": 0.01,
        "epochs": epochs,
    }
    out = {k: str(tmp_path / f"{name}.{k}") for k in ("metrics", "history", "weights")}
    return train_run(
        RunJob(settings, 0, {"dataset": [str(dataset)]}, out, str(tmp_path / f"{name}.ckpt"), "cpu")
    )


def test_train_run_tests_the_best_validation_weights(tmp_path):
    dataset = write_dataset(tmp_path)
    metrics = run_job(tmp_path, "run", dataset, epochs=8)
    history = pd.read_csv(tmp_path / "run.history")
    assert len(history) == metrics["epochs"] == 8 and set(history) >= {"train_mse", "val_mse", "seconds"}
    assert metrics["best_epoch"] == history["val_mse"].idxmin() + 1
    assert metrics["best_val_mse"] == pytest.approx(history["val_mse"].min())
    assert history["train_mse"].iloc[-1] < history["train_mse"].iloc[0]  # it learns
    net = ClusterEquivariantNet(square_clusters(28, 7), hidden=4)
    net.load_state_dict(torch.load(tmp_path / "run.weights")["model"])
    pairs = masked_pairs(torch.load(dataset, weights_only=True), CPU)
    with torch.no_grad():
        for split, key in (("val", "best_val_mse"), ("test", "test_mse")):
            x, y = pairs[split]
            assert torch.nn.functional.mse_loss(net(x), y).item() == pytest.approx(metrics[key], rel=1e-5)
    x, y = pairs["test"]
    assert metrics["test_mse_of_masked_input"] == pytest.approx(torch.nn.functional.mse_loss(x, y).item())
    assert metrics["params"] == count_parameters(net)


def test_train_run_resumes_after_an_interruption_to_the_same_result(tmp_path, monkeypatch):
    dataset = write_dataset(tmp_path)
    full = run_job(tmp_path, "full", dataset)

    def interrupted_fit(*args, **kwargs):
        def stop(epoch, record):
            if epoch == 4:  # after epoch 3's checkpoint (every 2 epochs here) was written
                raise InterruptedError

        return fit(*args, **kwargs, on_epoch=stop)

    monkeypatch.setattr(inpainting_run, "CHECKPOINT_EVERY", 2)
    monkeypatch.setattr(inpainting_run, "fit", interrupted_fit)
    with pytest.raises(InterruptedError):
        run_job(tmp_path, "resumed", dataset)
    assert (tmp_path / "resumed.ckpt").exists()
    monkeypatch.setattr(inpainting_run, "fit", fit)
    resumed = run_job(tmp_path, "resumed", dataset)
    assert not (tmp_path / "resumed.ckpt").exists()
    keep = ("test_mse", "best_val_mse", "best_epoch", "epochs", "params")
    assert {k: full[k] for k in keep} == {k: resumed[k] for k in keep}
    history = [pd.read_csv(tmp_path / f"{n}.history").drop(columns="seconds") for n in ("full", "resumed")]
    pd.testing.assert_frame_equal(*history)


# --- the table -----------------------------------------------------------------------------------------------


def test_table_puts_this_run_beside_the_talks_numbers_with_verdicts():
    rows = [
        {"dataset": d, "grouping": g, "seed": s, "params": 141, "test_mse": m + 0.0001 * s}
        for d, g, m in (
            ("mnist", "S784", 0.4156),
            ("mnist", "trivial", 0.3347),
            ("fashion_mnist", "S784", 0.30),
        )
        for s in range(3)
    ]
    reference = reference_frame(REPO / "config" / "reference" / "inpainting.yaml")
    frame, records = table(pd.DataFrame(rows), reference, 0, "paper")
    assert frame["group"].tolist()[:3] == ["S_784", "S_784", "(S_196)^4"]
    assert frame["source"].tolist()[:3] == ["this run", "talk", "talk (not run here)"]
    first = frame.iloc[0]
    std = 100 * np.std([0.4156, 0.4157, 0.4158])
    assert first["MNIST"] == f"41.57 ({std:.2f})" and first["MNIST verdict"] == "reproduced"
    assert first["Fashion-MNIST verdict"] == "differs"  # 30.01 against 23.48
    assert frame.iloc[1]["MNIST"] == "41.56 (0.16)"
    trivial = records[(records["group"] == "trivial") & (records["column"] == "MNIST")].iloc[0]
    # 33.48 vs 33.92 (0.04): σ floors at 1 % of 33.92, bound 2·√2·0.3392 = 0.959
    assert trivial["outcome"] == "reproduced" and trivial["bound"] == pytest.approx(2 * 2**0.5 * 0.3392)
    assert set(records["table"]) == {"inpainting"} and len(records) == 3
