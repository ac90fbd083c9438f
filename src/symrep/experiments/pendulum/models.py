"""The learned dynamics: Scalars-O(3) and MLP models, as neural ODEs (a vector field) or Hamiltonian networks.

Every model maps a batch of states z = (q1, q2, p1, p2) (batch, 12) to dz/dt (`forward(z)`); a Hamiltonian
network learns a scalar H(z) and returns J∇H (dq/dt = ∂H/∂p, dp/dt = -∂H/∂q).

Scalars-O(3) (Villar et al.; Yao et al.'s ScalarEMLP) sees the state only through O(3)-invariant scalars
of the vectors and the gravity vector g, so H is O(3)-invariant and the vector field O(3)-equivariant
when g turns with the state (a passive symmetry; g defaults to (0, 0, -1) as in the released code):

* `features: talk` — the talk's formula: the inner products ⟨v_i, v_j⟩ (i ≤ j, 15) of V = {q1, q2, p1, p2, g};
  the vector field is F_a = Σ_{v∈V} f_{a,v}(scalars)·v for each output vector a (4 × 5 coefficients).
* `features: released` — ScalarEMLP's `compute_scalars`: |v| and the 4×4 Gram matrix of (q1, q2, p1, p2)
  (20), ⟨g, v⟩ (4), |q1-q2|² and |q1-q2| (2), ⟨q1-q2, v⟩ (4): 30 scalars; the vector field is F_a = Σ f_{a,u}·u
  over u ∈ {q1, q2, p1, p2, q1-q2, g} (4 × 6 coefficients).

Optionally each scalar is expanded in Gaussian radial basis functions before the MLP (ScalarEMLP's N-ODE:
200 centres spread evenly between the smallest and largest scalar of the training states, and the code's
width parameter γ = 2(max - min)/(centres - 1) in exp(-γ(s - μ)²)). Gaussians below `NEGLIGIBLE` (float32's normal
range ends at 1.2e-38) are exactly 0: more than half of them are, and CPUs compute exp slowly there (JAX's CPU
backend flushes such values to zero too). The expansion and the first linear layer
form one autograd function that recomputes the expansion in the backward pass instead of storing it
(6,000 features per state and solver stage; `bench/pendulum_radial.py`).

The MLP baseline (EMLP's `MLPode`/`MLPH`) reads the 12 coordinates of z directly.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

ACTIVATIONS = {"relu": nn.ReLU, "swish": nn.SiLU}
FEATURE_SETS = ("talk", "released")
GRAVITY = (0.0, 0.0, -1.0)
EXPONENT_FLOOR = -87.0  # the Gaussians' exponents are clamped here ...
NEGLIGIBLE = 1.7e-38  # ... and Gaussians at or below this (> exp(-87)) are set to 0


def linear(n_in: int, n_out: int) -> nn.Linear:
    """A linear layer initialised as objax's `Linear` (both codes are objax models): Xavier-normal
    weights, std √(2 / (n_in + n_out)), and zero biases."""
    layer = nn.Linear(n_in, n_out)
    nn.init.xavier_normal_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def mlp(n_in: int, n_out: int, hidden: int, hidden_layers: int, activation: str) -> nn.Sequential:
    """`hidden_layers` layers of width `hidden` with the activation, then a linear output layer."""
    layers, width = [], n_in
    for _ in range(hidden_layers):
        layers += [linear(width, hidden), ACTIVATIONS[activation]()]
        width = hidden
    return nn.Sequential(*layers, linear(width, n_out))


def vectors(z: torch.Tensor) -> torch.Tensor:
    """(batch, 12) → (batch, 4, 3): q1, q2, p1, p2."""
    return z.unflatten(-1, (4, 3))


def scalars(x: torch.Tensor, g: torch.Tensor, features: str) -> torch.Tensor:
    """O(3)-invariant scalars of the vectors x (batch, 4, 3) and gravity g (3,) or (batch, 3)."""
    g = g.expand(x.shape[0], 3)
    if features == "talk":
        v = torch.cat([x, g[:, None]], dim=1)  # (batch, 5, 3)
        gram = v @ v.transpose(1, 2)
        i, j = torch.triu_indices(5, 5, device=x.device)
        return gram[:, i, j]
    if features == "released":
        gram = x @ x.transpose(1, 2)
        d = x[:, 0] - x[:, 1]
        dd = d.pow(2).sum(-1, keepdim=True)
        return torch.cat(
            [
                gram.diagonal(dim1=1, dim2=2).sqrt(),
                gram.flatten(1),
                (x @ g[:, :, None]).squeeze(-1),
                dd,
                dd.sqrt(),
                (x @ d[:, :, None]).squeeze(-1),
            ],
            dim=1,
        )
    raise ValueError(f"features must be one of {FEATURE_SETS}, not {features!r}")


def basis(x: torch.Tensor, g: torch.Tensor, features: str) -> torch.Tensor:
    """The vectors the equivariant field is a combination of: (batch, 5 or 6, 3)."""
    g = g.expand(x.shape[0], 3)[:, None]
    if features == "talk":
        return torch.cat([x, g], dim=1)
    return torch.cat([x, (x[:, 0] - x[:, 1])[:, None], g], dim=1)


N_SCALARS = {"talk": 15, "released": 30}
N_BASIS = {"talk": 5, "released": 6}


def gaussians(diff: torch.Tensor, gamma: float) -> torch.Tensor:
    """exp(-γ·diff²), 0 where ≤ NEGLIGIBLE; in place on fresh tensors unless a graph is being recorded."""
    if torch.is_grad_enabled():  # a double backward differentiates through this
        return functional.threshold((diff.square() * -gamma).clamp(min=EXPONENT_FLOOR).exp(), NEGLIGIBLE, 0.0)
    return functional.threshold_(
        diff.square().mul_(-gamma).clamp_(min=EXPONENT_FLOOR).exp_(), NEGLIGIBLE, 0.0
    )


class _RadialLinear(torch.autograd.Function):
    """Linear(weight, bias) of the Gaussians of s (batch, n) at centres mu (centres,), flattened scalar-major;
    only s is saved: the backward pass recomputes the Gaussians."""

    @staticmethod
    def forward(ctx, s, mu, gamma, weight, bias):
        ctx.save_for_backward(s, mu, weight)
        ctx.gamma = gamma
        return torch.addmm(bias, gaussians(s[..., None] - mu, gamma).flatten(1), weight.t())

    @staticmethod
    def backward(ctx, grad):
        s, mu, weight = ctx.saved_tensors
        diff = s[..., None] - mu
        phi = gaussians(diff, ctx.gamma)
        grad_s = ((grad @ weight).view_as(phi) * phi * diff).sum(-1) * (-2 * ctx.gamma)
        return grad_s, None, None, grad.t() @ phi.flatten(1), grad.sum(0)


class RadialBasis(nn.Module):
    """Each scalar s ↦ exp(-γ(s - μ_k)²) for k = 1..centres (fixed centres, not trained), fed to a linear
    layer: `forward(s, layer)` = layer(Gaussians of s)."""

    def __init__(self, centres: int, low: float, high: float):
        super().__init__()
        self.register_buffer("mu", torch.linspace(low, high, centres))
        self.gamma = 2 * (high - low) / (centres - 1)

    def forward(self, s: torch.Tensor, layer: nn.Linear) -> torch.Tensor:
        return _RadialLinear.apply(s, self.mu, self.gamma, layer.weight, layer.bias)


class Scalars(nn.Module):
    """Invariant scalars → [radial basis] → MLP; the MLP's outputs are H (Hamiltonian) or the
    coefficients of the equivariant vector field (ODE)."""

    def __init__(
        self,
        kind: str,
        features: str,
        hidden: int,
        hidden_layers: int,
        activation: str,
        rbf: tuple[int, float, float] | None = None,
    ):
        super().__init__()
        self.kind, self.features = kind, features
        self.rbf = RadialBasis(*rbf) if rbf else None
        n_in = N_SCALARS[features] * (rbf[0] if rbf else 1)
        n_out = 1 if kind == "hnn" else 4 * N_BASIS[features]
        self.net = mlp(n_in, n_out, hidden, hidden_layers, activation)
        self.register_buffer("gravity", torch.tensor(GRAVITY))

    def invariant_net(self, z: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """The MLP on the invariant scalars of z (through the radial basis when there is one)."""
        s = scalars(vectors(z), g, self.features)
        if self.rbf is None:
            return self.net(s)
        return self.net[1:](self.rbf(s, self.net[0]))

    def hamiltonian(self, z: torch.Tensor, g: torch.Tensor | None = None) -> torch.Tensor:
        return self.invariant_net(z, self.gravity if g is None else g).squeeze(-1)

    def field(self, z: torch.Tensor, g: torch.Tensor | None = None) -> torch.Tensor:
        """The equivariant vector field Σ_u f_{a,u}·u (ODE models)."""
        g = self.gravity if g is None else g
        coefficients = self.invariant_net(z, g).unflatten(-1, (4, N_BASIS[self.features]))
        return (coefficients @ basis(vectors(z), g, self.features)).flatten(1)


class PlainMLP(nn.Module):
    """EMLP's baseline MLP on the 12 coordinates: H(z) (Hamiltonian) or dz/dt (ODE)."""

    def __init__(self, kind: str, hidden: int, hidden_layers: int, activation: str):
        super().__init__()
        self.kind = kind
        self.net = mlp(12, 1 if kind == "hnn" else 12, hidden, hidden_layers, activation)

    def hamiltonian(self, z: torch.Tensor, g: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z).squeeze(-1)

    def field(self, z: torch.Tensor, g: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z)


def hamiltonian_field(model: nn.Module, z: torch.Tensor, g: torch.Tensor | None, create_graph: bool):
    """J∇H(z): (∂H/∂p, -∂H/∂q), with the graph kept when training (the loss differentiates through it)."""
    with torch.enable_grad():
        z = z if z.requires_grad else z.detach().requires_grad_()
        grad = torch.autograd.grad(model.hamiltonian(z, g).sum(), z, create_graph=create_graph)[0]
    return torch.cat([grad[:, 6:], -grad[:, :6]], dim=1)


class Dynamics(nn.Module):
    """dz/dt of a model: its vector field (N-ODE) or the Hamiltonian flow of its H (HNN)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, z: torch.Tensor, t: float = 0.0, g: torch.Tensor | None = None) -> torch.Tensor:
        if self.model.kind == "hnn":
            return hamiltonian_field(self.model, z, g, create_graph=self.training and torch.is_grad_enabled())
        return self.model.field(z, g)
