"""The warehouse floor: domain model, its Redis store, use cases and jobs. No HTTP here."""
