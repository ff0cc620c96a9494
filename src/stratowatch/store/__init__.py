"""stratowatch.store (see DESIGN.md)."""
