"""DDMNIST training throughput (samples/s) of the CNN baseline and Ours on the current device.

Times whole training epochs of the pipeline's own task (on-device augmentation included) and, separately,
the augmentation alone, so that one can see whether the data pipeline is the bottleneck. Digit pairs are
random uint8 images (their content does not change the cost).

    python bench/ddmnist_throughput.py [--device auto] [--threads N] [--batch-size 256] [--batches 8]
"""

from __future__ import annotations

import argparse
import time

import torch

from symrep.experiments.ddmnist.pairs import DDMNISTPairs, PairAugmentation, digit_noise
from symrep.experiments.paired_classification import EvalSet, LossWeights, PairedClassificationTask
from symrep.models.ddmnist import DDMNISTCNN
from symrep.representations import latent_representation
from symrep.runtime import resolve_device

MODELS = {"cnn": LossWeights(), "ours": LossWeights(1.0, 1.0, 1.0)}


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, device: torch.device) -> float:
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)"
    )
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--batches", type=int, default=8, help="training batches per timed epoch")
    parser.add_argument("--groups", nargs="+", default=["C4", "D1", "D4"])
    parser.add_argument(
        "--no-channels-last",
        dest="channels_last",
        action="store_false",
        help="keep the model in NCHW (the pipeline trains it channels-last)",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    n = args.batch_size * args.batches
    gen = torch.Generator().manual_seed(0)
    digits = torch.randint(0, 256, (n, 2, 28, 28), generator=gen, dtype=torch.uint8)
    labels = torch.randint(0, 100, (n,), generator=gen)
    print(
        f"device {device}, torch threads {torch.get_num_threads()}, batch {args.batch_size}, "
        f"{n} pairs per timed epoch"
    )
    print(
        "train samples/s: training examples per second of whole epochs (Ours: each is a pair x1, x2 = g·x1, "
        "both through the network); augment: pairs per second of the on-device augmentation alone"
    )
    print(f"{'group':5} {'model':5} {'train samples/s':>16} {'augment x1 /s':>14} {'augment x1+x2 /s':>17}")
    for group in args.groups:
        augmentation = PairAugmentation(group, digit_noise(group, "rotate_and_back"))
        source = DDMNISTPairs(digits, labels, augmentation, device)
        val = EvalSet.clean(DDMNISTPairs(digits[:256], labels[:256], augmentation, device))
        idx = torch.arange(n, device=device)
        rates = {}
        for with_x2 in (False, True):
            seconds = timed(
                lambda s=source, w=with_x2, i=idx: [s.batch(b, gen, w) for b in i.split(args.batch_size)],
                device,
            )
            rates[with_x2] = n / seconds
        for name, weights in MODELS.items():
            cnn = DDMNISTCNN().to(device, memory_format=torch.channels_last if args.channels_last else None)
            task = PairedClassificationTask(
                cnn,
                train=source,
                val=val,
                rho=latent_representation(augmentation.product, 66),
                weights=weights,
                lr=1e-3,
                batch_size=args.batch_size,
            )
            task.model.train()
            task.train_epoch(0, gen)  # warm-up
            seconds = timed(lambda t=task: t.train_epoch(1, gen), device)
            print(f"{group:5} {name:5} {n / seconds:16.0f} {rates[False]:14.0f} {rates[True]:17.0f}")


if __name__ == "__main__":
    main()
