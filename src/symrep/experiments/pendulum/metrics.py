"""How the rollouts are scored: the released code's rollout error, and the O(3) equivariance error.

rel_err(a, b) = RMS(a - b) / (RMS(a) + RMS(b)) over the 12 coordinates of one state; the rollout error
of a set of trajectories is the geometric mean of rel_err over every test trajectory and every time of
the horizon (t = 0 included), each value clamped below at 1e-7 (`log_rollout_error` of
`hamiltonian_dynamics.py`, exponentiated as its trainers log `test_Rollout`).
"""

from __future__ import annotations

import torch

CLAMP = 1e-7


def relative_error(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """(…, dim) → (…): RMS of the difference over the RMS of each, summed."""
    rms = lambda x: x.pow(2).mean(-1).sqrt()  # noqa: E731
    return rms(pred - true) / (rms(pred) + rms(true))


def rollout_error(pred: torch.Tensor, true: torch.Tensor) -> float:
    """Geometric mean over trajectories and times of the clamped relative error; (n, T, 12) inputs."""
    errors = relative_error(pred.double(), true.double()).clamp_min(CLAMP)
    return float(errors.log().mean().exp())


def random_orthogonal(generator: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    """A Haar-random element of O(3) (determinant ±1 with equal probability)."""
    q, r = torch.linalg.qr(torch.randn(3, 3, generator=generator, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r))
    if torch.rand((), generator=generator) < 0.5:
        q = -q  # -I flips the determinant in odd dimension
    return q.to(dtype)


def rotate_state(z: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Apply Q to each of the four vectors of the states z (batch, 12)."""
    return (z.unflatten(-1, (4, 3)) @ q.T).flatten(-2)


def equivariance_error(field, z: torch.Tensor, gravity: torch.Tensor, q: torch.Tensor) -> float:
    """max |F(Qz, Qg) - Q F(z, g)| / max |F(z, g)| for a vector field F(z, g)."""
    out = field(z, gravity).detach()
    moved = field(rotate_state(z, q), gravity @ q.T).detach()
    return float((moved - rotate_state(out, q)).abs().max() / out.abs().max())
