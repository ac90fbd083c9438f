"""Training throughput of the learned-representation experiments (main paper §4) on this machine.

    PYTHONPATH=src python bench/latent_bench.py [--device cpu|cuda] [--threads N] [--steps N]

Prints, per experiment, seconds per training step (batch 64, synthetic images, the full loss with the
algebra penalty) and training pairs per second, and the implied time of one epoch at paper and quick scale.
"""

import argparse
import time

import torch

from symrep.experiments.latent.data import CifarC4Pairs, MNISTD3Pairs, TMNISTPairs
from symrep.experiments.latent.task import SPECS, LatentTask
from symrep.groups import get_group
from symrep.models.latent import LatentActionModel

SETTINGS = {
    "tmnist_z2": dict(latent_dim=42, lambda_algebra=1.0, lambda_decoder=0.025, lambda_latent=0.475),
    "mnist_d3": dict(
        latent_dim=30, lambda_algebra=0.5, lambda_decoder=0.495, lambda_latent=0.005, lambda_commutation=0.05
    ),
    "cifar10_c4": dict(
        latent_dim=64, lambda_algebra=1.0, lambda_decoder=0.25, lambda_latent=0.25, head="linear"
    ),
}
EPOCH_PAIRS = {"tmnist_z2": (8000, 8000), "mnist_d3": (54000, 20000), "cifar10_c4": (45000, 45000)}


def source(name: str, n: int, device):
    gen = torch.Generator().manual_seed(0)
    if name == "tmnist_z2":
        glyphs = torch.randint(0, 256, (2, 10, 28, 28), generator=gen, dtype=torch.uint8)
        return TMNISTPairs(glyphs.to(device), n, list(range(10)), 90, (0.8, 1.2))
    if name == "mnist_d3":
        return MNISTD3Pairs(
            torch.randint(0, 256, (n, 28, 28), generator=gen, dtype=torch.uint8).to(device), 120, True
        )
    images = torch.randint(0, 256, (n, 3, 32, 32), generator=gen, dtype=torch.uint8).to(device)
    return CifarC4Pairs(images, (torch.arange(n) % 10).to(device))


def bench(name: str, steps: int, device) -> float:
    spec, batch = SPECS[name], 64
    settings = {**SETTINGS[name], "lr": 0.003, "batch_size": batch}
    model = LatentActionModel(
        spec.network,
        settings["latent_dim"],
        len(get_group(spec.group).generators),
        spec.init,
        **{key: settings[key] for key in spec.network_options},
    ).to(device)
    n = batch * (steps + 5)
    sources = {"train": source(name, n, device), "val": source(name, batch, device)}
    task = LatentTask(
        spec, settings, model, sources, trace_every=50, val_generator=torch.Generator().manual_seed(1)
    )
    task.train_epoch(
        0, torch.Generator().manual_seed(2)
    )  # warm-up (and the timed run below sees the same sizes)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    task.train_epoch(1, torch.Generator().manual_seed(3))
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / (steps + 5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(f"device {device}, {args.threads} thread(s), batch 64, {args.steps + 5} timed steps")
    print(f"{'experiment':<12} {'s/step':>8} {'pairs/s':>9} {'paper epoch':>12} {'quick epoch':>12}")
    for name in SPECS:
        seconds = bench(name, args.steps, device)
        paper, quick = EPOCH_PAIRS[name]
        print(
            f"{name:<12} {seconds:8.4f} {64 / seconds:9.0f} {paper / 64 * seconds:11.1f}s {quick / 64 * seconds:11.1f}s"
        )


if __name__ == "__main__":
    main()
