"""Group actions on data tensors, batched, as left actions: act(g, act(h, x)) == act(g·h, x).

One signature everywhere: the element first, the data second, options by keyword: ``rot90(k, x)``,
``cube_rotate(g, volume, convention=...)``; group-dependent actions take the group first
(``act_2d(group, g, x)``, so ``functools.partial(act_2d, group)`` is an ``act(g, x)``).
Group elements are an int (one element for the whole batch) or a (B,) long tensor (one element
per sample along dim 0).

Image convention: the last two dims are (H, W); row index i grows DOWN the screen, column index j
grows to the right. "Counter-clockwise" means as seen on screen: ``rot90(1, x)`` (=
``torch.rot90(x, 1, dims=(-2, -1))``) moves the top-left pixel to the bottom-left, and
``rotate(90, x)`` agrees with it. In screen coordinates (x right, y up) a point p moves to R(θ)p.

Modules by kind of data: `planar` (images), `cubic` (volumes), `vector_field` (vector fields and
feature maps); `elements` tabulates exact actions so that a batch of per-sample elements is one gather.
"""
