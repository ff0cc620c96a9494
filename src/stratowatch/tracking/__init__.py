"""stratowatch.tracking (see DESIGN.md)."""
