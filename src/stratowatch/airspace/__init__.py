"""stratowatch.airspace (see DESIGN.md)."""
