"""MedMNIST3D's data: the 28³ volumes of one split as training pairs under the 24 cube rotations.

"cnn" sees the volumes as they are; "cnn_aug" and "ours" see volumes turned by a random cube rotation, and
"ours" also x2 = g·x1 with g. Organ3D's left/right organ labels can follow the rotation (`organ_label_remap`).
"""

from __future__ import annotations

import numpy as np
import torch

from symrep.actions.cubic import cube_rotate
from symrep.groups import get_group

CUBE = get_group("O")
# OrganMNIST3D's left/right organ pairs (medmnist.INFO labels): kidney, femur, lung.
ORGAN_LEFT_RIGHT = {1: 2, 2: 1, 3: 4, 4: 3, 7: 8, 8: 7}


def mirrors_left_right(g: int) -> bool:
    """Our reading of the released code's (disabled) organ-label rule: swap left/right organs when the
    product of the nonzero entries of R_g (a signed permutation) is −1, i.e. an odd axis permutation."""
    r = np.asarray(CUBE.matrices[g])
    return bool(np.prod(r[r != 0]) < 0)


class VolumePairs:
    """One split as a `PairSource` on `device`: volumes uint8 (N, 28, 28, 28) → normalised (B, 1, 28, 28, 28)."""

    def __init__(
        self,
        volumes: np.ndarray,
        labels: np.ndarray,
        device: torch.device,
        *,
        augment: bool,
        convention: str,
        organ_label_remap: bool,
    ):
        self.volumes = torch.as_tensor(volumes).to(device)
        self.labels = torch.as_tensor(labels, dtype=torch.long).to(device)
        self.augment, self.convention = augment, convention
        # (|O|, classes): the label of g·x given the label of x; None when rotations keep every label
        self.label_table = None
        if organ_label_remap:
            swap = torch.arange(int(self.labels.max()) + 1)
            for a, b in ORGAN_LEFT_RIGHT.items():
                if a < len(swap):
                    swap[a] = b
            mirrors = torch.tensor([mirrors_left_right(g) for g in range(CUBE.order)])
            self.label_table = torch.where(mirrors[:, None], swap[None, :], torch.arange(len(swap))).to(
                device
            )

    def __len__(self) -> int:
        return len(self.labels)

    def clean(self, idx: torch.Tensor) -> torch.Tensor:
        """MedMNIST's transform: v / 255, then Normalize(0.5, 0.5)."""
        return (self.volumes[idx].float() / 255 - 0.5).div(0.5).unsqueeze(1)

    def _labels(self, idx: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        y = self.labels[idx]
        return y if self.label_table is None else self.label_table[g, y]

    def batch(self, idx: torch.Tensor, rng: torch.Generator, with_x2: bool):
        device = self.labels.device
        x = self.clean(idx)
        if self.augment:
            g0 = torch.randint(CUBE.order, (len(idx),), generator=rng).to(device)
            x, y = cube_rotate(g0, x, self.convention), self._labels(idx, g0)
        else:
            y = self.labels[idx]
        if not with_x2:
            return x, y, None, None
        g = torch.randint(CUBE.order, (len(idx),), generator=rng).to(device)
        return x, y, cube_rotate(g, x, self.convention), g


def load_split(
    arrays: dict[str, np.ndarray], split: str, settings: dict, device: torch.device, *, augment: bool
) -> VolumePairs:
    """One split of a medmnist npz (`<split>_images`, `<split>_labels`) with the run's cube action."""
    return VolumePairs(
        arrays[f"{split}_images"],
        arrays[f"{split}_labels"],
        device,
        augment=augment,
        convention=settings["convention"],
        organ_label_remap=settings["organ_label_remap"],
    )
