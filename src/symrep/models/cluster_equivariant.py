"""Linear layers equivariant to a product of symmetric groups acting on clusters of pixels.

The N pixels of an image are split into K clusters of m pixels each; the group permutes the pixels
inside each cluster independently, (S_m)^K. Every linear map R^{in×N} → R^{out×N} that commutes with
these permutations has the form (the S_n-equivariant linear maps, applied to each pair of clusters)

    out[o, n] = Σ_i w_diag[o, i, c(n)] x[i, n] + (1/N) Σ_i Σ_c' w_off[o, c(n), i, c'] Σ_{p ∈ c'} x[i, p] + b[o]

with c(n) the cluster of pixel n: a diagonal weight per cluster, a weight per (cluster, cluster) pair
acting on the cluster sums (m/N times the cluster means), and a bias per output channel. The layer
computes it in this structured form, never as a dense N×N matrix. One cluster of all pixels gives the
DeepSets layer (a·x + b·Σx + bias); clusters of one pixel give an unconstrained linear map (every pixel
its own diagonal weight, every pair of pixels its own off-diagonal weight). The 1/N scaling (N = all
pixels, whatever the cluster size), the parameter shapes and the initialisation follow Huang, Levie &
Villar's released code (`image_inpainting/models_coarsen/gnet_coarsening.py`, `Sn_coarsen_layer`).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def square_clusters(side: int, cluster_side: int) -> torch.Tensor:
    """Cluster index of every pixel of a side×side image (row-major) tiled by cluster_side×cluster_side
    squares, numbered row-major (as the released `get_cluster_idxs`)."""
    if side % cluster_side:
        raise ValueError(f"cluster side {cluster_side} does not divide the image side {side}")
    per_row = side // cluster_side
    block = torch.arange(side) // cluster_side
    return (block[:, None] * per_row + block[None, :]).flatten()


class ClusterOrder(nn.Module):
    """Moves pixels between image order (B, C, N) and cluster order (B, C, K, m), clusters of equal size."""

    def __init__(self, clusters: torch.Tensor):
        super().__init__()
        clusters = torch.as_tensor(clusters, dtype=torch.long)
        sizes = torch.bincount(clusters)
        if clusters.min() < 0 or (sizes == 0).any() or (sizes != sizes[0]).any():
            raise ValueError(f"clusters must be 0..K-1, all of one size (sizes {sizes.unique().tolist()})")
        self.num_nodes, self.num_clusters, self.cluster_size = len(clusters), len(sizes), int(sizes[0])
        order = torch.argsort(clusters, stable=True)
        self.identity = bool(torch.equal(order, torch.arange(len(clusters))))
        self.register_buffer("order", order, persistent=False)
        self.register_buffer("inverse", torch.argsort(order), persistent=False)

    def to_clusters(self, x: torch.Tensor) -> torch.Tensor:
        x = x if self.identity else x[:, :, self.order]
        return x.reshape(x.shape[0], x.shape[1], self.num_clusters, self.cluster_size)

    def to_pixels(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(x.shape[0], x.shape[1], self.num_nodes)
        return x if self.identity else x[:, :, self.inverse]


class ClusterEquivariantLinear(nn.Module):
    """(B, in, N) → (B, out, N), equivariant to permutations of the pixels inside each cluster.

    `clusters`: the cluster index (0..K-1) of each of the N pixels, K clusters of equal size. Parameters:
    `w_diag` (out, in, K), `w_off` (out, K, in, K) (output cluster, input cluster), `bias` (out,).
    """

    def __init__(self, clusters: torch.Tensor, in_features: int, out_features: int):
        super().__init__()
        self.pixels = ClusterOrder(clusters)
        self.in_features, self.out_features = in_features, out_features
        k, pairs = self.pixels.num_clusters, in_features * out_features
        # the released constructor's draws, in its order: U(0, 1) weights, then the bias
        self.w_diag = nn.Parameter(torch.rand(pairs, k).view(out_features, in_features, k))
        self.w_off = nn.Parameter(self._off_layout(torch.rand(pairs, k, k)))
        stdv = 1.0 / math.sqrt(out_features)
        self.bias = nn.Parameter(torch.zeros(out_features).uniform_(-stdv, stdv))

    def _off_layout(self, off: torch.Tensor) -> torch.Tensor:
        """Released layout ((o, i) o-major, K_out, K_in) → (out, K_out, in, K_in), one matmul's weight."""
        k = self.pixels.num_clusters
        return off.view(self.out_features, self.in_features, k, k).permute(0, 2, 1, 3).contiguous()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """The released `reset_weight`: both weights U(-1/√out, 1/√out), drawn in the released layout."""
        stdv = 1.0 / math.sqrt(self.out_features)
        self.w_diag.uniform_(-stdv, stdv)
        k = self.pixels.num_clusters
        self.w_off.copy_(
            self._off_layout(torch.empty(self.w_off.numel()).view(-1, k, k).uniform_(-stdv, stdv))
        )

    def forward_clusters(self, x: torch.Tensor) -> torch.Tensor:
        """(B, in, K, m) in cluster order → (B, out, K, m)."""
        batch, k = x.shape[0], self.pixels.num_clusters
        diag = (x.unsqueeze(1) * self.w_diag[None, :, :, :, None]).sum(2)
        weight = self.w_off.view(self.out_features * k, self.in_features * k)
        off = F.linear(x.sum(3).reshape(batch, -1), weight).view(batch, self.out_features, k, 1)
        return diag + off / self.pixels.num_nodes + self.bias[:, None, None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pixels.to_pixels(self.forward_clusters(self.pixels.to_clusters(x)))


class ClusterEquivariantNet(nn.Module):
    """Two equivariant layers with a ReLU between, one clustering for both (the released `Sn_coarsen_net`):
    (B, channels, N) → (B, channels, N). Pixels are put in cluster order once, on the way in and out."""

    def __init__(self, clusters: torch.Tensor, hidden: int, channels: int = 1):
        super().__init__()
        self.input_layer = ClusterEquivariantLinear(clusters, channels, hidden)
        self.output_layer = ClusterEquivariantLinear(clusters, hidden, channels)
        for layer in (self.input_layer, self.output_layer):
            layer.reset_parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pixels = self.input_layer.pixels
        hidden = F.relu(self.input_layer.forward_clusters(pixels.to_clusters(x)))
        return pixels.to_pixels(self.output_layer.forward_clusters(hidden))
