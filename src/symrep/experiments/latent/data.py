"""Pairs (x1, x2 = g·x1) for the learned-representation experiments (main paper §4, appendix B), and
each run's train/validation/test sources built from its input files (`SOURCES`).

A pair source draws per-sample random parameters (`plan`, on the CPU from a torch.Generator, so a
seed fixes the data on any device) and builds image batches from them on the device (`make`).
`make` returns x1, x2, `action` (index into the experiment's list of latent actions, see
`symrep.experiments.latent.task`) and, for classification, the label `y`.
"""

from __future__ import annotations

import itertools

import torch

from symrep.actions.planar import hflip, rot90, rotate, rotate_scale
from symrep.data.loaders import load_dataset
from symrep.experiments.latent.glyphs import load_glyphs


def _uniform(n: int, low: float, high: float, gen: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=gen)


class TMNISTPairs:
    """Z2 by font swap: a random digit in one font (x1) and the same digit in the other font (x2),
    under a shared random rotation in [-max_rotation, max_rotation] degrees and scale in `scale_range`."""

    n_powers = 1  # the one action: the swap

    def __init__(
        self,
        glyphs: torch.Tensor,
        size: int,
        digits: list[int],
        max_rotation: float,
        scale_range: tuple[float, float],
    ):
        if glyphs.shape[0] != 2:
            raise ValueError(f"font swap needs exactly two fonts, got {glyphs.shape[0]}")
        self.glyphs = glyphs.float() / 255  # (2, 10, 28, 28)
        self.size, self.digits = size, torch.as_tensor(digits)
        self.max_rotation, self.scale_range = max_rotation, scale_range

    def __len__(self) -> int:
        return self.size

    def plan(self, gen: torch.Generator) -> dict[str, torch.Tensor]:
        n = self.size
        return {
            "digit": self.digits[torch.randint(len(self.digits), (n,), generator=gen)],
            "font": torch.randint(2, (n,), generator=gen),
            "angle": _uniform(n, -self.max_rotation, self.max_rotation, gen),
            "scale": _uniform(n, *self.scale_range, gen),
        }

    def make(self, p: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        dev = self.glyphs.device
        digit, font = p["digit"].to(dev), p["font"].to(dev)
        both = torch.cat([self.glyphs[font, digit], self.glyphs[1 - font, digit]])[:, None]
        both = rotate_scale(p["angle"].repeat(2).to(dev), p["scale"].repeat(2).to(dev), both)
        x1, x2 = both.chunk(2)
        return {"x1": x1, "x2": x2, "action": torch.zeros(len(digit), dtype=torch.long, device=dev)}


class MNISTD3Pairs:
    """D3 on MNIST: x1 = the image, left-right flipped with probability 1/2 and (paper) rotated by an
    arbitrary angle; x2 = with probability 1/2 the mirror image of x1 (action: the reflection),
    else x1 rotated counter-clockwise by c·`degrees`, c uniform in 1..360/degrees - 1 (action c - 1:
    the c-th power of the rotation generator). Bilinear rotations, zero fill."""

    def __init__(self, images: torch.Tensor, degrees: int, rotate_x1: bool):
        if 360 % degrees:
            raise ValueError(f"rotation step {degrees} does not divide 360")
        self.images = images.float() / 255  # (N, 28, 28)
        self.degrees, self.rotate_x1 = degrees, rotate_x1
        self.n_powers = 360 // degrees - 1  # actions 0..n_powers-1 rotate, action n_powers reflects

    def __len__(self) -> int:
        return len(self.images)

    def plan(self, gen: torch.Generator) -> dict[str, torch.Tensor]:
        n = len(self.images)
        return {
            "index": torch.arange(n),
            "flip": torch.rand(n, generator=gen) < 0.5,
            "angle": _uniform(n, 0.0, 360.0, gen) if self.rotate_x1 else torch.zeros(n),
            "reflect": torch.rand(n, generator=gen) < 0.5,
            "power": torch.randint(1, self.n_powers + 1, (n,), generator=gen),
        }

    def make(self, p: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        dev = self.images.device
        flip, reflect, power = (p[k].to(dev) for k in ("flip", "reflect", "power"))
        x1 = self.images[p["index"].to(dev)][:, None]
        x1 = torch.where(flip[:, None, None, None], hflip(x1), x1)
        if self.rotate_x1:
            x1 = rotate(p["angle"].to(dev), x1)
        x2 = torch.where(reflect[:, None, None, None], hflip(x1), rotate((self.degrees * power).float(), x1))
        action = torch.where(reflect, torch.full_like(power, self.n_powers), power - 1)
        return {"x1": x1, "x2": x2, "action": action}


class CifarC4Pairs:
    """C4 on CIFAR-10: x1 = the image rotated by a·90°, x2 = rotated by (a + c)·90°, a uniform in 0..3,
    c uniform in 1..3 (action c - 1: the c-th power of the generator); exact rotations.
    Images normalised to [-1, 1] as the released code does."""

    n_powers = 3

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        self.images = (images.float() / 255 - 0.5) / 0.5  # (N, 3, 32, 32)
        self.labels = labels.long()

    def __len__(self) -> int:
        return len(self.images)

    def plan(self, gen: torch.Generator) -> dict[str, torch.Tensor]:
        n = len(self.images)
        return {
            "index": torch.arange(n),
            "start": torch.randint(4, (n,), generator=gen),
            "power": torch.randint(1, 4, (n,), generator=gen),
        }

    def make(self, p: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        dev = self.images.device
        index, start, power = (p[k].to(dev) for k in ("index", "start", "power"))
        image = self.images[index]
        return {
            "x1": rot90(start, image),
            "x2": rot90((start + power) % 4, image),
            "action": power - 1,
            "y": self.labels[index],
        }


def split_indices(n: int, sizes: tuple[int, ...], gen: torch.Generator) -> list[torch.Tensor]:
    """Disjoint random index sets of the given sizes drawn from range(n) (a seeded random_split)."""
    if sum(sizes) > n:
        raise ValueError(
            f"requested {' + '.join(map(str, sizes))} = {sum(sizes)} samples from a split of {n}"
        )
    perm = torch.randperm(n, generator=gen)
    bounds = [0, *itertools.accumulate(sizes)]
    return [perm[a:b] for a, b in zip(bounds, bounds[1:])]


def batches(
    n: int, batch_size: int, gen: torch.Generator | None = None, device: torch.device | str = "cpu"
) -> list[torch.Tensor]:
    """Index batches covering range(n), shuffled when `gen` is given (drawn on the CPU), on `device`; the
    last batch may be short."""
    order = torch.randperm(n, generator=gen) if gen is not None else torch.arange(n)
    return list(order.to(device).split(batch_size))


def tmnist_sources(s: dict, files: list[str], device, split: torch.Generator) -> dict:
    """Pairs of the glyphs in `files[0]`, drawn afresh: nothing to split."""
    glyphs, _ = load_glyphs(files[0])
    glyphs = torch.as_tensor(glyphs, device=device)
    return {
        name: TMNISTPairs(
            glyphs, s[f"{name}_samples"], s["digits"], s["max_rotation"], tuple(s["scale_range"])
        )
        for name in ("train", "val", "test")
    }


def image_splits(
    arrays: dict, s: dict, split: torch.Generator, eval_split: str = "test"
) -> dict[str, torch.Tensor]:
    """Indices: train/val drawn disjointly from the official training split; test from `eval_split`."""
    train, val = split_indices(len(arrays["train_images"]), (s["train_samples"], s["val_samples"]), split)
    (test,) = split_indices(len(arrays[f"{eval_split}_images"]), (s["test_samples"],), split)
    return {"train": train, "val": val, "test": test}


def mnist_sources(s: dict, files: list[str], device, split: torch.Generator) -> dict:
    arrays = load_dataset("mnist", files)
    idx = image_splits(arrays, s, split)
    return {
        name: MNISTD3Pairs(
            torch.as_tensor(
                arrays[f"{'test' if name == 'test' else 'train'}_images"][idx[name]], device=device
            ),
            s["rotation_degrees"],
            s["augment_rotation"],
        )
        for name in ("train", "val", "test")
    }


def cifar_sources(s: dict, files: list[str], device, split: torch.Generator) -> dict:
    arrays = load_dataset("cifar10", files)
    idx = image_splits(arrays, s, split, s["eval_split"])
    out = {}
    for name in ("train", "val", "test"):
        origin = s["eval_split"] if name == "test" else "train"
        images = torch.as_tensor(arrays[f"{origin}_images"][idx[name]], device=device).permute(0, 3, 1, 2)
        out[name] = CifarC4Pairs(
            images, torch.as_tensor(arrays[f"{origin}_labels"][idx[name]], device=device)
        )
    return out


#: run -> (its settings, its input files, device, the generator of the image splits) -> {split: pair source}
SOURCES = {"tmnist_z2": tmnist_sources, "mnist_d3": mnist_sources, "cifar10_c4": cifar_sources}
