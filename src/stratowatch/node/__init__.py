"""stratowatch.node (see DESIGN.md)."""
