"""An adaptive Dormand–Prince 5(4) integrator for batched ODEs in torch, differentiable through its steps.

`odeint(f, z0, times)` integrates dz/dt = f(z, t) from z0 (batch, dim) and returns z at `times`
(batch, len(times), dim). One step size is shared by the whole batch and controlled by the RMS over every
element of the batch of the local error relative to atol + rtol·max(|z_n|, |z_{n+1}|), with the usual
safety factor 0.9, growth at most ×10 and shrinking at most ×0.2 after a rejected step (no shrinking after
an accepted one) — the controller of JAX's `odeint`, which the original code uses. Steps are shortened
to land exactly on the output times (no dense output). The first step size follows Hairer, Nørsett &
Wanner (Solving ODEs I, §II.4). Step-size decisions are made on detached values; gradients flow through
the accepted steps (discretise-then-differentiate).

`odeint_adjoint` differentiates as JAX's `odeint` does instead: the forward solution is kept only at the
output times, and the gradient comes from the adjoint ODE integrated backwards between consecutive output
times at the same tolerances, its state (the solution, its adjoint, the time adjoint and the parameters'
adjoints) under one error control.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

Field = Callable[[torch.Tensor, float], torch.Tensor]

# Dormand & Prince (1980) RK5(4)7FM: nodes, stage weights, 5th-order solution and its 4th-order partner
C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
B5 = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0)
B4 = (5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40)
ERROR = tuple(b5 - b4 for b5, b4 in zip(B5, B4))

SAFETY, MAX_GROWTH, MAX_SHRINK, ORDER = 0.9, 10.0, 0.2, 5


class StepLimitError(RuntimeError):
    """The integrator took more steps than allowed (the field is stiff or has blown up)."""


def _rms(x: torch.Tensor) -> float:
    return float(x.detach().pow(2).mean().sqrt())


def dopri_step(f: Field, z: torch.Tensor, fz: torch.Tensor, t: float, h: float):
    """One step of size h: (z_{n+1}, f(z_{n+1}), local error estimate)."""
    k = [fz]
    for i in range(1, 7):
        zi = z + h * sum(a * ki for a, ki in zip(A[i], k) if a != 0.0)
        k.append(f(zi, t + C[i] * h))
    # the 7th stage is evaluated at z_{n+1} itself (first same as last)
    z1 = z + h * sum(b * ki for b, ki in zip(B5, k) if b != 0.0)
    error = h * sum(e * ki for e, ki in zip(ERROR, k) if e != 0.0)
    return z1, k[6], error


def error_ratio(error: torch.Tensor, z0: torch.Tensor, z1: torch.Tensor, rtol: float, atol: float) -> float:
    scale = atol + rtol * torch.maximum(z0.detach().abs(), z1.detach().abs())
    return _rms(error / scale)


def next_step(h: float, ratio: float) -> float:
    if ratio == 0.0:
        return h * MAX_GROWTH
    shrink = 1.0 if ratio < 1.0 else MAX_SHRINK
    return h * min(MAX_GROWTH, max(SAFETY * ratio ** (-1.0 / ORDER), shrink))


def initial_step(f: Field, z0: torch.Tensor, f0: torch.Tensor, t0: float, rtol: float, atol: float) -> float:
    """Hairer, Nørsett & Wanner's starting step for a method of order 4 (the error estimator's)."""
    with torch.no_grad():
        scale = atol + rtol * z0.detach().abs()
        d0, d1 = _rms(z0 / scale), _rms(f0 / scale)
        h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
        f1 = f(z0.detach() + h0 * f0.detach(), t0 + h0)
        d2 = _rms((f1 - f0) / scale) / h0
        if max(d1, d2) <= 1e-15:
            h1 = max(1e-6, h0 * 1e-3)
        else:
            h1 = (0.01 / max(d1, d2)) ** (1.0 / 5)
    return min(100 * h0, h1)


def odeint(
    f: Field,
    z0: torch.Tensor,
    times: torch.Tensor | list[float],
    *,
    rtol: float,
    atol: float,
    max_steps: int = 100_000,
    stats: dict | None = None,
) -> torch.Tensor:
    """z at each of `times` (increasing, times[0] the start), shape (batch, len(times), dim).
    `stats`, if given, receives the numbers of steps taken and rejected."""
    times = [float(t) for t in times]
    if any(b <= a for a, b in zip(times, times[1:])):
        raise ValueError("output times must increase strictly")
    z, t = z0, times[0]
    fz = f(z, t)
    h = initial_step(f, z, fz, t, rtol, atol)
    out, steps, rejected = [z], 0, 0
    for target in times[1:]:
        while t < target:
            if steps >= max_steps:
                raise StepLimitError(f"more than {max_steps} steps before t = {target} (reached t = {t:.6g})")
            steps += 1
            remaining = target - t
            clipped = h >= remaining
            step = remaining if clipped else h
            z1, f1, error = dopri_step(f, z, fz, t, step)
            ratio = error_ratio(error, z, z1, rtol, atol)
            if not math.isfinite(ratio):
                raise StepLimitError(f"the solution is not finite at t = {t:.6g}")
            proposal = next_step(step, ratio)
            if ratio <= 1.0:
                z, fz = z1, f1
                t = target if clipped else t + step
                # a step shortened to land on an output time does not shrink the next one
                h = max(h, proposal) if clipped else proposal
            else:
                h, rejected = proposal, rejected + 1
        out.append(z)
    if stats is not None:
        stats.update(steps=steps, rejected=rejected)
    return torch.stack(out, dim=1)


def odeint_adjoint(
    f: torch.nn.Module,
    z0: torch.Tensor,
    times: torch.Tensor | list[float],
    *,
    rtol: float,
    atol: float,
    max_steps: int = 100_000,
    stats: dict | None = None,
) -> torch.Tensor:
    """`odeint` of the module `f`, differentiated with respect to z0 and f's parameters by the adjoint ODE
    (JAX's `odeint` gradient: jax/experimental/ode.py, `_odeint_rev`)."""
    times = tuple(float(t) for t in times)
    params = tuple(p for p in f.parameters() if p.requires_grad)
    return _Adjoint.apply(f, times, rtol, atol, max_steps, stats, z0, *params)


class _Adjoint(torch.autograd.Function):
    @staticmethod
    def forward(ctx, f, times, rtol, atol, max_steps, stats, z0, *params):
        with torch.no_grad():
            zs = odeint(f, z0, times, rtol=rtol, atol=atol, max_steps=max_steps, stats=stats)
        ctx.f, ctx.times, ctx.tolerances, ctx.max_steps = f, times, (rtol, atol), max_steps
        ctx.save_for_backward(zs, *params)
        return zs

    @staticmethod
    def backward(ctx, grad_zs):
        zs, *params = ctx.saved_tensors
        zs = zs.detach()  # the forward solution, a constant of the backward pass
        f, times, (rtol, atol) = ctx.f, ctx.times, ctx.tolerances
        sizes = [zs[:, 0].numel(), zs[:, 0].numel(), 1, *(p.numel() for p in params)]

        def augmented(state: torch.Tensor, s: float) -> torch.Tensor:
            """d/ds of (z, z_bar, t0_bar, params_bar) in reversed time s = -t."""
            z, z_bar, _, *_ = state[0].split(sizes)
            with torch.enable_grad():
                z = z.view_as(zs[:, 0]).detach().requires_grad_()
                fz = f(z, -s)
                vjp = torch.autograd.grad(fz, (z, *params), z_bar.view_as(fz), allow_unused=True)
            z_dot, *params_dot = (torch.zeros_like(x) if g is None else g for g, x in zip(vjp, (z, *params)))
            time_dot = fz.new_zeros(1)  # the models do not read t
            parts = [-fz.detach(), z_dot, time_dot, *params_dot]
            return torch.cat([x.flatten() for x in parts])[None]

        z_bar, t0_bar = grad_zs[:, -1], zs.new_zeros(1)
        params_bar = [torch.zeros_like(p).flatten() for p in params]
        for i in range(len(times) - 1, 0, -1):
            with torch.no_grad():
                t0_bar = t0_bar - (f(zs[:, i], times[i]) * grad_zs[:, i]).sum()
            state = torch.cat([zs[:, i].flatten(), z_bar.flatten(), t0_bar.view(1), *params_bar])[None]
            state = odeint(
                augmented, state, [-times[i], -times[i - 1]], rtol=rtol, atol=atol, max_steps=ctx.max_steps
            )[:, -1]
            _, z_bar, t0_bar, *params_bar = state[0].split(sizes)
            z_bar = z_bar.view_as(zs[:, 0]) + grad_zs[:, i - 1]
        grads = [g.view_as(p) for g, p in zip(params_bar, params)]
        return (None, None, None, None, None, None, z_bar, *grads)
