"""Carrier adapters: one interface (create, cancel, label, track, parse push) per carrier family."""
