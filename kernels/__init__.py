"""Numeric kernels of the warehouse floor: pick routing and order batching (numpy + numba only).

Public API: :class:`kernels.layout.Warehouse`, :func:`kernels.routing.plan_route` /
:class:`kernels.routing.Route`, :func:`kernels.batching.plan_batches` / :class:`kernels.batching.Batch`
and :func:`kernels.batching.warm_up` (compile everything once at worker start).  CLIs for the public
benchmark formats: ``python -m kernels.sprp``, ``python -m kernels.obp``, ``python -m kernels.instances``.
This package never imports ``floor`` or ``handheld_api``.
"""
