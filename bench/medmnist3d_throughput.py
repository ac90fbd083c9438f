"""MedMNIST3D training throughput (volumes/s) of CNN, CNN + augmentation and Ours on the current device.

Times whole training epochs of the pipeline's own task (on-device cube rotations included; fp32, or bf16
autocast on CUDA with --mixed-precision, as the config's `mixed_precision`) on random uint8 volumes, and the
augmentation alone.

    python bench/medmnist3d_throughput.py [--device auto] [--threads N] [--channels 6] [--batches 4]
                                          [--mixed-precision]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from symrep.experiments.medmnist3d.data import CUBE, VolumePairs
from symrep.experiments.medmnist3d.plan import AUGMENTED
from symrep.experiments.paired_classification import EvalSet, LossWeights, PairedClassificationTask
from symrep.models.resnet3d import CubeResNet3D
from symrep.representations import latent_representation
from symrep.runtime import resolve_device

WEIGHTS = {"cnn": LossWeights(), "cnn_aug": LossWeights(), "ours": LossWeights(0.5, 0.5, 1.0)}


def timed(fn, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)"
    )
    parser.add_argument("--channels", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=4, help="training batches per timed epoch")
    parser.add_argument("--mixed-precision", action="store_true", help="bf16 autocast (CUDA only)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    n = args.batch_size * args.batches
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, (n, 28, 28, 28), dtype=np.uint8), rng.integers(0, 2, n)
    print(
        f"device {device}, torch threads {torch.get_num_threads()}, c = {args.channels}, batch {args.batch_size}, "
        f"{n} volumes per timed epoch, bf16 autocast {args.mixed_precision and device.type == 'cuda'}"
    )
    print(f"{'model':8} {'train volumes/s':>16} {'augment x1+x2 volumes/s':>24}")
    for model_name, weights in WEIGHTS.items():
        source = VolumePairs(
            *data, device, augment=AUGMENTED[model_name], convention="left", organ_label_remap=False
        )
        model = CubeResNet3D(2, args.channels).to(device)
        task = PairedClassificationTask(
            model,
            train=source,
            val=EvalSet(source.clean(torch.arange(2)), source.labels[:2]),
            rho=latent_representation(CUBE, model.latent_dim),
            weights=weights,
            lr=1e-4,
            batch_size=args.batch_size,
            mixed_precision=args.mixed_precision,
        )
        gen = torch.Generator().manual_seed(0)
        task.train_epoch(0, gen)  # warm-up (kernel selection, allocator)
        train = timed(lambda t=task, g=gen: t.train_epoch(1, g), device)
        augment = timed(
            lambda s=source, g=gen: [
                s.batch(i, g, True) for i in torch.arange(n, device=device).split(args.batch_size)
            ],
            device,
        )
        print(f"{model_name:8} {n / train:16.1f} {n / augment:24.1f}")


if __name__ == "__main__":
    main()
