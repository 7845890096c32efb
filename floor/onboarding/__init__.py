"""Master data onboarding: bulk import of warehouses, layouts, locations, SKUs, stock, pickers, users.

Shape: :mod:`.model` (Structs), :mod:`.columns` (the documented file formats), :mod:`.parse` and
:mod:`.validate` (pure: bytes in, report + clean rows out), :mod:`.store` (Redis), :mod:`.service`
(use cases and the RQ job entry point). See ``docs/onboarding.md``.
"""
