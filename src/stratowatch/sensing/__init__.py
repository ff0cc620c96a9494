"""stratowatch.sensing (see DESIGN.md)."""
