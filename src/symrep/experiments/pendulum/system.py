"""The double pendulum with springs in 3D: its Hamiltonian, exact vector field and initial conditions.

State z = (q1, q2, p1, p2) ∈ R^12 (positions of the two masses, then their momenta; the pivot q0 is the
origin). With gravity vector g = (0, 0, -g):

    H = |p1|²/2m1 + |p2|²/2m2 + ½k1(|q1| - L1)² + c·k2(|q1 - q2| - L2)² - m1 q1·g - m2 q2·g

c = ½ in the talk's formula (`hamiltonian: talk`); the released code (EMLP's and ScalarEMLP's
`DoubleSpringPendulum.H`) has no ½ on the second spring, c = 1 (`hamiltonian: released`). The talk's slide
writes the gravity terms as -m_i p_i·g, a typo for the positions (both codes use m_i g z_i).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

SECOND_SPRING = {"talk": 0.5, "released": 1.0}  # the factor c in front of k2(|q1 - q2| - L2)²


@dataclass(frozen=True)
class SpringPendulum:
    m1: float
    m2: float
    k1: float
    k2: float
    l1: float
    l2: float
    g: float
    second_spring: float  # c: 0.5 (talk) or 1.0 (released code)

    @classmethod
    def from_settings(cls, constants: dict, hamiltonian: str) -> SpringPendulum:
        return cls(
            **{k: float(constants[k]) for k in ("m1", "m2", "k1", "k2", "l1", "l2", "g")},
            second_spring=SECOND_SPRING[hamiltonian],
        )

    def gravity(self, like: torch.Tensor) -> torch.Tensor:
        return like.new_tensor([0.0, 0.0, -self.g])

    def energy(self, z: torch.Tensor) -> torch.Tensor:
        """H(z) for z (..., 12)."""
        q1, q2, p1, p2 = z.unflatten(-1, (4, 3)).unbind(-2)
        g = self.gravity(z)
        kinetic = p1.pow(2).sum(-1) / (2 * self.m1) + p2.pow(2).sum(-1) / (2 * self.m2)
        spring1 = 0.5 * self.k1 * (q1.norm(dim=-1) - self.l1) ** 2
        spring2 = self.second_spring * self.k2 * ((q1 - q2).norm(dim=-1) - self.l2) ** 2
        gravity = -self.m1 * (q1 * g).sum(-1) - self.m2 * (q2 * g).sum(-1)
        return kinetic + spring1 + spring2 + gravity

    def vector_field(self, z: torch.Tensor, t: float = 0.0) -> torch.Tensor:
        """Hamilton's equations dq/dt = ∂H/∂p, dp/dt = -∂H/∂q, in closed form, for z (batch, 12)."""
        q1, q2, p1, p2 = z.unflatten(-1, (4, 3)).unbind(-2)
        g = self.gravity(z)
        r1, d = q1.norm(dim=-1, keepdim=True), q1 - q2
        r12 = d.norm(dim=-1, keepdim=True)
        spring1 = self.k1 * (r1 - self.l1) * q1 / r1  # ∂/∂q1 of ½k1(|q1| - L1)²
        spring2 = 2 * self.second_spring * self.k2 * (r12 - self.l2) * d / r12  # ∂/∂q1 of c·k2(|q1-q2| - L2)²
        dp1 = -spring1 - spring2 + self.m1 * g
        dp2 = spring2 + self.m2 * g
        return torch.cat([p1 / self.m1, p2 / self.m2, dp1, dp2], dim=-1)


def initial_conditions(n: int, initial: dict, rng: np.random.Generator) -> np.ndarray:
    """(n, 12) states: q1 ~ N(q1_mean, q_std²), q2 ~ N(q2_mean, q_std²) per coordinate, p ~ N(0, p_std²)
    (the released code's distribution: q1 around (0, 0, -1.5), q2 around (0, 0, -3), std 0.2; p std 0.4)."""
    q1 = np.asarray(initial["q1_mean"]) + initial["q_std"] * rng.standard_normal((n, 3))
    q2 = np.asarray(initial["q2_mean"]) + initial["q_std"] * rng.standard_normal((n, 3))
    p = initial["p_std"] * rng.standard_normal((n, 6))
    return np.concatenate([q1, q2, p], axis=-1)
