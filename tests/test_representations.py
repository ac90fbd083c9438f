import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import apply_representation, defining_representation

from symrep.groups import get_group
from symrep.representations import latent_representation, regular_representation

GROUPS = ["C2", "C4", "C8", "C16", "D1", "D3", "D4", "C4xC4", "D1xD1", "D4xD4", "O"]


def assert_homomorphism(group, rho, atol=0.0):
    table = torch.tensor(group.table)
    prod = torch.einsum("gij,hjk->ghik", rho, rho)
    torch.testing.assert_close(prod, rho[table], rtol=0, atol=atol)
    torch.testing.assert_close(rho[0], torch.eye(rho.shape[-1], dtype=rho.dtype), rtol=0, atol=atol)


@pytest.mark.parametrize("name", GROUPS)
def test_regular_representation(name):
    group = get_group(name)
    n = group.order
    p = regular_representation(group)
    assert p.shape == (n, n, n)
    assert_homomorphism(group, p)
    for g in range(n):
        for j in range(n):  # P(g) e_j = e_{g·h_j}
            assert p[g, :, j].argmax() == group.mul(g, j) and p[g, :, j].sum() == 1
    chi = torch.einsum("gii->g", p)
    assert chi[0] == n and (chi[1:] == 0).all()


@given(st.sampled_from(GROUPS[:8]), st.integers(1, 3), st.integers(0, 5))
@settings(max_examples=25, deadline=None)
def test_latent_representation_structure(name, m, r):
    group = get_group(name)
    n = group.order
    r = r % n
    rho = latent_representation(group, m * n + r)
    assert rho.shape == (n, m * n + r, m * n + r)
    assert_homomorphism(group, rho)
    p = regular_representation(group)
    for c in range(m):
        torch.testing.assert_close(rho[:, c * n : (c + 1) * n, c * n : (c + 1) * n], p)
    torch.testing.assert_close(rho[:, m * n :, m * n :], torch.eye(r).expand(n, r, r))
    assert torch.einsum("gii->g", rho)[1:].tolist() == [r] * (n - 1)


def test_latent_representation_rejects_small_dim():
    with pytest.raises(ValueError, match="smaller"):
        latent_representation(get_group("D4xD4"), 63)
    assert latent_representation(get_group("D4xD4"), 66).shape == (64, 66, 66)


@pytest.mark.parametrize("name", ["C4", "C16", "D3", "D4", "C4xC4", "D1xD1", "O"])
def test_defining_representation(name):
    group = get_group(name)
    rho = defining_representation(group, dtype=torch.float64)
    assert_homomorphism(group, rho, atol=1e-12)
    torch.testing.assert_close(
        rho @ rho.transpose(1, 2), torch.eye(rho.shape[-1], dtype=rho.dtype).expand_as(rho)
    )
    if group.reflect is not None:
        assert (torch.linalg.det(rho) < 0).tolist() == group.reflect.tolist()


def test_apply_representation_batched():
    group = get_group("D4")
    rho = latent_representation(group, 19)
    z = torch.randn(6, 19)
    g = torch.tensor([0, 3, 5, 7, 1, 4])
    out = apply_representation(rho, g, z)
    for b in range(6):
        torch.testing.assert_close(out[b], rho[g[b]] @ z[b])
    torch.testing.assert_close(apply_representation(rho, 2, z), z @ rho[2].T)
    h = torch.tensor([1, 1, 6, 2, 7, 4])
    torch.testing.assert_close(
        apply_representation(rho, g, apply_representation(rho, h, z)),
        apply_representation(rho, torch.tensor(group.table)[g, h], z),
    )
