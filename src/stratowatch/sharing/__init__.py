"""stratowatch.sharing (see DESIGN.md)."""
